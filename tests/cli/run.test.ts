// `springtail run` end to end: determinism, divergence, run-directory contents.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { useWebgpu } from '../parity/webgpu-availability.ts';
import { springtail } from '../spawn-cli.ts';

const cli = async (...args: string[]) => {
  const r = await springtail(args);
  return { status: r.code, stderr: r.stderr };
};
const tmp = () => mkdtempSync(join(tmpdir(), 'springtail-run-'));
const summary = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));

describe('springtail run configs/quickstart.json', () => {
  test('writes config, metrics, summary and recording; same seed gives identical metrics, another seed differs', async () => {
    const [a, b, c] = [tmp(), tmp(), tmp()];
    for (const [dir, seed] of [[a, '1'], [b, '1'], [c, '2']]) {
      const r = await cli('run', 'configs/quickstart.json', '--backend', 'cpu', '--seed', seed, '--out', dir);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.status).toBe(0);
    }
    const sa = summary(a);
    expect(sa).toMatchObject({ backend: 'cpu', seed: 1, steps: 3000, diverged: false });
    expect(Object.keys(sa.metrics)).toEqual(expect.arrayContaining(['recon_mse', 'w_mean', 'w_std', 'w_norm', 'pc1_cos']));
    expect(sa.timings.step_s).toBeGreaterThan(0);
    expect(summary(b).metrics).toEqual(sa.metrics);
    expect(summary(c).metrics).not.toEqual(sa.metrics);
    // Oja's unit ends aligned with the input's leading eigenvector, with unit norm
    expect(sa.metrics.pc1_cos).toBeGreaterThan(0.95);
    expect(Math.abs(sa.metrics.w_norm - 1)).toBeLessThan(0.05);
    const lines = readFileSync(join(a, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750, 3000]);
    expect(lines.at(-1).recon_mse).toBeLessThan(lines[0].recon_mse);
    const rec = JSON.parse(readFileSync(join(a, 'recording.json'), 'utf8'));
    expect(rec.frames).toBe(300);
    expect(readFileSync(join(a, 'recording.f32')).byteLength).toBe(300 * rec.neurons * 4);
    expect(JSON.parse(readFileSync(join(a, 'config.json'), 'utf8')).rule.params.eta).toBe(0.002);
  });

  test('an absurd learning rate stops with exit 1, naming the step and the rule; earlier files stay', async () => {
    const dir = tmp();
    const r = await cli('run', 'configs/quickstart.json', '--backend', 'cpu', '--out', dir, '--set', 'rule.params.eta=50');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/diverged at step \d+: non-finite activity or weight under rule 'oja'/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const s = summary(dir);
    expect(s.diverged).toBe(true);
    expect(s.divergence.step).toBe(s.steps);
    expect(s.steps).toBeLessThan(3000);
    expect(existsSync(join(dir, 'config.json'))).toBe(true);
    const first = JSON.parse(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n')[0]);
    expect(first.step).toBe(0);
    expect(Number.isFinite(first.w_mean)).toBe(true);
  });
});

describe('quickstart on webgpu', () => {
  const gpu = useWebgpu();
  test('summary metrics agree with cpu to 1e-4 relative', async (ctx) => {
    gpu.need(ctx);
    const [c, g] = [tmp(), tmp()];
    expect((await cli('run', 'configs/quickstart.json', '--backend', 'cpu', '--out', c)).status).toBe(0);
    const r = await cli('run', 'configs/quickstart.json', '--backend', 'webgpu', '--out', g);
    expect(r.stderr).toMatch(/backend webgpu/);
    expect(r.status).toBe(0);
    const mc = summary(c).metrics;
    const mg = summary(g).metrics;
    expect(summary(g).backend).toBe('webgpu');
    expect(Object.keys(mg)).toEqual(Object.keys(mc));
    for (const k of Object.keys(mc)) expect(Math.abs(mg[k] - mc[k]) / Math.abs(mc[k]), k).toBeLessThan(1e-4);
  });
});
