// Run-directory IO (SPEC §9): atomic writes so a crash never leaves a half-written file, and run
// directories that springtail only ever creates, claims with a marker, or replaces whole.
import { appendFileSync, closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { getSystemErrorMap } from 'node:util';
import { RunFailure, UserError } from './errors.ts';

let counter = 0;

/** "permission denied (EACCES)" for a Node file-system error, else the error's message. */
export function fsCause(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const words = typeof e?.errno === 'number' ? getSystemErrorMap().get(e.errno)?.[1] : undefined;
  if (words && e.code) return `${words} (${e.code})`;
  return err instanceof Error ? err.message : String(err);
}

const isFsError = (err: unknown): err is NodeJS.ErrnoException => typeof (err as NodeJS.ErrnoException)?.code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string';

// Out of space or another resource, not a wrong path: a runtime failure (exit 1) wherever it happens.
const RESOURCE = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EMFILE', 'ENFILE', 'ENOMEM']);

/** A file-system error while setting up `what`: bad input (exit 2), unless the disk itself failed. */
function setupError(what: string, action: string, err: unknown): Error {
  if (!isFsError(err)) return err as Error;
  const text = `${what}: cannot ${action}: ${fsCause(err)}`;
  return RESOURCE.has(err.code!) ? new RunFailure(text) : new UserError(text);
}

/** A file-system error once the run is under way (disk full, directory removed): exit 1. */
function runError(path: string, err: unknown): Error {
  return isFsError(err) ? new RunFailure(`cannot write ${path}: ${fsCause(err)}`) : (err as Error);
}

/** Writes to a temp file in the same directory, fsyncs, then renames over `path`. */
export function writeFileAtomic(path: string, data: string | ArrayBufferView): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw runError(path, err);
  }
}

/** Serializes first, so a value that fails to serialize never touches the file system. */
export function writeJsonAtomic(path: string, obj: unknown): void {
  writeFileAtomic(path, JSON.stringify(obj, null, 2) + '\n');
}

/** One append of a whole line, so concurrent readers (viz) never see half a record. */
export function appendLine(path: string, line: string): void {
  try {
    appendFileSync(path, line.endsWith('\n') ? line : line + '\n');
  } catch (err) {
    throw runError(path, err);
  }
}

/** A subdirectory of a run directory springtail just made (e.g. `codes/`). */
export function makeSubdir(path: string): void {
  try {
    mkdirSync(path);
  } catch (err) {
    throw runError(path, err);
  }
}

export function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** The file that makes a directory a springtail run directory; created first, exclusively. */
export const MARKER = '.springtail-run';

export type RunKind = 'simulation' | 'comparison' | 'evolution';

export interface RunDirOptions {
  /** The config's name: the default directory is runs/<name>-<timestamp>. */
  name: string;
  kind: RunKind;
  /** --out: this directory instead of the default. */
  out?: string;
  /** --force: replace the springtail run directory at `out`. */
  force?: boolean;
}

/**
 * `name` as one path component: ASCII letters, digits, `.`, `_` and `-` (as the schema allows),
 * never starting with a dot (`..`), at most 100 characters: a 300-character name with the
 * timestamp after it would exceed the 255-byte limit on a file name (ENAMETOOLONG).
 */
export function dirName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 100) || 'run';
}

interface Marker {
  kind: string;
  created: string;
  pid: number;
}

/** The marker of `dir`, or undefined when it has none (not a regular file, or not ours). */
function readMarker(dir: string): Marker | undefined {
  const file = join(dir, MARKER);
  try {
    // lstat first: a FIFO or device named like the marker would block or feed the read
    if (!lstatSync(file).isFile()) return undefined;
    const m = JSON.parse(readFileSync(file, 'utf8'));
    return m !== null && typeof m === 'object' && typeof m.kind === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the marker with O_EXCL, so of two runs claiming one directory only one succeeds. */
function writeMarker(dir: string, kind: RunKind): void {
  const fd = openSync(join(dir, MARKER), 'wx');
  try {
    const m: Marker = { kind, created: new Date().toISOString(), pid: process.pid };
    writeSync(fd, JSON.stringify(m) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * mkdir -p without `mkdirSync(…, { recursive: true })`, which loops forever where mkdir answers
 * ENOENT under an existing parent (`/proc/x`). The last component must not exist yet.
 */
function mkdirs(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); ; ) {
    try {
      // an existing non-directory ends the walk too: mkdir below it then fails with ENOTDIR
      statSync(d);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      mkdirSync(missing[i]);
    } catch (err) {
      // a parent made meanwhile by someone else is fine; the run directory itself must be new
      if (i === 0 || (err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

type OutState = { state: 'absent' } | { state: 'empty' } | { state: 'run'; real: string };

/**
 * What `--out` is, refusing (exit 2) anything springtail must not write into: not a directory, a
 * directory holding anything but a springtail run, a run without --force, a run with a read-only
 * file. Creates nothing, so it can run before the work and again when the directory is made.
 */
function inspectOut(out: string, force: boolean): OutState {
  const what = `--out ${out}`;
  if (out === '') throw new UserError('--out: empty, expected a directory path');
  let entries: string[];
  try {
    if (!statSync(out).isDirectory()) throw new UserError(`${what}: exists and is not a directory`);
    entries = readdirSync(out);
  } catch (err) {
    if (err instanceof UserError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    throw setupError(what, 'use it as a run directory', err);
  }
  if (entries.length === 0) return { state: 'empty' };
  const marker = readMarker(out);
  if (!marker) {
    throw new UserError(
      `${what}: directory is not empty and is not a springtail run directory (no ${MARKER}); refusing to write into it (even with --force): give a new or empty directory`,
    );
  }
  if (!force) {
    throw new UserError(`${what}: holds a springtail ${marker.kind} run (created ${marker.created}); pass --force to replace it, or give another --out`);
  }
  let readOnly, real;
  try {
    readOnly = findReadOnly(out);
    real = realpathSync(out);
  } catch (err) {
    throw setupError(what, 'read the previous run', err);
  }
  if (readOnly) throw new UserError(`${what}: ${readOnly} is read-only; --force will not replace a file someone protected: make it writable or move it away`);
  // renaming the working directory away would leave this process writing into a deleted one
  const cwd = process.cwd();
  if (cwd === real || cwd.startsWith(real + sep)) throw new UserError(`${what}: is or contains the working directory; --force cannot replace it from inside`);
  return { state: 'run', real };
}

/** The first regular file under `dir` with no write permission for anyone (a user's protection). */
function findReadOnly(dir: string): string | undefined {
  const todo = [dir];
  while (todo.length) {
    const d = todo.pop()!;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) todo.push(p);
      else if (e.isFile() && (lstatSync(p).mode & 0o222) === 0) return p;
    }
  }
  return undefined;
}

/** Refuses a bad --out before any work (the checks `makeRunDir` repeats). Creates nothing. */
export function checkRunDir(opts: RunDirOptions): void {
  if (opts.out !== undefined) inspectOut(opts.out, opts.force ?? false);
}

/**
 * Creates the run directory and its marker, first: `out`, or `runs/<name>-<YYYYMMDD-HHMMSS>`
 * (suffixed -2, -3… if taken). An existing `out` is used only when empty, or when it is a
 * springtail run and `force` is set: then a new directory is built beside it and swapped in, so no
 * file of the old run survives and a crash at any point leaves the old run or the new one whole
 * (the old one possibly under a hidden `.springtail-old-*` sibling).
 */
export function makeRunDir(opts: RunDirOptions): string {
  if (opts.out === undefined) {
    const base = join('runs', `${dirName(opts.name)}-${timestamp()}`);
    try {
      mkdirs('runs');
    } catch (err) {
      throw setupError(`run directory ${base}`, 'create runs/ (give --out DIR to write elsewhere)', err);
    }
    for (let k = 1; ; k++) {
      const dir = k === 1 ? base : `${base}-${k}`;
      try {
        mkdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw setupError(`run directory ${dir}`, 'create it (give --out DIR to write elsewhere)', err);
      }
      claim(dir, `run directory ${dir}`, opts.kind);
      return dir;
    }
  }
  const out = opts.out;
  const what = `--out ${out}`;
  const st = inspectOut(out, opts.force ?? false);
  if (st.state === 'run') {
    replaceRun(st.real, what, opts.kind);
    return out;
  }
  if (st.state === 'absent') {
    try {
      mkdirs(out);
    } catch (err) {
      throw setupError(what, 'create the directory', err);
    }
  }
  claim(out, what, opts.kind);
  return out;
}

function claim(dir: string, what: string, kind: RunKind): void {
  try {
    writeMarker(dir, kind);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`${what}: another springtail run claimed it just now`);
    throw setupError(what, `write ${MARKER}`, err);
  }
}

/** Builds a fresh run directory beside `real`, renames the old one aside, the new one in, deletes the old. */
function replaceRun(real: string, what: string, kind: RunKind): void {
  const parent = dirname(real);
  const id = `${process.pid}-${counter++}`;
  const fresh = join(parent, `.springtail-new-${id}`);
  const old = join(parent, `.springtail-old-${id}`);
  try {
    mkdirSync(fresh);
  } catch (err) {
    throw setupError(what, `create ${fresh} beside it`, err);
  }
  try {
    writeMarker(fresh, kind);
    renameSync(real, old);
  } catch (err) {
    rmSync(fresh, { recursive: true, force: true });
    throw setupError(what, 'move the previous run aside', err);
  }
  try {
    renameSync(fresh, real);
  } catch (err) {
    rmSync(fresh, { recursive: true, force: true });
    try {
      renameSync(old, real);
    } catch {
      throw setupError(`${what} (the previous run is now at ${old})`, 'move the new run directory into place', err);
    }
    throw setupError(what, 'move the new run directory into place', err);
  }
  try {
    rmSync(old, { recursive: true });
  } catch (err) {
    // the new run is in place; what is left is the old run under a hidden name, not in the way
    process.stderr.write(`springtail: ${what}: the previous run is at ${old}, not deleted: ${fsCause(err)}\n`);
  }
}
