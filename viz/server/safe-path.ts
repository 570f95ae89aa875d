// Maps a request path onto a file under ROOT, or says why not. Every request for a run's file
// goes through here: encoded `../`, absolute paths, backslashes, null bytes, hidden names and
// symbolic links that lead out of ROOT are refused before anything is opened.
import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

export type Resolved = { ok: true; path: string; size: number; mtimeMs: number } | { ok: false; status: 400 | 403 | 404; reason: string };

/** The marker is the one hidden file a panel reads (a run's kind and date). */
const HIDDEN_ALLOWED = new Set(['.springtail-run']);

/** `rel` is the path after the route prefix, still percent-encoded, without the query. */
export function resolveUnder(root: string, rel: string): Resolved {
  if (rel.includes('\0') || /%00/i.test(rel)) return { ok: false, status: 400, reason: 'null byte in path' };
  const raw = rel.split('/');
  const parts: string[] = [];
  for (const r of raw) {
    let p: string;
    try {
      p = decodeURIComponent(r);
    } catch {
      return { ok: false, status: 400, reason: 'malformed percent-encoding in path' };
    }
    if (p === '') return { ok: false, status: 404, reason: 'empty path segment' };
    if (p.includes('\0')) return { ok: false, status: 400, reason: 'null byte in path' };
    if (p === '.' || p === '..' || p.includes('/') || p.includes('\\')) return { ok: false, status: 403, reason: 'path leaves the root' };
    if (p.startsWith('.') && !HIDDEN_ALLOWED.has(p)) return { ok: false, status: 403, reason: 'hidden file' };
    parts.push(p);
  }
  if (parts.length === 0) return { ok: false, status: 404, reason: 'no file named' };
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(join(realRoot, ...parts));
  } catch {
    return { ok: false, status: 404, reason: 'not found' };
  }
  // a symbolic link inside ROOT that points out of it
  if (!real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) return { ok: false, status: 403, reason: 'path leaves the root' };
  let st;
  try {
    st = statSync(real);
  } catch {
    return { ok: false, status: 404, reason: 'not found' };
  }
  if (!st.isFile()) return { ok: false, status: 404, reason: 'not a file' };
  return { ok: true, path: real, size: st.size, mtimeMs: st.mtimeMs };
}
