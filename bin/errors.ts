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

/** JSON for messages; undefined and non-serializable values still print something readable. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  try {
    const s = JSON.stringify(value);
    if (s === undefined) return String(value);
    return s.length > 80 ? s.slice(0, 77) + '...' : s;
  } catch {
    return String(value);
  }
}

export function formatProblem(p: Problem): string {
  if (p.message) return `  at ${p.path}: ${p.message}`;
  if (p.value === undefined) return `  at ${p.path}: missing, expected ${p.expected}`;
  return `  at ${p.path}: got ${showValue(p.value)}, expected ${p.expected}`;
}

export function formatError(err: UserError | RunFailure): string {
  const lines = [`springtail: ${err.message}`];
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
