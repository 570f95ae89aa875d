// The webgpu backend on its own: shaders compile for every rule and option, divergence is
// reported at the same step as the cpu, readState flushes once. Parity of the step itself is in
// tests/parity/. Skipped with the reason when no adapter answers, failed under
// SPRINGTAIL_REQUIRE_WEBGPU=1.
import { describe, expect, it } from 'vitest';
import { hebbian, oja } from '../../rules/hebbian.ts';
import { keyedDistance } from '../../rules/keyed-distance.ts';
import type { BackendInit, NormalizeKind } from '../../sim/backend.ts';
import { fromLists } from '../../sim/build.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import { createWebgpuBackend } from '../../sim/webgpu/backend.ts';
import { stepShader } from '../../sim/webgpu/shader.ts';
import { bcmLike, createBackend, defaultPlasticity, mixedTensor, samples } from '../parity/fixtures.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';

const webgpu = useWebgpu();

const RULES: [string, RuleDef][] = [
  ['hebbian', hebbian],
  ['oja', oja],
  ['keyed-distance', keyedDistance],
  ['bcm-like', bcmLike],
];
const NORMS: NormalizeKind[] = ['none', 'l1', 'l2', 'subtractive'];

describe('step shader compiles', () => {
  const cases = RULES.flatMap(([name, def]) =>
    NORMS.flatMap((normalize) => [true, false].flatMap((uniformSign) => [false, true].map((groups) => ({ name, def, normalize, uniformSign, groups })))),
  );
  it.for(cases)('$name, normalize $normalize, uniformSign $uniformSign, groups $groups', async ({ def, normalize, uniformSign, groups }, ctx) => {
    const { device } = webgpu.need(ctx);
    const code = stepShader(compileRule(def), { wMin: 0, wMax: 1, normalize, normalizeTarget: 1, uniformSign, groups });
    const info = await device.createShaderModule({ code }).getCompilationInfo();
    expect(info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`)).toEqual([]);
  });

  it('unbounded weights (wMin −∞, wMax +∞) leave that side unclipped', async (ctx) => {
    const { device } = webgpu.need(ctx);
    const code = stepShader(compileRule(oja), { wMin: -Infinity, wMax: Infinity, normalize: 'subtractive', normalizeTarget: 1, uniformSign: false, groups: false });
    expect(code).not.toMatch(/inf/i);
    const info = await device.createShaderModule({ code }).getCompilationInfo();
    expect(info.messages.filter((m) => m.type === 'error')).toEqual([]);
  });
});

describe('webgpu backend', () => {
  const init = (): BackendInit => ({ tensor: mixedTensor(3), rule: compileRule(oja), plasticity: defaultPlasticity, maxChunk: 5 });

  it('describes itself and checks its arguments', async (ctx) => {
    webgpu.need(ctx);
    const b = await createWebgpuBackend(init());
    try {
      expect(b.name).toBe('webgpu');
      expect(b.device.length).toBeGreaterThan(0);
      expect(b.memoryBytes()).toBeGreaterThan(0);
      await expect(b.run(6, samples(6, 6))).rejects.toThrow(/maxChunk/);
      await expect(b.run(2, samples(1, 6))).rejects.toThrow(/inputs/);
    } finally {
      await b.dispose();
    }
  });

  it('applies pending plasticity once: readState twice gives the same state', async (ctx) => {
    webgpu.need(ctx);
    const b = await createWebgpuBackend(init());
    try {
      await b.run(3, samples(3, 6));
      const s1 = await b.readState();
      const s2 = await b.readState();
      expect(Array.from(s2.w)).toEqual(Array.from(s1.w));
      expect(Array.from(s2.a)).toEqual(Array.from(s1.a));
    } finally {
      await b.dispose();
    }
  });

  // one organism: input 0 → linear neuron 1, which excites itself
  const runaway = (wSelf: number) =>
    fromLists([
      {
        neurons: [{ role: 'input' }, { soma: 'linear' }],
        synapses: [
          { pre: 0, post: 1, w: 1 },
          { pre: 1, post: 1, w: wSelf },
        ],
      },
    ]);

  // Only the first report is compared: after it the state holds inf/NaN, and WGSL lets the
  // compiler assume finite math (e.g. fold 0 · x to 0), so later steps may differ from the cpu.
  it.for([
    { what: 'non-finite activity', rule: compileRule(hebbian, { eta: 0, decay: 0 }), wSelf: 1e12 },
    // 1e30 · 1e30 overflows f32 at run time (not a constant: it multiplies post first)
    { what: 'non-finite weight', rule: compileRule({ name: 'blowup', params: {}, update: 'post > 2 ? post * 1e30 * 1e30 : 0' }), wSelf: 0.9 },
  ])('reports the first bad step like the cpu: $what', async ({ rule, wSelf }, ctx) => {
    webgpu.need(ctx);
    const first: Record<string, number> = {};
    for (const kind of ['cpu', 'webgpu'] as const) {
      const b = await createBackend(kind, { tensor: runaway(wSelf), rule, plasticity: { ...defaultPlasticity, wMax: Infinity }, maxChunk: 6 });
      try {
        first[kind] = -1;
        for (let k = 0; k < 3 && first[kind] < 0; k++) first[kind] = (await b.run(6, new Float32Array(6).fill(1))).firstBadStep;
      } finally {
        await b.dispose();
      }
    }
    expect(first.cpu).toBeGreaterThanOrEqual(0);
    expect(first.webgpu).toBe(first.cpu);
  });
});
