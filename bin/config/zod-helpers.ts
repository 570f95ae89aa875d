// Schema building blocks. Every schema carries its own "expected" text so that load.ts can print
// `<path>: got <value>, expected <text>` for each zod issue.
import * as z from 'zod';

export const NAME_RE = /^[A-Za-z0-9._-]+$/;

export const int = (min: number, max?: number) => {
  const d = max === undefined ? `integer >= ${min}` : `integer ${min}..${max}`;
  const s = z.int({ error: d }).min(min, { error: d });
  return max === undefined ? s : s.max(max, { error: d });
};
export const finite = () => z.number({ error: 'finite number' });
export const nonNegative = () => z.number({ error: 'number >= 0' }).min(0, { error: 'number >= 0' });
export const positive = () => z.number({ error: 'number > 0' }).gt(0, { error: 'number > 0' });
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

// For cross-field checks, which run on the raw (pre-zod) object.
export type Rec = Record<string, unknown>;
export const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isInt = (v: unknown): v is number => Number.isInteger(v);
export const list = (names: string[]) => names.map((n) => JSON.stringify(n)).join(' | ');
