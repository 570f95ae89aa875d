// Hostile JSON values and their text. A value is JSON, or raw text JSON.parse reads differently
// from how it looks (1e999 is Infinity, -0, 1e-999 is 0) or rejects (NaN, 0x10), or a value nested
// thousands deep; the last two exist only as text, so configs are rendered by `render`.
import fc from 'fast-check';

export type Value = { json: unknown } | { raw: string } | { deep: number; shape: 'array' | 'object' | 'open' };

/** Unique token of forged message lines: a message line starting `  at steps: FORGED` was written by the input. */
export const FORGED = 'FORGED-by-input';

/** Strings that would clear a terminal or forge a problem line if a message printed them raw. */
export const HOSTILE_STRINGS = [
  `x\n  at steps: ${FORGED}`,
  `x\r\n  at steps: ${FORGED}`,
  '\u001b[2J\u001b[H',
  '\u001b]0;title\u0007',
  'a\u0000b',
  'a\u009bb',
  '\u202eevil',
  'a\u2028  at steps: ' + FORGED,
];

export const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'toLocaleString'];

const RAW_NUMBERS = ['NaN', 'Infinity', '-Infinity', '1e999', '-1e999', '1e-999', '-0', '0x10', '01', '+1', '.5', '1.', '1e', 'undefined', '-', '1_000'];

export const specialNumber = fc.constantFrom(0, 1, -1, 0.5, 2 ** 31, 2 ** 32, 2 ** 32 - 1, 2 ** 53 + 2, 1e308, -1e308, 5e-324, 1e39, 1e9, 1e12, -1e12, 3.4028236e38);

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  specialNumber,
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', ' ', 'NaN', '1', 'auto', 'cpu', 'npm', 'full', 'linear', ...PROTO_NAMES),
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constant('x'.repeat(100_000)),
);

export const value: fc.Arbitrary<Value> = fc.oneof(
  { weight: 6, arbitrary: scalar.map((json) => ({ json })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })) },
  { weight: 1, arbitrary: fc.constantFrom({}, [], [[]], { kind: 'x' }, [1, 2], [0, 0]).map((json) => ({ json })) },
  { weight: 2, arbitrary: fc.constantFrom(...RAW_NUMBERS).map((raw) => ({ raw })) },
  { weight: 1, arbitrary: fc.record({ deep: fc.integer({ min: 1, max: 20_000 }), shape: fc.constantFrom('array' as const, 'object' as const, 'open' as const) }) },
);

export function valueText(v: Value): string {
  if ('json' in v) return JSON.stringify(v.json) ?? 'null';
  if ('raw' in v) return v.raw;
  const n = v.deep;
  if (v.shape === 'array') return '['.repeat(n) + '1' + ']'.repeat(n);
  if (v.shape === 'object') return '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  return '['.repeat(n);
}

/** The value as it appears in the file (JSON text, so control characters come escaped), shortened. */
export function showValueShort(v: Value): string {
  if ('deep' in v) return `<${v.shape} nested ${v.deep} deep>`;
  const t = valueText(v);
  return t.length > 60 ? `${t.slice(0, 40)}…(${t.length} chars)` : t;
}

// A value in a tree stands for its text through a placeholder string JSON.stringify keeps intact.
const MARK = '\u0000value:';
export function placeholder(texts: string[], v: Value): unknown {
  if ('json' in v) return v.json;
  texts.push(valueText(v));
  return `${MARK}${texts.length - 1}`;
}

/** JSON text of a tree that holds placeholders (whose texts are in `texts`). */
export function render(tree: unknown, texts: string[]): string {
  const json = JSON.stringify(tree, null, 2) ?? 'null';
  return json.replace(/"\\u0000value:(\d+)"/g, (_, k: string) => texts[Number(k)]);
}

/** `arb` in one case of `oneIn`, else undefined (fc.option's `freq` is the other way round). */
export const sometimes = <T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

/** Own property, even for `__proto__` (plain assignment would set the prototype instead). */
export function setOwn(obj: Record<string, unknown>, key: string, v: unknown): void {
  Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
}
