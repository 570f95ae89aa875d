// `springtail evolve` through the real binary: the run directory, bit-identical resume after
// kill -9 at random moments and after SIGINT, and bad checkpoints refused with the previous intact.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uniform } from '../../sim/random.ts';
import { ROOT, springtail } from '../spawn-cli.ts';
import { type CheckpointCase, expectCheckpointRefused, TINY } from './tiny.ts';


const tmp = () => mkdtempSync(join(tmpdir(), 'springtail-evolve-'));

/** generations.jsonl without the timing fields, which differ from run to run. */
function records(dir: string): unknown[] {
  return readFileSync(join(dir, 'generations.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const { eval_seconds: _s, evals_per_s: _r, ...rest } = JSON.parse(l);
      return rest;
    });
}
const outcome = (dir: string) => ({
  records: records(dir),
  best: JSON.parse(readFileSync(join(dir, 'best-genome.json'), 'utf8')),
  checkpoint: JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')),
});

function start(args: string[]) {
  return spawn(process.execPath, ['bin/springtail.js', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
}

const lines = (dir: string) => (existsSync(join(dir, 'generations.jsonl')) ? readFileSync(join(dir, 'generations.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0);

describe('springtail evolve', () => {
  const G = 20;
  let reference: ReturnType<typeof outcome>;
  let refDir: string;

  it('writes the run directory: config, one record per generation, best genome, best network, checkpoint', { timeout: 240_000 }, async () => {
    refDir = join(tmp(), 'run');
    const r = await springtail(['evolve', 'configs/evolve-glider.json', ...TINY, '--generations', String(G), '--out', refDir]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    reference = outcome(refDir);
    expect(reference.records.length).toBe(G);
    const first = reference.records[0] as Record<string, any>;
    for (const k of ['generation', 'fitness', 'best_so_far', 'scale', 'failures']) expect(first).toHaveProperty(k);
    expect(Object.keys(first.fitness)).toEqual(['min', 'median', 'max', 'mean']);
    expect(reference.best.format).toBe('springtail-genome/1');
    expect(reference.checkpoint.generation).toBe(G);
    expect(r.stdout).toMatch(/best fitness/);
    // the best organism is a comparison config springtail accepts as it is
    const v = await springtail(['validate', join(refDir, 'best-network.json')]);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  it('kill -9 at 5 random moments, resumed each time: identical to the uninterrupted run', { timeout: 400_000 }, async () => {
    const dir = join(tmp(), 'run');
    let child = start(['evolve', 'configs/evolve-glider.json', ...TINY, '--generations', String(G), '--out', dir]);
    for (let kill = 0; kill < 5; kill++) {
      // a random moment: after a random number of generations (0-3 more; the first after the run
      // directory exists), then a random delay within one
      const target = Math.max(1, lines(dir) + Math.floor(4 * uniform(7, kill, 0)));
      const t0 = Date.now();
      while (lines(dir) < target && child.exitCode === null && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, Math.floor(400 * uniform(7, kill, 1))));
      if (child.exitCode !== null) break;
      child.kill('SIGKILL');
      await new Promise((r) => child.once('close', r));
      child = start(['evolve', '--resume', dir]);
    }
    const code = await new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('close', r)));
    expect(code).toBe(0);
    const got = outcome(dir);
    expect(got.records).toEqual(reference.records);
    expect(got.best).toEqual(reference.best);
    expect(got.checkpoint).toEqual(reference.checkpoint);
  });

  it('SIGINT finishes the generation, checkpoints and exits 0; --resume continues to the same result', { timeout: 240_000 }, async () => {
    const dir = join(tmp(), 'run');
    const child = start(['evolve', 'configs/evolve-glider.json', ...TINY, '--generations', String(G), '--out', dir]);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    while (lines(dir) < 2) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.once('close', r));
    expect(code).toBe(0);
    expect(stderr).toMatch(/SIGINT: finishing generation/);
    const ck = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
    expect(ck.generation).toBeLessThan(G);
    expect(lines(dir)).toBe(ck.generation);
    const r = await springtail(['evolve', '--resume', dir]);
    expect(r.code).toBe(0);
    expect(records(dir)).toEqual(reference.records);
  });

  it('a bad checkpoint exits 2 naming the file and field, and is left as it was', { timeout: 120_000 }, async () => {
    const dir = join(tmp(), 'run');
    expect((await springtail(['evolve', 'configs/evolve-glider.json', ...TINY, '--generations', '2', '--out', dir])).code).toBe(0);
    const cases: CheckpointCase[] = [
      ['generation', (c) => (c.generation = -1), /at generation/],
      ['strategy dim', (c) => (c.strategy.dim = 3), /at strategy\.dim/],
      ['strategy name', (c) => (c.strategy.strategy = 'cma-es'), /at strategy\.strategy/],
      ['format', (c) => (c.format = 'x'), /at format/],
    ];
    await expectCheckpointRefused(dir, cases, 4, (stderr, what) => expect(stderr, what).toContain('checkpoint.json'));
    const file = join(dir, 'checkpoint.json');
    writeFileSync(file, '{"format": ');
    const r = await springtail(['evolve', '--resume', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/checkpoint\.json.*invalid JSON/);
  });
});
