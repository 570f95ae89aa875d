// What a comparison run stores for the viz panels (issue 12 §4): the first test inputs and each
// decoding method's reconstructions of them, the test latents, and learning curves in metrics.jsonl.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compareCommand } from '../../bin/commands/compare.ts';
import type { CompareConfig } from '../../bin/config/compare-schema.ts';
import { validateAny } from '../../bin/config/load.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import { oja } from '../../rules/hebbian.ts';
import { fitBio } from '../../tasks/baselines/bio.ts';
import { makeTask } from '../../tasks/registry.ts';
import { springtail } from '../spawn-cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'springtail-vizfiles-'));
const f32 = (path: string) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const jsonl = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

describe('comparison run directory: files for the viz', () => {
  test('inputs, reconstructions, latents and the autoencoder curve (circles through the binary)', async () => {
    const dir = tmp();
    const task = { kind: 'circles', size: 28, cx: [0.25, 0.75], cy: [0.25, 0.75], r: [0.05, 0.25], profile: 'gaussian', width: 3, noise: 0, train: 300, test: 10 };
    const methods = [{ kind: 'pixels' }, { kind: 'pca', components: 3 }, { kind: 'autoencoder', components: 3, epochs: 3 }, { kind: 'umap', components: 2 }];
    const r = await springtail(['run', 'configs/compare-circles.json', '--backend', 'cpu', '--out', dir, '--set', `task=${JSON.stringify(task)}`, '--set', `methods=${JSON.stringify(methods)}`]);
    expect(r.stderr).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(r.code).toBe(0);
    const index = JSON.parse(readFileSync(join(dir, 'codes/index.json'), 'utf8'));
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    // fewer test samples (10) than the 16 kept: all of them
    expect(index.inputs).toEqual({ file: 'codes/inputs.test.f32', rows: 10, cols: 784, shape: [28, 28] });
    expect(index.latents).toEqual({ file: 'codes/latents.test.f32', rows: 10, cols: 3, names: ['cx', 'cy', 'r'] });
    const truth = makeTask(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).task, summary.seed);
    const inputs = f32(join(dir, index.inputs.file));
    expect(Array.from(inputs)).toEqual(Array.from(truth.test.x.subarray(0, 10 * 784)));
    expect(Array.from(f32(join(dir, index.latents.file)))).toEqual(Array.from(truth.test.latents));

    // every decoding method has its reconstructions; UMAP has none
    expect(Object.keys(index.methods)).toEqual(['pixels', 'pca-3', 'autoencoder-3', 'umap-2']);
    expect(index.methods['umap-2'].recon).toBeUndefined();
    for (const key of ['pixels', 'pca-3', 'autoencoder-3']) expect(index.methods[key].recon).toEqual({ file: `codes/${key}.recon.f32`, rows: 10, cols: 784 });
    expect(Array.from(f32(join(dir, index.methods.pixels.recon.file)))).toEqual(Array.from(inputs));
    // PCA's reconstruction is near the input (much nearer than the zero image), not a copy of it
    const pca = f32(join(dir, index.methods['pca-3'].recon.file));
    let sse = 0;
    let energy = 0;
    for (let i = 0; i < inputs.length; i++) {
      sse += (pca[i] - inputs[i]) ** 2;
      energy += inputs[i] ** 2;
    }
    expect(sse).toBeGreaterThan(0);
    expect(sse).toBeLessThan(0.5 * energy);

    // one curve point per autoencoder epoch; PCA, pixels and UMAP record none
    const curve = jsonl(join(dir, 'metrics.jsonl'));
    expect(curve.map((p) => [p.method, p.epoch])).toEqual([
      ['autoencoder-3', 1],
      ['autoencoder-3', 2],
      ['autoencoder-3', 3],
    ]);
    expect(curve[2].train_sse).toBe(summary.details['autoencoder-3'].train_sse);
  });

  test('the bio method records 20-50 curve points, and recording them leaves its codes as they were', async () => {
    const network = {
      layers: [
        { name: 'in', size: 9, role: 'input' },
        { name: 'hid', size: 6, role: 'hidden', soma: { f: 'relu' } },
      ],
      projections: [{ from: 'in', to: 'hid', connect: { kind: 'full' }, init: { min: -0.5, max: 0.5 } }],
    };
    const bio = { kind: 'bio', network, rule: { name: 'oja', params: { eta: 0.01 } }, plasticity: { wMin: null, wMax: null }, steps: 1000, chunk: 1000, code: 'hid', settle: 2 };
    const config = validateAny({ name: 'bio-curve', backend: 'cpu', task: { kind: 'glider-checker', noise: 0.05, train: 300, test: 40 }, methods: [bio] }, 'test') as CompareConfig;
    const dir = tmp();
    await compareCommand(config, { out: dir, quiet: true });
    const curve = jsonl(join(dir, 'metrics.jsonl'));
    expect(curve.length).toBeGreaterThanOrEqual(20);
    expect(curve.length).toBeLessThanOrEqual(50);
    expect(curve.every((p) => p.method === 'bio-oja' && Number.isFinite(p.code_mean) && p.w_norm > 0)).toBe(true);
    const steps = curve.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(steps.at(-1)).toBe(1000);
    // Oja's rule moves the weights: the curve is not flat
    expect(new Set(curve.map((p) => p.w_norm)).size).toBeGreaterThan(1);

    // the same fit without a curve hook (one chunk of 1000 steps, no state reads) gives the same codes
    const task = makeTask(config.task, config.seed);
    const spec = { ...bio, network: { organisms: 1, ...network }, rule: compileRule(oja, { eta: 0.01 }), plasticity: { wMin: -Infinity, wMax: Infinity, normalize: 'none', normalizeTarget: 1 } } as Parameters<typeof fitBio>[1];
    const plain = await fitBio(task, spec, { seed: config.seed, backend: 'cpu' });
    const codes = await plain.encode(task.test.x, task.test.count);
    expect(Array.from(f32(join(dir, 'codes/bio-oja.test.f32')))).toEqual(Array.from(codes));
  });
});
