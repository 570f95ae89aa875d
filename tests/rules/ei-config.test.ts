// The example config configs/rules/ei-balance-bars.json (rule ei-balance, bars stimulus) run with
// the real CLI: on cpu the mean rate of the E population over the recorded window (the last 2000
// steps, after 10000 of training) is within 5% of rho0, and far from it with etaI = 0; on webgpu
// (when available) the same run agrees with cpu.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { useWebgpu } from '../parity/webgpu-availability.ts';
import { springtail } from '../spawn-cli.ts';

const CONFIG = 'configs/rules/ei-balance-bars.json';
const config = () => JSON.parse(readFileSync(CONFIG, 'utf8'));
const tmp = () => mkdtempSync(join(tmpdir(), 'springtail-ei-'));
const summary = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));

/** Mean activity of each layer over the recorded frames of a run directory. */
function layerRates(dir: string): Record<string, number> {
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const meta = JSON.parse(readFileSync(join(dir, 'recording.json'), 'utf8'));
  const buf = readFileSync(join(dir, 'recording.f32'));
  const f = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const N: number = meta.neurons;
  expect(f.length).toBe(meta.frames * N);
  const out: Record<string, number> = {};
  let n0 = 0;
  for (const l of c.network.layers as { name: string; size: number }[]) {
    let s = 0;
    for (let k = 0; k < meta.frames; k++) for (let n = n0; n < n0 + l.size; n++) s += f[k * N + n];
    out[l.name] = s / (meta.frames * l.size);
    n0 += l.size;
  }
  return out;
}

async function run(file: string, backend: string): Promise<string> {
  const dir = tmp();
  const r = await springtail(['run', file, '--backend', backend, '--out', dir]);
  expect(r.code, r.stderr).toBe(0);
  expect(summary(dir).backend).toBe(backend);
  expect(summary(dir).diverged).toBe(false);
  return dir;
}

describe('configs/rules/ei-balance-bars.json', () => {
  test('cpu: E rate within 5% of rho0 over the recorded window; etaI = 0 leaves it far off', { timeout: 120_000 }, async () => {
    const c = config();
    const rho0: number = c.rule.params.rho0;
    const dir = await run(CONFIG, 'cpu');
    const meta = JSON.parse(readFileSync(join(dir, 'recording.json'), 'utf8'));
    expect(meta.steps[0]).toBe(c.steps - c.record.capacity + 1); // the window is the end of the run
    const on = layerRates(dir);
    // the summary's per-layer rates (tasks/probe.ts layerRates) are this same mean, input layer left out
    const { rates } = summary(dir);
    expect(Object.keys(rates)).toEqual(['e', 'i']);
    for (const k of ['e', 'i']) expect(Math.abs(rates[k] - on[k]) / on[k], k).toBeLessThan(1e-9);
    expect(summary(dir).metrics).toHaveProperty('a_mean.e');
    const off = JSON.parse(JSON.stringify(c));
    off.rule.params.etaI = 0;
    const offFile = join(tmp(), 'ei-off.json');
    writeFileSync(offFile, JSON.stringify(off));
    const ro = layerRates(await run(offFile, 'cpu'));
    console.info(`[ei-balance config] cpu: E ${on.e.toFixed(4)}, I ${on.i.toFixed(4)} (rho0 ${rho0}); etaI 0: E ${ro.e.toFixed(4)}, I ${ro.i.toFixed(4)}`);
    expect(Math.abs(on.e - rho0) / rho0).toBeLessThan(0.05);
    expect(Math.abs(ro.e - rho0) / rho0).toBeGreaterThan(0.5);
  });
});

describe('configs/rules/ei-balance-bars.json on webgpu', () => {
  const gpu = useWebgpu();
  test('agrees with cpu: layer rates and final metrics to 1e-4 relative', { timeout: 120_000 }, async (ctx) => {
    gpu.need(ctx);
    const [c, g] = [await run(CONFIG, 'cpu'), await run(CONFIG, 'webgpu')];
    const [rc, rg] = [layerRates(c), layerRates(g)];
    for (const k of Object.keys(rc)) expect(Math.abs(rg[k] - rc[k]) / Math.max(Math.abs(rc[k]), 1e-12), k).toBeLessThan(1e-4);
    const [mc, mg] = [summary(c).metrics, summary(g).metrics];
    expect(Object.keys(mg)).toEqual(Object.keys(mc));
    for (const k of Object.keys(mc)) expect(Math.abs(mg[k] - mc[k]) / Math.max(Math.abs(mc[k]), 1e-12), k).toBeLessThan(1e-4);
    console.info(`[ei-balance config] webgpu: E ${rg.e.toFixed(4)} vs cpu ${rc.e.toFixed(4)}`);
  });
});
