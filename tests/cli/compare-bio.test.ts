// The simulator as a comparison method (issue 4 §3): a network trained on the task's stream, its
// code one layer's activity read with plasticity off.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compareCommand } from '../../bin/commands/compare.ts';
import type { CompareConfig } from '../../bin/config/compare-schema.ts';
import { validateAny } from '../../bin/config/load.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';
import { springtail } from '../spawn-cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'springtail-bio-'));

function bio(over: Record<string, unknown> = {}) {
  return {
    kind: 'bio',
    network: {
      layers: [
        { name: 'in', size: 9, role: 'input' },
        { name: 'hid', size: 6, role: 'hidden', soma: { f: 'relu' } },
      ],
      projections: [{ from: 'in', to: 'hid', connect: { kind: 'full' }, init: { min: -0.5, max: 0.5 } }],
    },
    rule: { name: 'oja', params: { eta: 0.01 } },
    plasticity: { wMin: null, wMax: null },
    steps: 400,
    code: 'hid',
    settle: 2,
    ...over,
  };
}

const config = (methods: unknown[], backend = 'cpu'): CompareConfig =>
  validateAny({ name: 'bio-test', backend, task: { kind: 'glider-checker', noise: 0.05, train: 400, test: 100 }, methods }, 'test') as CompareConfig;

describe('bio method', () => {
  test('trains, encodes with plasticity off (same sample → same code wherever it sits), deterministic', async () => {
    const a = await compareCommand(config([bio()]), { out: tmp(), quiet: true });
    const b = await compareCommand(config([bio()]), { out: tmp(), quiet: true });
    expect(Object.keys(a.methods)).toEqual(['bio-oja']);
    expect(a.details['bio-oja'].code_dim).toBe(6);
    const { fit_seconds: _a, ...ma } = a.methods['bio-oja'];
    const { fit_seconds: _b, ...mb } = b.methods['bio-oja'];
    expect(ma).toEqual(mb);
    for (const k of ['r2', 'fewshot_mse', 'knn_acc', 'distinct_codes', 'fit_seconds']) expect(a.methods['bio-oja']).toHaveProperty(k);
    // rule params resolved into the config, so the run directory is self-contained
    const c = config([bio()]);
    expect((c.methods[0] as any).rule.params).toEqual({ eta: 0.01 });
  });

  test('the encoder is a fixed function of the sample', async () => {
    const { makeTask } = await import('../../tasks/registry.ts');
    const { fitBio } = await import('../../tasks/baselines/bio.ts');
    const { compileRule } = await import('../../sim/compiler/compile.ts');
    const { oja } = await import('../../rules/hebbian.ts');
    const task = makeTask({ kind: 'glider-checker', noise: 0, train: 50, test: 10 }, 1);
    const m = bio() as any;
    const fitted = await fitBio(task, { ...m, network: { organisms: 1, ...m.network }, rule: compileRule(oja, { eta: 0.01 }), plasticity: { wMin: -Infinity, wMax: Infinity, normalize: 'none', normalizeTarget: 1 }, chunk: 50 }, { seed: 1, backend: 'cpu' });
    const x = task.test.x;
    const all = await fitted.encode(x, 10);
    const reversed = new Float32Array(x.length);
    for (let k = 0; k < 10; k++) reversed.set(x.subarray(k * 9, (k + 1) * 9), (9 - k) * 9);
    const back = await fitted.encode(reversed, 10);
    for (let k = 0; k < 10; k++) expect(Array.from(back.subarray((9 - k) * 6, (10 - k) * 6))).toEqual(Array.from(all.subarray(k * 6, (k + 1) * 6)));
    expect(all.some((v) => v > 0)).toBe(true);
  });

  test('bad bio configs exit 2 naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [bio({ code: 'hdi' }), /methods\[0\]\.code: got "hdi", expected a layer name: "in" \| "hid"; did you mean "hid"\?/],
      [bio({ code: 'in' }), /methods\[0\]\.code: got "in", expected a hidden or output layer/],
      [{ ...bio(), rule: { name: 'ojaa' } }, /methods\[0\]\.rule\.name: got "ojaa", expected a known rule: .*did you mean "oja"\?/],
      [{ ...bio(), network: { ...bio().network, layers: [{ name: 'in', size: 10, role: 'input' }, { name: 'hid', size: 6, role: 'hidden' }] } }, /methods\[0\]\.network\.layers: got 10, expected input layers of 9 neurons in total/],
      [bio({ decoder: 'hdi' }), /methods\[0\]\.decoder: got "hdi", expected a layer name: "in" \| "hid"; did you mean "hid"\?/],
      [bio({ decoder: 'hid' }), /methods\[0\]\.decoder: got "hid", expected a layer of linear error units with alpha 1 \(layer "hid" has f "relu", alpha 1\)/],
      [bio({ hold: 0 }), /methods\[0\]\.hold: got 0, expected integer >= 1/],
    ];
    for (const [m, message] of cases) {
      const dir = tmp();
      const file = join(dir, 'c.json');
      (await import('node:fs')).writeFileSync(file, JSON.stringify({ name: 'bad', task: { kind: 'glider-checker' }, methods: [m] }));
      const r = await springtail(['validate', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  test('a diverging rule stops the run with exit 1 naming the rule', async () => {
    const dir = tmp();
    const file = join(dir, 'c.json');
    (await import('node:fs')).writeFileSync(
      file,
      JSON.stringify({ name: 'div', backend: 'cpu', task: { kind: 'glider-checker', train: 300, test: 50 }, methods: [{ kind: 'pca', components: 3 }, bio({ rule: { name: 'hebbian', params: { eta: 50, decay: 0 } } })] }),
    );
    const r = await springtail(['run', file, '--out', join(dir, 'run')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bio-hebbian: diverged at step \d+: non-finite activity or weight under rule 'hebbian'/);
    expect(JSON.parse((await import('node:fs')).readFileSync(join(dir, 'run', 'summary.json'), 'utf8')).methods).toHaveProperty('pca-3');
  });
});

describe('bio method on webgpu', () => {
  const gpu = useWebgpu();
  test('codes and metrics agree with the cpu', async (ctx) => {
    gpu.need(ctx);
    const a = await compareCommand(config([bio()], 'cpu'), { out: tmp(), quiet: true });
    const b = await compareCommand(config([bio()], 'webgpu'), { out: tmp(), quiet: true });
    expect(b.details['bio-oja'].backend).toBe('webgpu');
    const x = a.methods['bio-oja'];
    const y = b.methods['bio-oja'];
    expect(Math.abs((y.fewshot_mse as number) - (x.fewshot_mse as number))).toBeLessThan(1e-4);
    expect(y.distinct_codes).toBe(x.distinct_codes);
  });
});
