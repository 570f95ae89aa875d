// The small evolution the evolve CLI tests share, and their check of damaged checkpoints.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { springtail } from '../spawn-cli.ts';

/** configs/evolve-glider.json made small: a generation in a fraction of a second. */
export const TINY = [
  '--set', 'strategy.popSize=6',
  '--set', 'fitness.childhood=150',
  '--set', 'fitness.train=60',
  '--set', 'fitness.test=40',
  '--set', 'task.train=100',
  '--set', 'task.test=60',
  '--set', 'genome.budget=6',
];

/** A damaging change to a checkpoint, its name, and the problem path the refusal must name. */
export type CheckpointCase = [string, (c: any) => void, RegExp];

/**
 * Each case damages `dir`'s checkpoint, and `springtail evolve --resume dir --generations G` must
 * exit 2 naming the field, with no stack trace, leaving the damaged file as it was; `also` adds
 * checks on stderr.
 */
export async function expectCheckpointRefused(dir: string, cases: CheckpointCase[], generations: number, also?: (stderr: string, what: string) => void): Promise<void> {
  const file = join(dir, 'checkpoint.json');
  const good = JSON.parse(readFileSync(file, 'utf8'));
  for (const [what, mutate, pattern] of cases) {
    const bad = JSON.parse(JSON.stringify(good));
    mutate(bad);
    const text = JSON.stringify(bad);
    writeFileSync(file, text);
    const r = await springtail(['evolve', '--resume', dir, '--generations', String(generations)]);
    expect(r.code, what).toBe(2);
    expect(r.stderr, what).toMatch(pattern);
    also?.(r.stderr, what);
    expect(r.stderr, what).not.toMatch(/\n\s+at \S+ \(/);
    expect(readFileSync(file, 'utf8'), what).toBe(text);
  }
}
