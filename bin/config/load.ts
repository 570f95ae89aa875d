// Reads a config file, applies --set overrides, validates, and returns the resolved config.
import { readFileSync } from 'node:fs';
import { closest, distance } from 'fastest-levenshtein';
import type * as z from 'zod';
import { UserError, showValue, type Problem } from '../errors.ts';
import { CompareSchema, crossCheckCompare, type CompareConfig } from './compare-schema.ts';
import { crossCheckEvolve, EvolveSchema, isEvolve, type EvolveConfig } from './evolve-schema.ts';
import { checkRule, ConfigSchema, crossCheck, resolveRuleParams, type Config } from './schema.ts';
import { isRec, zodWording } from './zod-helpers.ts';

/** A simulation config, or a comparison config (one with a "methods" key). */
export type AnyConfig = Config | CompareConfig;
/** What a config file can be: a simulation, a comparison, or an evolution (one with a "genome" key). */
export type LoadedConfig = AnyConfig | EvolveConfig;

export function isEvolveConfig(c: LoadedConfig): c is EvolveConfig {
  return 'genome' in c;
}

export function isCompare(c: AnyConfig): c is CompareConfig {
  return 'methods' in c;
}

/** Config fields the CLI's own flags override; each was already checked as a flag. */
export interface FlagOverrides {
  backend?: string;
  seed?: number;
}

/** A config of any kind: simulation, comparison or evolution. */
export function loadAnyConfig(file: string, sets: string[] = [], flags: FlagOverrides = {}): LoadedConfig {
  const raw = parseJsonFile(file);
  for (const s of sets) applySet(raw, s);
  // Flags win over the file and --set. They are not --set assignments: a config that is not an
  // object is reported as such, never blamed on a flag or on a --set the user did not type.
  if (isRec(raw)) for (const [key, v] of Object.entries(flags)) if (v !== undefined) raw[key] = v;
  return validateAny(raw, file);
}

/** A simulation or comparison config (`springtail run`). */
export function loadConfig(file: string, sets: string[] = [], flags: FlagOverrides = {}): AnyConfig {
  const c = loadAnyConfig(file, sets, flags);
  if (isEvolveConfig(c)) throw new UserError(`${file} is an evolution config (it has a "genome"): run it with springtail evolve ${file}`);
  return c;
}

/** An evolution config (`springtail evolve`). */
export function loadEvolveConfig(file: string, sets: string[] = [], flags: FlagOverrides = {}): EvolveConfig {
  const c = loadAnyConfig(file, sets, flags);
  if (!isEvolveConfig(c)) throw new UserError(`${file} is not an evolution config (it has no "genome"): run it with springtail run ${file}`);
  return c;
}

/** Validates an already-parsed config of either kind; `source` names it in the error message. */
export function validateAny(raw: unknown, source = 'config'): LoadedConfig {
  if (isEvolve(raw)) return validateEvolve(raw, source);
  return typeof raw === 'object' && raw !== null && 'methods' in raw ? validateCompare(raw, source) : validateConfig(raw, source);
}

/** Validates an already-parsed simulation config; `source` names it in the error message. */
export function validateConfig(raw: unknown, source = 'config'): Config {
  const result = ConfigSchema.safeParse(raw, { error: zodWording });
  const problems: Problem[] = [];
  if (!result.success) for (const issue of result.error.issues) problems.push(...issueProblems(ConfigSchema, issue, raw));
  problems.push(...crossCheck(raw, didYouMean));
  report(problems, result.success, source);
  return resolveRuleParams(result.data!);
}

/** An evolution config (one with a "genome" key). */
export function validateEvolve(raw: unknown, source = 'config'): EvolveConfig {
  const result = EvolveSchema.safeParse(raw, { error: zodWording });
  const problems: Problem[] = [];
  if (!result.success) for (const issue of result.error.issues) problems.push(...issueProblems(EvolveSchema, issue, raw));
  // the rule as in a simulation config; the gene table and strategy only on a config that parsed
  if (isRec(raw) && isRec(raw.rule)) problems.push(...checkRule(raw.rule, didYouMean));
  if (result.success && problems.length === 0) problems.push(...crossCheckEvolve(result.data));
  report(problems, result.success, source);
  return resolveRuleParams(result.data!);
}

export function validateCompare(raw: unknown, source = 'config'): CompareConfig {
  const result = CompareSchema.safeParse(raw, { error: zodWording });
  const problems: Problem[] = [];
  if (!result.success) for (const issue of result.error.issues) problems.push(...issueProblems(CompareSchema, issue, raw));
  // the task modules re-check some fields the schema already rejected: one message per field
  const flagged = new Set(problems.map((p) => p.path));
  problems.push(...crossCheckCompare(raw, didYouMean).filter((p) => !flagged.has(p.path)));
  report(problems, result.success, source);
  const data = result.data!;
  return { ...data, methods: data.methods.map((m) => (m.kind === 'bio' ? resolveRuleParams(m) : m)) };
}

function report(problems: Problem[], parsed: boolean, source: string): void {
  if (problems.length === 0 && parsed) return;
  const unique = dedupe(problems);
  const n = unique.length;
  throw new UserError(`invalid config ${source}: ${n} problem${n === 1 ? '' : 's'}`, unique);
}

// ---- reading ------------------------------------------------------------------------

function parseJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`config file not found: ${file}`);
    if (code === 'EISDIR') throw new UserError(`config path is a directory, not a file: ${file}`);
    throw new UserError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new UserError(`config file is empty: ${file}`);
  // Scanned before JSON.parse: the scanner gives line and column for every error (V8 does not
  // always) and bounds the nesting, which nothing after it (zod, messages) need then worry about.
  const found = findJsonError(text);
  if (found) {
    const { line, column } = lineColumn(text, found.pos);
    throw new UserError(`${found.tooDeep ? 'config' : 'invalid JSON in'} ${file} at line ${line}, column ${column}: ${found.message}`);
  }
  return JSON.parse(text);
}

function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      start = i + 1;
    }
  }
  return { line, column: pos - start + 1 };
}

/** The most nested objects and arrays a config may have; real ones have fewer than ten. */
export const MAX_DEPTH = 64;

export interface JsonError {
  pos: number;
  message: string;
  /** Valid so far, but nested deeper than MAX_DEPTH. */
  tooDeep?: true;
}

/**
 * A strict JSON scanner: the first syntax error, or the first object or array nested deeper than
 * MAX_DEPTH. Iterative (a stack of open containers), so any input scans in constant call stack.
 */
export function findJsonError(text: string): JsonError | undefined {
  let i = 0;
  const open: Array<'{' | '['> = [];
  const fail = (message: string): JsonError => ({ pos: i, message: i >= text.length ? 'unexpected end of file (truncated?)' : message });
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const shown = () => (i < text.length ? JSON.stringify(text[i]) : 'end of file');
  const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  const string = (): JsonError | undefined => {
    i++;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') return void i++;
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return fail('bad escape in string');
      } else if (c < ' ') return fail('control character (e.g. a raw newline) in string');
      else i++;
    }
    return fail('unterminated string');
  };
  /** A property name and its colon, leaving i at the value. */
  const key = (): JsonError | undefined => {
    ws();
    if (text[i] !== '"') return fail(`expected a double-quoted property name, found ${shown()}`);
    const bad = string();
    if (bad) return bad;
    ws();
    if (text[i] !== ':') return fail(`expected ':' after property name, found ${shown()}`);
    i++;
  };
  for (;;) {
    // a value starts here
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (open.length === MAX_DEPTH) return { pos: i, message: `nested deeper than ${MAX_DEPTH} levels of objects and arrays`, tooDeep: true };
      open.push(c);
      i++;
      ws();
      if (text[i] !== (c === '{' ? '}' : ']')) {
        const bad = c === '{' ? key() : undefined;
        if (bad) return bad;
        continue;
      }
      open.pop();
      i++;
    } else if (c === '"') {
      const bad = string();
      if (bad) return bad;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) return fail('invalid number');
      i = NUMBER.lastIndex;
    } else {
      const lit = ['true', 'false', 'null'].find((l) => text.startsWith(l, i));
      if (lit === undefined) return fail(`unexpected ${shown()}`);
      i += lit.length;
    }
    // a value ended: close the containers it ends, up to the next entry or the end of the text
    for (;;) {
      ws();
      const top = open.at(-1);
      if (top === undefined) return i < text.length ? fail(`unexpected ${shown()} after the end of the JSON value`) : undefined;
      const close = top === '{' ? '}' : ']';
      if (text[i] === close) {
        open.pop();
        i++;
        continue;
      }
      if (text[i] !== ',') return fail(`expected ',' or '${close}', found ${shown()}`);
      i++;
      const bad = top === '{' ? key() : undefined;
      if (bad) return bad;
      break;
    }
  }
}

// ---- --set overrides --------------------------------------------------------------------

/** Applies one `path=value` override in place; value is JSON if it parses, else a string. */
export function applySet(root: unknown, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UserError(`--set ${assignment}: expected path=value (e.g. network.layers.1.size=32)`);
  const path = assignment.slice(0, eq).trim();
  const text = assignment.slice(eq + 1);
  const notJson = findJsonError(text);
  if (notJson?.tooDeep) throw new UserError(`--set ${path}=...: the value is ${notJson.message}`);
  const value: unknown = notJson ? text : JSON.parse(text);
  const parts = path.split('.');
  if (parts.some((p) => p === '')) throw new UserError(`--set ${assignment}: empty segment in path "${path}"`);
  let node: unknown = root;
  for (let k = 0; k < parts.length - 1; k++) {
    node = child(node, parts[k]);
    if (typeof node !== 'object' || node === null) {
      const parent = parts.slice(0, k + 1).join('.');
      throw new UserError(`--set ${assignment}: ${parent} ${node === undefined ? 'does not exist in the config' : `is ${showValue(node)}, not an object or array`}`);
    }
  }
  const last = parts[parts.length - 1];
  if (typeof node !== 'object' || node === null) throw new UserError(`--set ${assignment}: the config is not an object`);
  if (Array.isArray(node)) {
    const idx = Number(last);
    if (!/^\d+$/.test(last) || idx > node.length) {
      const parent = parts.slice(0, -1).join('.') || '(root)';
      throw new UserError(`--set ${assignment}: ${parent} is an array of ${node.length}; "${last}" is not an index in 0..${node.length}`);
    }
    node[idx] = value;
  } else {
    if (['__proto__', 'constructor', 'prototype'].includes(last)) throw new UserError(`--set ${assignment}: bad key "${last}"`);
    (node as Record<string, unknown>)[last] = value;
  }
}

function child(node: unknown, key: string): unknown {
  if (Array.isArray(node)) return /^\d+$/.test(key) ? node[Number(key)] : undefined;
  if (typeof node === 'object' && node !== null && Object.hasOwn(node, key)) return (node as Record<string, unknown>)[key];
  return undefined;
}

// ---- zod issues → problems ----------------------------------------------------------

type Key = PropertyKey;

export function formatPath(path: readonly Key[]): string {
  let s = '';
  for (const k of path) {
    if (typeof k === 'number') s += `[${k}]`;
    else s += s === '' ? String(k) : `.${String(k)}`;
  }
  return s === '' ? '(root)' : s;
}

function valueAt(root: unknown, path: readonly Key[]): unknown {
  let node = root;
  for (const k of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<Key, unknown>)[k];
  }
  return node;
}

function didYouMean(word: string, options: string[]): string {
  if (options.length === 0) return '';
  const best = closest(word, options);
  return distance(word, best) <= 3 ? `; did you mean "${best}"?` : '';
}

function issueProblems(schema: z.ZodType, issue: z.core.$ZodIssue, raw: unknown): Problem[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const allowed = keysAt(schema, raw, path);
    return issue.keys.map((key) => ({
      path: formatPath([...path, key]),
      value: valueAt(raw, [...path, key]),
      expected: '',
      message: `unknown key${didYouMean(key, allowed)}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`,
    }));
  }
  const value = valueAt(raw, path);
  return [{ path: formatPath(path), value, expected: issue.message }];
}

/** Keys the schema allows at `path`, following discriminated unions by the raw `kind`. */
function keysAt(schema: unknown, raw: unknown, path: readonly Key[]): string[] {
  let s = schema as { _zod: { def: Record<string, any> } } | undefined;
  let node = raw;
  const step = (key: Key | undefined): boolean => {
    // unwrap wrappers until an object/array/record/union is reached, then descend by key
    for (;;) {
      if (!s) return false;
      const def = s._zod.def;
      switch (def.type) {
        case 'optional':
        case 'default':
        case 'prefault':
        case 'nullable':
          s = def.innerType;
          continue;
        case 'pipe':
          s = def.in;
          continue;
        case 'union': {
          const kind = (node as Record<string, unknown> | undefined)?.[def.discriminator ?? 'kind'];
          s = (def.options as any[]).find((o) => o._zod.def.shape?.kind?._zod.def.values?.includes(kind));
          if (!s) return false;
          continue;
        }
        default:
          if (key === undefined) return true;
          if (def.type === 'object') s = def.shape[key as string];
          else if (def.type === 'array') s = def.element;
          else if (def.type === 'record') s = def.valueType;
          else return false;
          node = (node as Record<Key, unknown> | undefined)?.[key];
          return true;
      }
    }
  };
  for (const k of path) if (!step(k)) return [];
  if (!step(undefined) || !s || s._zod.def.type !== 'object') return [];
  return Object.keys(s._zod.def.shape);
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message ?? p.expected}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
