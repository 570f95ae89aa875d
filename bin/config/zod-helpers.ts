// Schema building blocks. Every schema carries its own "expected" text so that load.ts can print
// `<path>: got <value>, expected <text>` for each zod issue.
import * as z from 'zod';

export const NAME_RE = /^[A-Za-z0-9._-]+$/;

/** Seeds are 32-bit: the random streams use `seed >>> 0`, so a larger one would alias a smaller. */
export const SEED_MAX = 2 ** 32 - 1;

export const int = (min: number, max?: number) => {
  const d = max === undefined ? `integer >= ${min}` : `integer ${min}..${max}`;
  const s = z.int({ error: d }).min(min, { error: d });
  return max === undefined ? s : s.max(max, { error: d });
};
export const seed = () => int(0, SEED_MAX);
/** Simulation numbers are f32 on every backend: a larger one would become Infinity on the device. */
export const F32_MAX = 3.4028234663852886e38;
const F32_TEXT = 'within float32 range, |x| <= 3.4e38';
/** A finite number a float32 buffer can hold; `expected` names the range when that is what fails. */
export const f32 = (expected: string) => z.number({ error: expected }).min(-F32_MAX, { error: `${expected} ${F32_TEXT}` }).max(F32_MAX, { error: `${expected} ${F32_TEXT}` });
export const finite = () => f32('finite number');
export const nonNegative = () => f32('number >= 0').min(0, { error: 'number >= 0' });
export const positive = () => f32('number > 0').gt(0, { error: 'number > 0' });
export const unitInterval = (open = false) => {
  const d = open ? 'number in (0, 1]' : 'number in [0, 1]';
  const s = z.number({ error: d }).max(1, { error: d });
  return open ? s.gt(0, { error: d }) : s.min(0, { error: d });
};
export const name = () => z.string({ error: `string matching ${NAME_RE}` }).regex(NAME_RE, { error: `string matching ${NAME_RE}` });
export const obj = <T extends z.core.$ZodLooseShape>(shape: T) => z.strictObject(shape, { error: 'object' });
export const sign = () => z.union([z.literal(1), z.literal(-1)], { error: '1 | -1' });
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: values.map((v) => JSON.stringify(v)).join(' | ') });
/** An object chosen by its `kind`; a bad or missing kind lists the kinds. */
export const variants = <const T extends readonly [z.ZodObject, ...z.ZodObject[]]>(kinds: string[], options: T) =>
  z.discriminatedUnion('kind', options, {
    error: (iss) =>
      iss.code === 'invalid_union' && iss.path?.length ? kinds.map((k) => JSON.stringify(k)).join(' | ') : 'object',
  });

const TYPE_WORDS: Record<string, string> = { int: 'integer', tuple: 'array', record: 'object', nonoptional: 'a value' };
const listed = (values: readonly unknown[]) => values.map((v) => (typeof v === 'bigint' ? `${v}` : JSON.stringify(v))).join(' | ');

/**
 * The "expected" text of a zod issue whose schema carries none of its own (a schema's own text
 * outranks this map): passed to every safeParse, so that zod's wording ("Invalid input: expected
 * number, received string") never reaches a message. Covers every issue code zod has.
 */
export const zodWording = (iss: z.core.$ZodRawIssue): string => {
  switch (iss.code) {
    case 'invalid_type':
      return TYPE_WORDS[iss.expected] ?? iss.expected;
    case 'too_small':
    case 'too_big': {
      const small = iss.code === 'too_small';
      const bound = small ? iss.minimum : iss.maximum;
      const inclusive = iss.inclusive !== false;
      if (iss.origin === 'number' || iss.origin === 'int' || iss.origin === 'bigint') {
        return `${iss.origin === 'int' ? 'integer' : 'number'} ${small ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<'} ${bound}`;
      }
      const unit = iss.origin === 'string' ? 'characters' : 'items';
      return `${iss.origin} of ${iss.exact ? 'exactly' : small ? 'at least' : 'at most'} ${bound} ${unit}`;
    }
    case 'invalid_value':
      return listed(iss.values);
    case 'invalid_format':
      return iss.format === 'regex' && typeof iss.pattern === 'string' ? `string matching ${iss.pattern}` : `string in ${iss.format} format`;
    case 'not_multiple_of':
      return `a multiple of ${iss.divisor}`;
    case 'unrecognized_keys':
      return 'no other keys';
    case 'invalid_union':
      return 'one of the allowed forms';
    case 'invalid_key':
      return `a valid ${iss.origin} key`;
    case 'invalid_element':
      return `valid ${iss.origin} elements`;
    default: // 'custom', and any code a later zod adds
      return 'a valid value';
  }
};

// For cross-field checks, which run on the raw (pre-zod) object.
export type Rec = Record<string, unknown>;
export const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isInt = (v: unknown): v is number => Number.isInteger(v);
export const list = (names: string[]) => names.map((n) => JSON.stringify(n)).join(' | ');
