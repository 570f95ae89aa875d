// Reads a config file, applies --set overrides, validates, and returns the resolved config.
import { readFileSync } from 'node:fs';
import { closest, distance } from 'fastest-levenshtein';
import type * as z from 'zod';
import { UserError, showValue, type Problem } from '../errors.ts';
import { CompareSchema, crossCheckCompare, type CompareConfig } from './compare-schema.ts';
import { ConfigSchema, crossCheck, resolveRuleParams, type Config } from './schema.ts';

/** A simulation config, or a comparison config (one with a "methods" key). */
export type AnyConfig = Config | CompareConfig;

export function isCompare(c: AnyConfig): c is CompareConfig {
  return 'methods' in c;
}

export function loadConfig(file: string, sets: string[] = []): AnyConfig {
  const raw = parseJsonFile(file);
  for (const s of sets) applySet(raw, s);
  return validateAny(raw, file);
}

/** Validates an already-parsed config of either kind; `source` names it in the error message. */
export function validateAny(raw: unknown, source = 'config'): AnyConfig {
  return typeof raw === 'object' && raw !== null && 'methods' in raw ? validateCompare(raw, source) : validateConfig(raw, source);
}

/** Validates an already-parsed simulation config; `source` names it in the error message. */
export function validateConfig(raw: unknown, source = 'config'): Config {
  const result = ConfigSchema.safeParse(raw);
  const problems: Problem[] = [];
  if (!result.success) for (const issue of result.error.issues) problems.push(...issueProblems(ConfigSchema, issue, raw));
  problems.push(...crossCheck(raw, didYouMean));
  report(problems, result.success, source);
  return resolveRuleParams(result.data!);
}

export function validateCompare(raw: unknown, source = 'config'): CompareConfig {
  const result = CompareSchema.safeParse(raw);
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
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8 does not always give a position, so locate the error with our own scanner.
    const found = findJsonError(text);
    const pos = found?.pos ?? text.length;
    const { line, column } = lineColumn(text, pos);
    const why = found?.message ?? (err as Error).message;
    throw new UserError(`invalid JSON in ${file} at line ${line}, column ${column}: ${why}`);
  }
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

/** A strict JSON scanner used only to find where JSON.parse failed. */
export function findJsonError(text: string): { pos: number; message: string } | undefined {
  let i = 0;
  class Fail {
    constructor(
      readonly pos: number,
      readonly message: string,
    ) {}
  }
  const fail = (message: string, pos = i): never => {
    throw new Fail(pos, i >= text.length ? 'unexpected end of file (truncated?)' : message);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const shown = () => (i < text.length ? JSON.stringify(text[i]) : 'end of file');
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a double-quoted property name, found ${shown()}`);
        string();
        ws();
        if (text[i] !== ':') fail(`expected ':' after property name, found ${shown()}`);
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') return void i++;
        fail(`expected ',' or '}', found ${shown()}`);
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') return void i++;
        fail(`expected ',' or ']', found ${shown()}`);
      }
    } else if (c === '"') string();
    else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) fail('invalid number');
      i += m![0].length;
    } else {
      for (const lit of ['true', 'false', 'null']) {
        if (text.startsWith(lit, i)) return void (i += lit.length);
      }
      fail(`unexpected ${shown()}`);
    }
  };
  const string = () => {
    i++;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') return void i++;
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail('bad escape in string');
      } else if (c < ' ') fail('control character (e.g. a raw newline) in string');
      else i++;
    }
    fail('unterminated string');
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${shown()} after the end of the JSON value`);
    return undefined;
  } catch (e) {
    if (e instanceof Fail) return { pos: e.pos, message: e.message };
    throw e;
  }
}

// ---- --set overrides --------------------------------------------------------------------

/** Applies one `path=value` override in place; value is JSON if it parses, else a string. */
export function applySet(root: unknown, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UserError(`--set ${assignment}: expected path=value (e.g. network.layers.1.size=32)`);
  const path = assignment.slice(0, eq).trim();
  const text = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
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
