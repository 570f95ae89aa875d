// Every field of configs/quickstart.json given the wrong type, an unknown key, a truncated and an
// empty file: `validate` and `run` both exit 2 naming the field, with no stack trace.
// The CLI's own entry (bin/cli.ts main) runs in-process here, so ~100 cases stay fast; the spawned
// binary's exit codes are checked in cli.test.ts.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { main } from '../../bin/cli.ts';

const root = join(import.meta.dirname, '..', '..');
const text = readFileSync(join(root, 'configs', 'quickstart.json'), 'utf8');
const quickstart = JSON.parse(text);
const dir = mkdtempSync(join(tmpdir(), 'springtail-qs-'));
const STACK = /^\s+at .*(\(|file:\/\/|node:).*:\d+/m;

async function cli(args: string[]) {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = 0;
  try {
    await main(args);
  } finally {
    spy.mockRestore();
  }
  const status = process.exitCode;
  process.exitCode = 0;
  return { status, stderr };
}

type Leaf = { path: (string | number)[]; value: unknown };
function leaves(v: unknown, path: (string | number)[] = []): Leaf[] {
  if (v !== null && typeof v === 'object') {
    const own: Leaf[] = path.length ? [{ path, value: v }] : [];
    return own.concat(Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, Array.isArray(v) ? Number(k) : k])));
  }
  return [{ path, value: v }];
}
const show = (p: (string | number)[]) => p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${k}` : k)).join('');
const wrong = (v: unknown) => (typeof v === 'number' || v === null || typeof v === 'boolean' ? 'not-a-number' : typeof v === 'string' ? 12345 : 7);

function mutated(path: (string | number)[], value: unknown): string {
  const c = structuredClone(quickstart);
  let o = c;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path.at(-1)!] = value;
  const file = join(dir, `${show(path).replace(/[^\w.]/g, '_')}.json`);
  writeFileSync(file, JSON.stringify(c));
  return file;
}

const cases = leaves(quickstart).map((l) => [show(l.path), l.path, l.value] as const);

describe.each(['validate', 'run'])('springtail %s configs/quickstart.json, mutated', (cmd) => {
  const out = (name: string) => (cmd === 'run' ? ['--out', join(dir, `run-${name}`)] : []);
  test.each(cases)('%s with a wrong type', async (shown, path, value) => {
    const file = mutated([...path], wrong(value));
    const r = await cli([cmd, file, ...out(shown)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(shown);
    expect(r.stderr).not.toMatch(STACK);
    if (cmd === 'run') expect(existsSync(join(dir, `run-${shown}`))).toBe(false);
  });
  test.each([
    ['an unknown key', () => mutated(['network', 'layres'], []), /network\.layres: unknown key; did you mean "layers"\?/],
    ['a truncated file', () => Object.assign(join(dir, 'trunc.json'), writeFileSync(join(dir, 'trunc.json'), text.slice(0, text.length / 2))), /trunc\.json.*line \d+, column \d+/],
    ['an empty file', () => Object.assign(join(dir, 'empty.json'), writeFileSync(join(dir, 'empty.json'), '')), /empty: .*empty\.json/],
  ])('%s', async (name, make, msg) => {
    const r = await cli([cmd, make(), ...out(name.replace(/ /g, '-'))]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(STACK);
  });
});
