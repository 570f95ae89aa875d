// The browser app, bundled by esbuild from viz/app/main.ts on first use (and again whenever a
// source is newer than the bundle), so the README's install command is all the set-up there is.
// It goes into viz/dist/ of the install; where that cannot be written (a read-only or root-owned
// install) into the user's cache, so `springtail viz` works wherever it is installed.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

const VIZ = join(import.meta.dirname, '..');

export interface Bundle {
  js: string;
  css: string;
}

const bundleIn = (dir: string): Bundle => ({ js: join(dir, 'app.js'), css: join(dir, 'app.css') });

/** Where a bundle may go, in order: the install's viz/dist, then a cache directory of this install. */
export function bundleDirs(): string[] {
  // one cache directory per install, so two versions side by side never share a bundle
  const install = createHash('sha256').update(VIZ).digest('hex').slice(0, 12);
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return [join(VIZ, 'dist'), join(cache, 'springtail', `viz-${install}`), join(tmpdir(), `springtail-viz-${install}`)];
}

function newestSource(): number {
  let t = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else t = Math.max(t, statSync(p).mtimeMs);
    }
  };
  walk(join(VIZ, 'app'));
  t = Math.max(t, statSync(join(VIZ, 'protocol.ts')).mtimeMs);
  return t;
}

function bundleTime(b: Bundle): number {
  try {
    return Math.min(statSync(b.js).mtimeMs, statSync(b.css).mtimeMs);
  } catch {
    return -1;
  }
}

let pending: Promise<Bundle> | null = null;

/** The app's bundle, built first when every place has none or a stale one. */
export function ensureBundle(dirs: string[] = bundleDirs()): Promise<Bundle> {
  const newest = newestSource();
  const fresh = dirs.map(bundleIn).find((b) => bundleTime(b) >= newest);
  if (fresh) return Promise.resolve(fresh);
  pending ??= buildSomewhere(dirs).finally(() => {
    pending = null;
  });
  return pending;
}

async function buildSomewhere(dirs: string[]): Promise<Bundle> {
  const failed: string[] = [];
  for (const dir of dirs) {
    try {
      return await rebuild(dir);
    } catch (e) {
      // esbuild's own errors are the source's, the same everywhere: only a place that cannot be written moves on
      if (!(e as NodeJS.ErrnoException).code) throw e;
      failed.push(`${dir}: ${(e as Error).message}`);
    }
  }
  throw new Error(`cannot write the browser bundle anywhere:\n  ${failed.join('\n  ')}`);
}

async function rebuild(dir: string): Promise<Bundle> {
  // built beside the directory and renamed in, so a server (or another test process) never reads half a bundle
  const tmp = join(dirname(dir), `.${basename(dir)}-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    await build({
      entryPoints: { app: join(VIZ, 'app', 'main.ts') },
      outdir: tmp,
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'chrome110',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    });
    mkdirSync(dir, { recursive: true });
    const b = bundleIn(dir);
    // css first: bundleTime() takes the older of the two
    renameSync(join(tmp, 'app.css'), b.css);
    renameSync(join(tmp, 'app.js'), b.js);
    return b;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
