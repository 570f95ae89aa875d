// The bench command's output shape on the small workload (W2). Speed depends on the machine and
// its load, so no figure is asserted beyond being finite and positive.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTable, jsonLine, runBench, type BenchResult } from '../../bench/index.ts';
import { buildWorkload, WORKLOADS } from '../../bench/workloads.ts';
import { springtail } from '../spawn-cli.ts';

const FIELDS = ['workload', 'backend', 'synapse_steps_per_s', 'bytes_per_synapse_step', 'bandwidth_gbs', 'roofline_share'] as const;
const NUMBERS = ['synapse_steps_per_s', 'bytes_per_synapse_step', 'bandwidth_gbs', 'roofline_share', 'seconds'] as const;

const cli = springtail;

function checkResult(r: Record<string, unknown>): void {
  expect(Object.keys(r).slice(0, FIELDS.length)).toEqual([...FIELDS]);
  expect(r.workload).toBe('W2');
  expect(r.backend).toBe('cpu');
  for (const k of NUMBERS) {
    expect(typeof r[k], k).toBe('number');
    expect(Number.isFinite(r[k]), k).toBe(true);
    expect(r[k] as number, k).toBeGreaterThan(0);
  }
  expect(r.bytes_per_synapse_step).toBe(12);
  expect(typeof r.device).toBe('string');
}

describe('workloads', () => {
  it('W2 has the SPEC §10 shape', () => {
    const w = WORKLOADS.W2;
    const t = buildWorkload(w);
    expect(t.organisms).toBe(256);
    expect(t.w.length).toBe(256 * 512 * 64);
    expect(t.a0.length).toBe(256 * 512);
    const wMax = t.w.reduce((m, x) => Math.max(m, x), 0);
    expect(wMax).toBeLessThan(3 / 64);
    // presynaptic indices stay inside the organism and are sorted within each row
    for (let s = 0; s < 64 * 10; s++) expect(t.pre[s]).toBeLessThan(512);
    for (let k = 1; k < 64; k++) expect(t.pre[k]).toBeGreaterThanOrEqual(t.pre[k - 1]);
    expect(Array.from(new Set(t.gain))).toEqual([4]);
    expect(Array.from(new Set(t.theta))).toEqual([0.5]);
  });
});

describe('runBench (in-process)', () => {
  it('measures W2 on cpu and reports finite figures', async () => {
    const lines: string[] = [];
    const { results, skipped } = await runBench({
      workload: 'W2',
      backend: 'cpu',
      steps: 2,
      repetitions: 1,
      bandwidth: { bytes: 16 * 1024 * 1024, seconds: 0.05 },
      log: (l) => lines.push(l),
    });
    expect(skipped.map((s) => s.reason)).toEqual([]);
    expect(results).toHaveLength(1);
    const r: BenchResult = results[0];
    checkResult(JSON.parse(jsonLine(r)));
    expect(r.roofline_share).toBeCloseTo(r.synapse_steps_per_s / ((r.bandwidth_gbs * 1e9) / 12), 6);
    expect(formatTable(results)).toMatch(/^workload\s+backend\s+device/);
    expect(lines.some((l) => /bandwidth/.test(l))).toBe(true);
  }, 120_000);
});

describe('springtail bench (spawned)', () => {
  it('--json prints exactly one JSON line for W2 cpu', async () => {
    const r = await cli(['bench', '--workload', 'W2', '--backend', 'cpu', '--json', '--steps', '2']);
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out).toHaveLength(1);
    checkResult(JSON.parse(out[0]));
  }, 120_000);

  it.each([
    [['--workload', 'W3'], /workload/],
    [['--backend', 'tpu'], /backend/],
    [['--threads', '0'], /--threads/],
  ])('rejects %j with exit 2', async (args, pattern) => {
    const r = await cli(['bench', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^springtail: /);
    expect(r.stderr).toMatch(pattern);
    expect(r.stdout).toBe('');
  }, 60_000);
});
