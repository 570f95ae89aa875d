import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { UserError } from '../../bin/errors.ts';
import { appendLine, makeRunDir, writeFileAtomic, writeJsonAtomic } from '../../bin/fsutil.ts';
import { createProgress } from '../../bin/progress.ts';
import { tempDir } from './fixture.ts';

describe('atomic writes', () => {
  test('writeFileAtomic replaces the file and leaves no temp files', () => {
    const dir = tempDir();
    const file = join(dir, 'a.txt');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['a.txt']);
  });

  test('a failed serialization leaves the old file intact and no temp files', () => {
    const dir = tempDir();
    const file = join(dir, 'summary.json');
    writeJsonAtomic(file, { ok: 1 });
    const cyclic: any = { a: 1 };
    cyclic.self = cyclic;
    expect(() => writeJsonAtomic(file, cyclic)).toThrow();
    expect(() => writeJsonAtomic(file, { n: 10n })).toThrow();
    expect(readFileSync(file, 'utf8')).toBe('{\n  "ok": 1\n}\n');
    expect(readdirSync(dir)).toEqual(['summary.json']);
  });

  test('a failed rename removes the temp file and keeps the target', () => {
    const dir = tempDir();
    const target = join(dir, 'taken');
    mkdirSync(target);
    writeFileSync(join(target, 'x'), 'keep');
    expect(() => writeFileAtomic(target, 'data')).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readFileSync(join(target, 'x'), 'utf8')).toBe('keep');
  });

  test('appendLine appends whole lines', () => {
    const file = join(tempDir(), 'metrics.jsonl');
    appendLine(file, '{"step":1}');
    appendLine(file, '{"step":2}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"step":1}\n{"step":2}\n');
  });
});

describe('makeRunDir', () => {
  test('runs/<name>-<timestamp> under the cwd', () => {
    const cwd = process.cwd();
    const dir = tempDir();
    process.chdir(dir);
    try {
      const a = makeRunDir('exp');
      const b = makeRunDir('exp');
      expect(a).toMatch(/^runs\/exp-\d{8}-\d{6}$/);
      expect(b).not.toBe(a);
      expect(existsSync(join(dir, a))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  test('--out: created, reused if a run dir, refused if a foreign non-empty dir', () => {
    const dir = tempDir();
    const out = join(dir, 'deep', 'out');
    expect(makeRunDir('x', out)).toBe(out);
    writeFileSync(join(out, 'config.json'), '{}');
    expect(makeRunDir('x', out)).toBe(out);
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'thesis.tex'), '');
    expect(() => makeRunDir('x', foreign)).toThrow(UserError);
    const file = join(dir, 'file');
    writeFileSync(file, '');
    expect(() => makeRunDir('x', file)).toThrow(UserError);
  });
});

describe('createProgress (not a terminal)', () => {
  test('prints at most about every 10%', () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    let text = '';
    (stream as unknown as PassThrough).on('data', (d) => (text += d));
    const p = createProgress(3000, 'quickstart', stream);
    for (let s = 0; s <= 3000; s += 50) p.update(s, { recon: 0.0123 });
    p.stop();
    const lines = text.trim().split('\n');
    expect(lines.length).toBe(10);
    expect(lines[0]).toBe('quickstart: step 300/3000 (10%) recon=0.0123');
    expect(lines.at(-1)).toBe('quickstart: step 3000/3000 (100%) recon=0.0123');
  });
});
