// Spawns the real CLI for a handful of representative cases (the per-field sweep is in-process).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { fixture, tempDir, writeTemp } from './fixture.ts';
import { springtail } from '../spawn-cli.ts';

// Each spawn pays tsx start-up (~1 s, more on a loaded machine).
vi.setConfig({ testTimeout: 60_000 });


const cli = springtail;

const STACK = /^\s{4}at /m;
const good = writeTemp(fixture());
const wrongType = (() => {
  const f: any = fixture();
  f.network.layers[1].size = 'eight';
  return writeTemp(f);
})();
const unknownKey = (() => {
  const f: any = fixture();
  f.network.layres = f.network.layers;
  return writeTemp(f);
})();
const truncated = writeTemp(JSON.stringify(fixture(), null, 2).slice(0, 250));
const empty = writeTemp('');

const cases: Array<[string, string[], RegExp]> = [
  ['wrong type', [wrongType], /at network\.layers\[1\]\.size: got "eight", expected integer >= 1/],
  ['unknown key', [unknownKey], /network\.layres: unknown key; did you mean "layers"\?/],
  ['truncated file', [truncated], /invalid JSON in .*config\.json at line \d+, column \d+/],
  ['empty file', [empty], /config file is empty/],
  ['missing file', ['/nonexistent/cfg.json'], /config file not found: \/nonexistent\/cfg\.json/],
  ['--set to a bad value', [good, '--set', 'network.layers.0.role=inptu'], /at network\.layers\[0\]\.role: got "inptu", expected "input" \| "hidden" \| "output"/],
  ['--set with a missing parent', [good, '--set', 'network.nope.x=1'], /network\.nope does not exist/],
  ['unknown flag', [good, '--frobnicate'], /Unknown argument: frobnicate/],
];

describe.concurrent('springtail CLI rejects bad input with exit 2 and no stack trace', () => {
  for (const cmd of ['validate', 'run'] as const) {
    test.each(cases)(`${cmd}: %s`, async (_label, args, pattern) => {
      const out = join(tempDir(), 'out');
      const extra = cmd === 'run' ? ['--out', out] : [];
      const r = await cli([cmd, ...args, ...extra]);
      expect(r.stderr).toMatch(/^springtail: /);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.code).toBe(2);
      expect(existsSync(out)).toBe(false); // rejected before any work
    });
  }

  test('no command', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe.concurrent('springtail CLI accepts good input', () => {
  test('validate prints ok and a summary', async () => {
    const r = await cli(['validate', good, '--set', 'network.layers.1.size=32']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ok: ${good}`);
    expect(r.stdout).toMatch(/2 layers \(in:64 input, hid:32\), 1 projection, rule oja/);
  });

  test.each(['--help', 'run --help'])('%s', async (args) => {
    const r = await cli(args.split(' '));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('springtail');
    expect(r.stdout).toContain('--help');
  });
});
