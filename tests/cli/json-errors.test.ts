// Hostile JSON and hostile strings: deep nesting is refused by file and line, values print in
// bounded stack, every user string is escaped, and no zod wording reaches a message.
import { describe, expect, test, vi } from 'vitest';
import { MAX_DEPTH, findJsonError, loadConfig, validateAny } from '../../bin/config/load.ts';
import { zodWording } from '../../bin/config/zod-helpers.ts';
import { UserError, formatError, showValue } from '../../bin/errors.ts';
import { springtail } from '../spawn-cli.ts';
import { fixture, writeTemp } from './fixture.ts';

vi.setConfig({ testTimeout: 60_000 });

const STACK = /^\s{4}at /m;

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return formatError(err);
    throw err;
  }
  throw new Error('expected a UserError');
}

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const f = JSON.stringify(fixture());
const deep = {
  truncated: writeTemp(`${f.slice(0, -1)}, "x": ${'['.repeat(10_000)}`),
  valid: writeTemp(`${f.slice(0, -1)}, "name": ${nested(10_000)}}`),
};

describe.concurrent('deep nesting', () => {
  test.each(Object.entries(deep))('a %s file nested 10,000 deep: exit 2 naming the file, line and column, no stack', async (_kind, file) => {
    for (const cmd of ['validate', 'run']) {
      const r = await springtail([cmd, file]);
      expect(r.stderr).toMatch(new RegExp(`^springtail: config ${file} at line 1, column \\d+: nested deeper than ${MAX_DEPTH} levels of objects and arrays\\n$`));
      expect(r.code).toBe(2);
    }
  });

  test(`${MAX_DEPTH} levels are allowed (and reported as the wrong type), one more is not`, () => {
    const at = (depth: number) => writeTemp(`${f.slice(0, -1)}, "name": ${nested(depth - 1)}}`); // the root is one level
    expect(messageOf(() => loadConfig(at(MAX_DEPTH)))).toMatch(/at name: got \[\[\[.*\.\.\., expected string/);
    expect(messageOf(() => loadConfig(at(MAX_DEPTH + 1)))).toMatch(/line 1, column \d+: nested deeper than/);
  });

  test('a deep --set value is refused, naming the --set', () => {
    expect(messageOf(() => loadConfig(writeTemp(fixture()), [`name=${nested(10_000)}`]))).toBe(
      `springtail: --set name=...: the value is nested deeper than ${MAX_DEPTH} levels of objects and arrays`,
    );
  });

  test('the scanner agrees with JSON.parse', () => {
    const texts = ['{}', ' [1, -2.5e3, "a\\u00e9", true, null, {"k": []}] ', '{"a":1,}', '[1,]', '{"a" 1}', '[1 2]', '{', '"abc', '01', '-', 'tru', '{"a":1}x', '"\\x"', '"a\nb"', '{,}', '[,]', nested(MAX_DEPTH)];
    for (const t of texts) {
      let parses = true;
      try {
        JSON.parse(t);
      } catch {
        parses = false;
      }
      expect(findJsonError(t) === undefined, t).toBe(parses);
    }
  });

  test('showValue of any value is at most 80 characters, whatever the depth or size', () => {
    let a: unknown = 1;
    let o: unknown = 1;
    for (let i = 0; i < 100_000; i++) {
      a = [a];
      o = { k: o };
    }
    for (const v of [a, o, new Array(1_000_000).fill(7), 'x'.repeat(1_000_000)]) {
      const s = showValue(v);
      expect(s.length).toBeLessThanOrEqual(80);
      expect(s.endsWith('...')).toBe(true);
    }
    expect([undefined, NaN, -Infinity, 10n, [1, 'a'], { a: [true, null] }].map(showValue)).toEqual(['undefined', 'NaN', '-Infinity', '10n', '[1,"a"]', '{"a":[true,null]}']);
  });
});

describe.concurrent('user strings are escaped in every message', () => {
  const forged = '\u001b[2J\n  at steps: got 1, expected 2';
  const escaped = '\\u001b[2J\\n  at steps: got 1, expected 2';

  test('a key, a value and a file name cannot clear the terminal or forge a problem line', async () => {
    const c: any = fixture();
    c[forged] = 1;
    c.name = forged;
    const file = writeTemp(c, `cfg\u009b\r.json`);
    const r = await springtail(['validate', file]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3); // the headline and two problems
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(lines[0]).toContain('cfg\\u009b\\r.json');
    expect(lines[1]).toBe(`  at name: got "${escaped}", expected string matching /^[A-Za-z0-9._-]+$/`);
    expect(lines[2]).toMatch(new RegExp(`^  at ${escaped.replace(/[\\[\]]/g, '\\$&')}: unknown key`));
  });

  test('--set text, flag values, line separators and bidi controls too', async () => {
    const r = await springtail(['validate', writeTemp(fixture()), '--set', `nope\u2028\u202e=1`]);
    expect(r.stderr).toContain('nope\\u2028\\u202e');
    expect(r.stderr).not.toMatch(/[\u2028\u202e]/);
    expect(r.stderr).not.toMatch(STACK);
    const s = await springtail(['run', writeTemp(fixture()), '--backend', forged]);
    expect(s.stderr).toBe(`springtail: invalid flag\n  at --backend: got "${escaped}", expected "cpu" | "webgpu" | "auto"\n`);
  });
});

describe('zod wording never reaches a message', () => {
  const ZOD = /Invalid input|received|Too (small|big)|Invalid (option|key|element|string)|Unrecognized key|Expected/;

  test('a schema without text of its own (the task ranges\' elements) gets the project\'s', () => {
    const c = { name: 'c', task: { kind: 'circles', cx: [0, 'a'], r: [0.1, 0.2, 0.3] }, methods: [{ kind: 'pixels' }] };
    const text = messageOf(() => validateAny(c));
    expect(text).toContain('at task.cx[1]: got "a", expected number');
    expect(text).not.toMatch(ZOD);
  });

  test('every issue code maps to project wording', () => {
    const issues: any[] = [
      { code: 'invalid_type', expected: 'number' },
      { code: 'invalid_type', expected: 'int' },
      { code: 'too_small', origin: 'number', minimum: 0, inclusive: false },
      { code: 'too_small', origin: 'array', minimum: 1, inclusive: true },
      { code: 'too_big', origin: 'int', maximum: 9, inclusive: true },
      { code: 'too_big', origin: 'string', maximum: 3, exact: true },
      { code: 'invalid_format', format: 'regex', pattern: '/^a$/' },
      { code: 'invalid_format', format: 'email' },
      { code: 'not_multiple_of', divisor: 3 },
      { code: 'unrecognized_keys', keys: ['x'] },
      { code: 'invalid_union', errors: [] },
      { code: 'invalid_key', origin: 'record' },
      { code: 'invalid_element', origin: 'set' },
      { code: 'invalid_value', values: ['a', 1] },
      { code: 'custom' },
    ];
    expect(issues.map((i) => zodWording({ input: undefined, ...i }))).toEqual([
      'number',
      'integer',
      'number > 0',
      'array of at least 1 items',
      'integer <= 9',
      'string of exactly 3 characters',
      'string matching /^a$/',
      'string in email format',
      'a multiple of 3',
      'no other keys',
      'one of the allowed forms',
      'a valid record key',
      'valid set elements',
      '"a" | 1',
      'a valid value',
    ]);
  });
});
