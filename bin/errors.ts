// Error classes the CLI turns into exit codes without a stack trace (SPEC §9).

export interface Problem {
  path: string;
  value: unknown;
  expected: string;
  /** Replaces the "got …, expected …" text (e.g. unknown keys). */
  message?: string;
}

/** Bad input (config, flags, paths): exit 2. */
export class UserError extends Error {
  readonly problems: Problem[];
  constructor(message: string, problems: Problem[] = []) {
    super(message);
    this.name = 'UserError';
    this.problems = problems;
  }
}

/** A run that started but failed (e.g. divergence): exit 1. */
export class RunFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFailure';
  }
}

// Characters that can move the cursor, start a terminal escape sequence, end a line or reorder
// text: a user's key or value containing one could clear the screen or forge a problem line.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** `text` with every unsafe character written as a JSON-style escape (`\n`, `\u001b`). */
export function escapeText(text: string): string {
  return text.replace(UNSAFE, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const SHOWN = 80;

/**
 * JSON-like text of a value for messages, at most 80 characters. Iterative and stopping at the
 * budget, so any value (nested 10,000 deep, a million elements) prints in bounded time and stack;
 * non-finite numbers, bigints and undefined print as themselves.
 */
export function showValue(value: unknown): string {
  let out = '';
  // pending work, last first: literal text, or a value still to print
  const todo: Array<{ text: string } | { value: unknown }> = [{ value }];
  while (todo.length > 0 && out.length <= SHOWN) {
    const item = todo.pop()!;
    if ('text' in item) {
      out += item.text;
      continue;
    }
    const v = item.value;
    if (typeof v !== 'object' || v === null) {
      out += typeof v === 'string' ? JSON.stringify(v.slice(0, SHOWN)) : typeof v === 'bigint' ? `${v}n` : String(v);
      continue;
    }
    const isArray = Array.isArray(v);
    out += isArray ? '[' : '{';
    todo.push({ text: isArray ? ']' : '}' });
    // only as many entries as can still be seen: each prints at least one character
    const n = SHOWN + 1 - out.length;
    const keys = isArray ? [] : Object.keys(v).slice(0, n);
    const count = isArray ? Math.min(v.length, n) : keys.length;
    for (let k = count - 1; k >= 0; k--) {
      todo.push({ value: isArray ? v[k] : (v as Record<string, unknown>)[keys[k]] });
      todo.push({ text: (k > 0 ? ',' : '') + (isArray ? '' : `${JSON.stringify(keys[k])}:`) });
    }
  }
  return out.length > SHOWN ? out.slice(0, SHOWN - 3) + '...' : out;
}

/** One problem line; every user-supplied part is escaped here, once, for all call sites. */
export function formatProblem(p: Problem): string {
  let line: string;
  if (p.message) line = `  at ${p.path}: ${p.message}`;
  else if (p.value === undefined) line = `  at ${p.path}: missing, expected ${p.expected}`;
  else line = `  at ${p.path}: got ${showValue(p.value)}, expected ${p.expected}`;
  return escapeText(line);
}

export function formatError(err: UserError | RunFailure): string {
  const lines = [escapeText(`springtail: ${err.message}`)];
  if (err instanceof UserError) for (const p of err.problems) lines.push(formatProblem(p));
  return lines.join('\n');
}

/** Prints the error and sets process.exitCode; known errors get no stack trace. */
export function handleFatal(err: unknown): void {
  if (err instanceof UserError) {
    process.stderr.write(formatError(err) + '\n');
    process.exitCode = 2;
  } else if (err instanceof RunFailure) {
    process.stderr.write(formatError(err) + '\n');
    process.exitCode = 1;
  } else {
    const text = err instanceof Error ? (err.stack ?? String(err)) : String(err);
    process.stderr.write(`springtail: unexpected error\n${text}\n`);
    process.exitCode = 1;
  }
}
