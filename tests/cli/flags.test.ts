// The run flags through the real CLI: each is checked as the user typed it and blamed as a flag.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { fixture, tempDir, writeTemp } from './fixture.ts';
import { springtail } from '../spawn-cli.ts';

vi.setConfig({ testTimeout: 60_000 });

const STACK = /^\s{4}at /m;
const good = writeTemp(fixture());
const SEED = 'integer 0..4294967295';
const BACKEND = '"cpu" | "webgpu" | "auto"';
const SET = 'path=value, e.g. network.layers.1.size=32';
// absolute, so that a regression writes nothing into the repository
const [outA, outB] = [join(tempDir(), 'a'), join(tempDir(), 'b')];

// [flags after the config, the one problem line expected]
const bad: Array<[string[], string]> = [
  [['--seed', ''], `at --seed: missing, expected ${SEED}`],
  [['--seed'], `at --seed: missing, expected ${SEED}`], // bare, last on the line
  [['--seed', '4294967296'], `at --seed: got "4294967296", expected ${SEED}`], // was seed 0
  [['--seed', '9007199254740993'], `at --seed: got "9007199254740993", expected ${SEED}`], // was shown rounded
  [['--seed', '-1'], `at --seed: got "-1", expected ${SEED}`],
  [['--seed', '1.5'], `at --seed: got "1.5", expected ${SEED}`],
  [['--seed', '1e3'], `at --seed: got "1e3", expected ${SEED}`],
  [['--seed', '1', '--seed', '2'], 'at --seed: given 2 times ("1", "2"); give it once'],
  [['--backend', 'cpu', '--backend', 'webgpu'], 'at --backend: given 2 times ("cpu", "webgpu"); give it once'],
  [['--backend'], `at --backend: missing, expected ${BACKEND}`],
  [['--backend', 'gpu'], `at --backend: got "gpu", expected ${BACKEND}`],
  [['--out', outA, '--out', outB], `at --out: given 2 times (${JSON.stringify(outA)}, ${JSON.stringify(outB)}); give it once`],
  [['--out', ''], 'at --out: missing, expected a directory path'],
  [['--set'], `at --set: missing, expected ${SET}`], // bare: was silently no --set
  [['--set', ''], `at --set: missing, expected ${SET}`],
  [['--set', 'steps=10', '--set'], `at --set: missing, expected ${SET}`],
];

describe.concurrent('run flags', () => {
  test.each(bad)('%j is a flag problem, exit 2', async (flags, line) => {
    // a run directory that must not be made (the --out cases name their own)
    const out = join(tempDir(), 'out');
    const r = await springtail(['run', good, ...(flags.includes('--out') ? [] : ['--out', out]), ...flags]);
    expect(r.stderr).toBe(`springtail: invalid flag\n  ${line}\n`);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  test('a config that is not an object is reported as such, not blamed on a flag or a --set never typed', async () => {
    const r = await springtail(['run', writeTemp('[1, 2]'), '--backend', 'cpu', '--seed', '3']);
    expect(r.stderr).toMatch(/^springtail: invalid config .*: 1 problem\n {2}at \(root\): got \[1,2\], expected object\n$/);
    expect(r.code).toBe(2);
  });

  test('flags are applied over the file and --set: the largest seed runs', async () => {
    const out = join(tempDir(), 'out');
    const r = await springtail(['run', good, '--set', 'seed=5', '--set', 'steps=50', '--seed', '4294967295', '--backend', 'cpu', '--out', out]);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({ seed: 4294967295, backend: 'cpu', steps: 50 });
  });

  test('a seed above 2^32-1 in the file is refused like the flag', async () => {
    const f: any = fixture();
    f.seed = 4294967296;
    const out = join(tempDir(), 'out');
    const r = await springtail(['run', writeTemp(f), '--out', out]);
    expect(r.stderr).toContain(`at seed: got 4294967296, expected ${SEED}`);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
