// The browser app, bundled by esbuild from viz/app/main.ts on first use (and again whenever a
// source is newer than the bundle), so the README's install command is all the set-up there is.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const VIZ = join(import.meta.dirname, '..');
export const DIST = join(VIZ, 'dist');
export const APP_JS = join(DIST, 'app.js');
export const APP_CSS = join(DIST, 'app.css');

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

function bundleTime(): number {
  try {
    return Math.min(statSync(APP_JS).mtimeMs, statSync(APP_CSS).mtimeMs);
  } catch {
    return -1;
  }
}

let pending: Promise<string> | null = null;

/** Path of viz/dist/app.js, built first when missing or stale. */
export function ensureBundle(): Promise<string> {
  if (bundleTime() >= newestSource()) return Promise.resolve(APP_JS);
  pending ??= rebuild().finally(() => {
    pending = null;
  });
  return pending;
}

async function rebuild(): Promise<string> {
  // built beside dist/ and renamed in, so a server (or another test process) never reads half a bundle
  const tmp = join(VIZ, `.dist-${process.pid}-${Date.now()}`);
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
    mkdirSync(DIST, { recursive: true });
    // css first: bundleTime() takes the older of the two
    renameSync(join(tmp, 'app.css'), APP_CSS);
    renameSync(join(tmp, 'app.js'), APP_JS);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return APP_JS;
}
