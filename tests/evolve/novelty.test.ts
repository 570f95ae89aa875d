// The novelty bonus (journal May 6 2022) in `springtail evolve`: behaviour descriptors, the archive
// in the checkpoint, the strategy told fitness + weight · novelty, a resumed run continuing the same
// archive, and a damaged archive refused at its field.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, test } from 'vitest';
import { descriptorLength, selfSimilarity } from '../../evolve/behaviour.ts';
import { ROOT, springtail } from '../spawn-cli.ts';
import { type CheckpointCase, expectCheckpointRefused, TINY } from './tiny.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'springtail-novelty-'));
const NOVELTY = ['--set', 'novelty={"weight":0.5,"k":3,"probes":8,"archive":5,"perGeneration":2}'];
const G = 6;

const jsonl = (dir: string) =>
  existsSync(join(dir, 'generations.jsonl'))
    ? readFileSync(join(dir, 'generations.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>)
    : [];
/** The records without their timing fields, and the checkpoint. */
const outcome = (dir: string) => ({
  records: jsonl(dir).map(({ eval_seconds: _s, evals_per_s: _r, ...rest }) => rest),
  checkpoint: JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')),
});

describe('behaviour descriptors', () => {
  test('the distances between the probes’ codes, per √unit, in row-major upper-triangle order', () => {
    // 3 probes × 2 units: (0,0), (3,4), (0,4)
    const d = selfSimilarity(Float32Array.from([0, 0, 3, 4, 0, 4]), 3, 2);
    expect(d).toHaveLength(descriptorLength(3));
    expect(d[0]).toBeCloseTo(5 / Math.SQRT2, 6);
    expect(d[1]).toBeCloseTo(4 / Math.SQRT2, 6);
    expect(d[2]).toBeCloseTo(3 / Math.SQRT2, 6);
  });

  test('permuting the code units leaves the descriptor as it is; changing a code does not', () => {
    const codes = Float32Array.from({ length: 6 * 4 }, (_, i) => Math.sin(3.7 * i));
    const permuted = codes.map((_, i) => codes[4 * Math.floor(i / 4) + [2, 0, 3, 1][i % 4]]);
    expect(selfSimilarity(permuted, 6, 4)).toEqual(selfSimilarity(codes, 6, 4));
    const other = codes.slice();
    other[5] += 0.5;
    expect(selfSimilarity(other, 6, 4)).not.toEqual(selfSimilarity(codes, 6, 4));
  });
});

describe('springtail evolve with the novelty bonus', () => {
  let reference: ReturnType<typeof outcome>;

  it('records novelty per generation, keeps the archive in the checkpoint, and steers the search', { timeout: 240_000 }, async () => {
    const dir = join(tmp(), 'run');
    const r = await springtail(['evolve', 'configs/evolve-glider.json', ...TINY, ...NOVELTY, '--generations', String(G), '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('+ novelty bonus × 0.5');
    reference = outcome(dir);
    reference.records.forEach((rec, g) => {
      expect(rec.novelty.archive, `generation ${g}`).toBe(Math.min(2 * (g + 1), 5));
      expect(rec.novelty.max).toBeGreaterThan(0);
      expect(rec.novelty.mean).toBeGreaterThan(0);
      expect(rec.novelty.max).toBeGreaterThanOrEqual(rec.novelty.mean);
    });
    const archive = reference.checkpoint.novelty;
    expect(archive.capacity).toBe(5);
    expect(archive.added).toBe(2 * G);
    expect(archive.descriptors).toHaveLength(5);
    for (const d of archive.descriptors) {
      expect(d).toHaveLength(descriptorLength(8));
      expect(d.every(Number.isFinite)).toBe(true);
    }

    // without the bonus: the same first population (same fitness), then another search
    const plainDir = join(tmp(), 'run');
    expect((await springtail(['evolve', 'configs/evolve-glider.json', ...TINY, '--generations', String(G), '--out', plainDir])).code).toBe(0);
    const plain = outcome(plainDir);
    expect(plain.records[0].fitness).toEqual(reference.records[0].fitness);
    expect(plain.records[0].novelty).toBeUndefined();
    expect(plain.checkpoint.novelty).toBeUndefined();
    expect(plain.records.slice(1).map((x) => x.fitness)).not.toEqual(reference.records.slice(1).map((x) => x.fitness));
  });

  it('SIGINT and --resume: the same records, archive and strategy state as the uninterrupted run', { timeout: 240_000 }, async () => {
    const dir = join(tmp(), 'run');
    const child = spawn(process.execPath, ['bin/springtail.js', 'evolve', 'configs/evolve-glider.json', ...TINY, ...NOVELTY, '--generations', String(G), '--out', dir], { cwd: ROOT, stdio: 'ignore' });
    while (jsonl(dir).length < 2 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    expect(await new Promise((r) => child.once('close', r))).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).generation).toBeLessThan(G);
    const r = await springtail(['evolve', '--resume', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(outcome(dir)).toEqual(reference);
  });

  it('a damaged or missing archive exits 2 at its field, the checkpoint left as it was', { timeout: 120_000 }, async () => {
    const dir = join(tmp(), 'run');
    expect((await springtail(['evolve', 'configs/evolve-glider.json', ...TINY, ...NOVELTY, '--generations', '2', '--out', dir])).code).toBe(0);
    const cases: CheckpointCase[] = [
      ['short descriptor', (c) => c.novelty.descriptors[1].pop(), /at novelty\.descriptors\[1\]/],
      ['non-finite value', (c) => (c.novelty.descriptors[0][3] = null), /at novelty\.descriptors\[0\]/],
      ['capacity', (c) => (c.novelty.capacity = 9), /at novelty\.capacity/],
      ['missing', (c) => delete c.novelty, /at novelty\b/],
    ];
    await expectCheckpointRefused(dir, cases, 3);
  });

  it('more probes than the fitness encodes is a config problem at novelty.probes', async () => {
    const r = await springtail(['validate', 'configs/evolve-glider.json', ...TINY, '--set', 'novelty={"weight":1,"probes":41}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/novelty\.probes.*<= 40/);
    const ok = await springtail(['validate', 'configs/evolve-glider.json', ...TINY, '--set', 'novelty={"weight":1,"probes":40}']);
    expect(ok.code, ok.stderr).toBe(0);
  });
});
