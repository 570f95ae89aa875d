// Step features checked by hand on tiny networks: group somas (kwta, softmax), the segment's
// projection sign in the segment nonlinearity, the projection tag in rule expressions, and starting a backend from a saved state. The
// webgpu cases skip with the reason when no adapter answers (fail under SPRINGTAIL_REQUIRE_WEBGPU=1).
import { describe, expect, it } from 'vitest';
import { bcm } from '../../rules/hebbian.ts';
import { keyedDistance } from '../../rules/keyed-distance.ts';
import type { BackendInit } from '../../sim/backend.ts';
import { fromLayers, fromLists, type NeuronSpec } from '../../sim/build.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import { inputSize, type SynapseTensor } from '../../sim/tensor.ts';
import { createBackend, defaultPlasticity, mixedTensor, relErr, samples } from '../parity/fixtures.ts';
import { bitEqual } from '../parity/run-compare.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';

const webgpu = useWebgpu();
const still: RuleDef = { name: 'still', params: {}, update: '0' };
const plasticity = { ...defaultPlasticity, wMax: 10 };

/** One step on the cpu (1 thread) with sample x; the new activities. */
async function oneStep(tensor: SynapseTensor, x: number[], rule: RuleDef = still): Promise<Float32Array> {
  const b = await createBackend('cpu', { tensor, rule: compileRule(rule), plasticity, maxChunk: 1 });
  try {
    await b.run(1, Float32Array.from(x));
    return (await b.readState()).a;
  } finally {
    await b.dispose();
  }
}

// 4 inputs → 5 units; W[j] is unit j's weights, θ_j its threshold
const x = [1, 0.5, 0.25, 0.8];
const W = [
  [0.1, 0.2, 0.4, 0.3],
  [0.5, 0.1, 0.0, 0.6],
  [0.2, 0.2, 0.2, 0.2],
  [0.0, 0.9, 0.1, 0.4],
  [0.3, 0.0, 0.8, 0.5],
];
const groupNet = (unit: NeuronSpec, thetas: number[], weights = W) =>
  fromLists([
    {
      neurons: [...x.map((): NeuronSpec => ({ role: 'input' })), ...thetas.map((theta): NeuronSpec => ({ ...unit, theta }))],
      synapses: weights.flatMap((row, j) => row.map((w, i) => ({ pre: i, post: 4 + j, w }))),
    },
  ]);
const zOf = (thetas: number[]) => W.map((row, j) => row.reduce((s, w, i) => s + w * x[i], 0) - thetas[j]);

describe('group somas by hand', () => {
  it('kwta, k = 2 of 5: the two largest z keep max(z, 0), the others are 0', async () => {
    for (const thetas of [
      [0, 0, 0, 0, 0],
      // z = u − 0.95: of the two winners (units 1, 4) only unit 1 has z > 0
      [0.95, 0.95, 0.95, 0.95, 0.95],
    ]) {
      const z = zOf(thetas);
      const order = z.map((v, j) => [v, j]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
      const want = z.map((v, j) => (order.slice(0, 2).some(([, i]) => i === j) ? Math.max(v, 0) : 0));
      const a = await oneStep(groupNet({ soma: 'kwta', k: 2 }, thetas), x);
      expect(Array.from(a.subarray(4)).map((v, j) => Math.abs(v - want[j]) < 1e-6)).toEqual([true, true, true, true, true]);
      expect(Array.from(a.subarray(4)).filter((v) => v > 0).length).toBe(z.filter((v) => v > 0).length >= 2 ? 2 : 1);
    }
    expect(zOf([0, 0, 0, 0, 0]).map((v) => +v.toFixed(3))).toEqual([0.54, 1.03, 0.51, 0.795, 0.9]);
  });

  it('kwta ties: the lower index wins', async () => {
    // units 1 and 3 get unit 0's weights: z = [0.54, 0.54, 0.51, 0.54, 0.9] → unit 4, then unit 0 of the tie
    const a = await oneStep(groupNet({ soma: 'kwta', k: 2 }, [0, 0, 0, 0, 0], [W[0], W[0], W[2], W[0], W[4]]), x);
    expect(Array.from(a.subarray(4)).map((v) => +v.toFixed(4))).toEqual([0.54, 0, 0, 0, 0.9]);
  });

  it('softmax: exp(gain·z) / Σ over the group, summing to 1 per group and per organism', async () => {
    const thetas = [0.1, -0.2, 0.3, 0, 0.05];
    const z = zOf(thetas);
    const e = z.map((v) => Math.exp(2 * v));
    const a = await oneStep(groupNet({ soma: 'softmax', gain: 2 }, thetas), x);
    const want = e.map((v) => v / e.reduce((s, y) => s + y, 0));
    for (let j = 0; j < 5; j++) expect(a[4 + j]).toBeCloseTo(want[j], 6);
    expect(a.subarray(4).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);

    // 2 organisms, two softmax layers each: every group sums to 1
    const t = fromLayers(
      {
        organisms: 2,
        layers: [
          { name: 'in', size: 4, role: 'input' },
          { name: 's1', size: 5, role: 'hidden', soma: { f: 'softmax', gain: 3 } },
          { name: 's2', size: 3, role: 'output', soma: { f: 'softmax' } },
        ],
        projections: [
          { from: 'in', to: 's1', connect: { kind: 'full' }, init: { min: 0, max: 1 } },
          { from: 's1', to: 's2', connect: { kind: 'full' }, init: { min: 0, max: 1 } },
        ],
      },
      2,
    );
    expect(t.groupStart.length).toBe(4);
    const b = await oneStep(t, x);
    for (let q = 0; q < 4; q++) expect(b.subarray(t.groupStart[q], t.groupEnd[q]).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    for (let o = 0; o < 2; o++) expect(b.subarray(t.orgNeuronStart[o] + 4, t.orgNeuronStart[o + 1]).reduce((s, v) => s + v, 0)).toBeCloseTo(2, 6);
  });
});

describe('segment nonlinearity reads the projection sign', () => {
  // neuron 2 (linear): segment 0 from input 0 (sign 0: Dale, +1), segment 1 from input 1 with sign −1
  const t = () =>
    fromLists([
      {
        neurons: [{ role: 'input' }, { role: 'input' }, { soma: 'linear', segments: 2, segSign: [0, -1] }],
        synapses: [
          { pre: 0, post: 2, segment: 0, w: 0.4 },
          { pre: 1, post: 2, segment: 1, w: 0.3 },
        ],
      },
    ]);
  const rule: RuleDef = { name: 'signed-segments', params: {}, update: '0', segment: 'sign < 0 ? v : 2 * v' };

  it.for(['cpu', 'webgpu'] as const)('%s: v = (0.2, −0.3), d = (0.4, −0.3), u = 0.1', async (kind, ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const b = await createBackend(kind, { tensor: t(), rule: compileRule(rule), plasticity, maxChunk: 1 });
    try {
      await b.run(1, Float32Array.from([0.5, 1]));
      const s = await b.readState();
      // segments 0 and 1 belong to the input neurons
      expect(s.v[2]).toBeCloseTo(0.2, 6);
      expect(s.v[3]).toBeCloseTo(-0.3, 6);
      expect(s.a[2]).toBeCloseTo(0.1, 6);
    } finally {
      await b.dispose();
    }
  });
});

describe('rules read the projection tag', () => {
  // neuron 3 (linear): segment tag 0 from input 0 (w 0.4), tag 1 from input 1 (w 0.3, a "key"
  // synapse: −(pre − w)²), tag 2 from input 2 (w 0.5, the only plastic one by the rule)
  const t = () =>
    fromLists([
      {
        neurons: [{ role: 'input' }, { role: 'input' }, { role: 'input' }, { soma: 'linear', segments: 3, segTag: [0, 1, 2] }],
        synapses: [
          { pre: 0, post: 3, segment: 0, w: 0.4 },
          { pre: 1, post: 3, segment: 1, w: 0.3 },
          { pre: 2, post: 3, segment: 2, w: 0.5 },
        ],
      },
    ]);
  const rule: RuleDef = { name: 'tagged-by-hand', params: {}, contribution: 'tag == 1 ? -(pre - w) * (pre - w) : sign * w * pre', update: 'tag == 2 ? 0.1 * pre * post : 0' };

  it.for(['cpu', 'webgpu'] as const)('%s: v = (0.2, −0.49, 0.4·w₂), only the tag-2 weight learns, 2 steps', async (kind, ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const b = await createBackend(kind, { tensor: t(), rule: compileRule(rule), plasticity, maxChunk: 2 });
    try {
      await b.run(2, Float32Array.from([0.5, 1, 0.8, 0.5, 1, 0.8]));
      const s = await b.readState();
      // step 1: u = 0.2 − 0.49 + 0.4 = 0.11, w₂ = 0.5 + 0.1·0.8·0.11 = 0.5088
      // step 2: v₂ = 0.5088·0.8 = 0.40704, u = 0.11704, w₂ = 0.5088 + 0.1·0.8·0.11704 = 0.5181632
      expect(s.v[3]).toBeCloseTo(0.2, 6);
      expect(s.v[4]).toBeCloseTo(-0.49, 6);
      expect(s.v[5]).toBeCloseTo(0.40704, 6);
      expect(s.a[3]).toBeCloseTo(0.11704, 6);
      expect(s.w[0]).toBeCloseTo(0.4, 7);
      expect(s.w[1]).toBeCloseTo(0.3, 7);
      expect(s.w[2]).toBeCloseTo(0.5181632, 6);
    } finally {
      await b.dispose();
    }
  });

  it('tags are checked: integers 0..255, one per segment of a projection', () => {
    expect(() => fromLists([{ neurons: [{ role: 'input' }, { segTag: [256] }], synapses: [{ pre: 0, post: 1, w: 0.1 }] }])).toThrow(/tag 256/);
    const spec = (tag2: number) => ({
      organisms: 1,
      layers: [
        { name: 'in', size: 2, role: 'input' as const },
        { name: 'out', size: 1, role: 'output' as const },
      ],
      projections: [
        { from: 'in', to: 'out', connect: { kind: 'full' as const }, init: { min: 0, max: 1 }, tag: 1 },
        { from: 'in', to: 'out', connect: { kind: 'full' as const }, init: { min: 0, max: 1 }, tag: tag2 },
      ],
    });
    expect(() => fromLayers(spec(2), 1)).toThrow(/mixes projections with different tags/);
    expect(Array.from(fromLayers(spec(1), 1).segTag)).toEqual([0, 0, 1]);
  });
});

describe('BackendInit.initial: continuing from a saved state', () => {
  const cases: { name: string; def: RuleDef; tensor: () => SynapseTensor }[] = [
    { name: 'keyed-distance (slots)', def: keyedDistance, tensor: () => mixedTensor(6) },
    { name: 'bcm (terms)', def: bcm, tensor: () => mixedTensor(8) },
  ];
  const steps = (kind: 'cpu' | 'webgpu', init: BackendInit, T: number, from: number) =>
    createBackend(kind, init).then(async (b) => {
      try {
        const nIn = inputSize(init.tensor);
        const xs = samples(60, nIn).subarray(from * nIn, (from + T) * nIn);
        for (let p = 0; p < T; p += 10) await b.run(10, xs.subarray(p * nIn, (p + 10) * nIn));
        return await b.readState();
      } finally {
        await b.dispose();
      }
    });

  it.for((['cpu', 'webgpu'] as const).flatMap((kind) => cases.map((c) => ({ kind, ...c }))))('$kind, $name: 50 steps, restart, 10 steps = 60 steps', { timeout: 60_000 }, async ({ kind, def, tensor }, ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const rule = compileRule(def);
    const base = (): BackendInit => ({ tensor: tensor(), rule, plasticity: defaultPlasticity, maxChunk: 10 });
    const straight = await steps(kind, base(), 60, 0);
    const mid = await steps(kind, base(), 50, 0);
    expect(rule.slotNames.length + rule.termNames.length).toBeGreaterThan(0);
    const resumed = await steps(kind, { ...base(), tensor: { ...tensor(), w: mid.w, theta: mid.theta }, initial: { slots: mid.slots, terms: mid.terms, a: mid.a } }, 10, 50);
    for (const f of ['a', 'w', 'theta', 'v', 'slots', 'terms'] as const) {
      if (kind === 'cpu') expect(bitEqual(resumed[f], straight[f]), `${f} bit-identical`).toBe(true);
      else expect(relErr(resumed[f], straight[f]), f).toBeLessThan(1e-5);
    }
    // not vacuous: the rule state moved in the last 10 steps
    expect(relErr(straight.w, mid.w) + relErr(straight.slots, mid.slots) + relErr(straight.terms, mid.terms)).toBeGreaterThan(1e-4);
  });

  it('lengths are checked with a clear error', async () => {
    const init: BackendInit = { tensor: mixedTensor(6), rule: compileRule(keyedDistance), plasticity: defaultPlasticity, maxChunk: 1 };
    await expect(createBackend('cpu', { ...init, initial: { slots: new Float32Array(3) } })).rejects.toThrow(/initial\.slots holds 3 values, expected \d+ \(\d+ slots × \d+ synapses of rule "keyed-distance"\)/);
    await expect(createBackend('cpu', { ...init, initial: { a: new Float32Array(1) } })).rejects.toThrow(/initial\.a holds 1 values, expected 44/);
  });
});
