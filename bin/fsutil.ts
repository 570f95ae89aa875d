// Run-directory IO (SPEC §9): atomic writes so a crash never leaves a half-written file.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync, appendFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from './errors.ts';

let counter = 0;

/** Writes to a temp file in the same directory, fsyncs, then renames over `path`. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Serializes first, so a value that fails to serialize never touches the file system. */
export function writeJsonAtomic(path: string, obj: unknown): void {
  writeFileAtomic(path, JSON.stringify(obj, null, 2) + '\n');
}

/** One append of a whole line, so concurrent readers (viz) never see half a record. */
export function appendLine(path: string, line: string): void {
  appendFileSync(path, line.endsWith('\n') ? line : line + '\n');
}

export function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Files a springtail run directory may contain; a directory holding anything else is not ours. */
const RUN_MARKERS = ['config.json', 'metrics.jsonl', 'summary.json'];

export function looksLikeRunDir(dir: string): boolean {
  return RUN_MARKERS.some((f) => existsSync(join(dir, f)));
}

/** Creates `out` or `runs/<name>-<YYYYMMDD-HHMMSS>` (suffixed -2, -3… if taken) and returns it. */
export function makeRunDir(name: string, out?: string): string {
  if (out !== undefined) {
    if (existsSync(out)) {
      if (!statSync(out).isDirectory()) throw new UserError(`--out ${out}: exists and is not a directory`);
      if (readdirSync(out).length > 0 && !looksLikeRunDir(out)) {
        throw new UserError(`--out ${out}: directory is not empty and does not look like a springtail run directory (no ${RUN_MARKERS.join(', ')}); refusing to write into it`);
      }
    }
    mkdirSync(out, { recursive: true });
    return out;
  }
  const base = join('runs', `${name}-${timestamp()}`);
  let dir = base;
  for (let k = 2; existsSync(dir); k++) dir = `${base}-${k}`;
  mkdirSync(dir, { recursive: true });
  return dir;
}
