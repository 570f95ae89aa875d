// The browser bundle goes to the first place that can be written: an install whose viz/dist cannot
// be written (read-only, root-owned) still serves the app from the user's cache.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { bundleDirs, ensureBundle } from '../../viz/server/bundle.ts';

/** A directory that cannot be created: its parent is a regular file (ENOTDIR, even for root). */
function unwritable(base: string, name: string): string {
  const file = join(base, `${name}-is-a-file`);
  writeFileSync(file, 'not a directory');
  return join(file, 'dist');
}

describe('the browser bundle', () => {
  test('the install, then a cache of this install', () => {
    const dirs = bundleDirs();
    expect(dirs[0]).toBe(join(import.meta.dirname, '..', '..', 'viz', 'dist'));
    expect(dirs.slice(1).every((d) => /springtail.viz-[0-9a-f]{12}$/.test(d))).toBe(true);
  });

  test('an unwritable place is passed over for the next; a fresh bundle there is reused', async () => {
    const base = mkdtempSync(join(tmpdir(), 'springtail-bundle-'));
    const blocked = unwritable(base, 'install');
    const cache = join(base, 'cache');
    const b = await ensureBundle([blocked, cache]);
    expect(b).toEqual({ js: join(cache, 'app.js'), css: join(cache, 'app.css') });
    expect(readFileSync(b.js, 'utf8')).toContain('__springtail');
    expect(statSync(b.css).size).toBeGreaterThan(100);
    expect(existsSync(blocked)).toBe(false);
    const built = statSync(b.js).mtimeMs;
    expect(await ensureBundle([blocked, cache])).toEqual(b);
    expect(statSync(b.js).mtimeMs).toBe(built);
  }, 120_000);

  test('nowhere to write it: the error names every place tried', async () => {
    const base = mkdtempSync(join(tmpdir(), 'springtail-bundle-'));
    const dirs = [unwritable(base, 'a'), unwritable(base, 'b')];
    const err = await ensureBundle(dirs).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(err).toContain('cannot write the browser bundle anywhere');
    for (const d of dirs) expect(err).toContain(d);
  }, 120_000);
});
