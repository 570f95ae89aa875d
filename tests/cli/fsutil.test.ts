import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { RunFailure, UserError } from '../../bin/errors.ts';
import { appendLine, checkRunDir, dirName, makeRunDir, MARKER, writeFileAtomic, writeJsonAtomic } from '../../bin/fsutil.ts';
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

const files = (dir: string) => readdirSync(dir).sort();
const snapshot = (dir: string) => Object.fromEntries(files(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
const sim = (out?: string, force?: boolean) => ({ name: 'exp', kind: 'simulation', out, force }) as const;

describe('makeRunDir', () => {
  test('runs/<name>-<timestamp> under the cwd, marked; a taken name gets -2; a long name is cut to fit', () => {
    const cwd = process.cwd();
    const dir = tempDir();
    process.chdir(dir);
    try {
      const a = makeRunDir(sim());
      const b = makeRunDir(sim());
      expect(a).toMatch(/^runs\/exp-\d{8}-\d{6}$/);
      expect(b).not.toBe(a);
      expect(JSON.parse(readFileSync(join(dir, a, MARKER), 'utf8'))).toMatchObject({ kind: 'simulation', pid: process.pid });
      // 300 characters + the timestamp would exceed the 255-byte limit on a file name
      const long = makeRunDir({ ...sim(), name: 'x'.repeat(300) });
      expect(basename(long).length).toBeLessThan(255);
      expect(existsSync(join(dir, long, MARKER))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  test('dirName keeps a name inside runs/', () => {
    expect(dirName('../../etc/x')).toBe('etc-x');
    expect(dirName('..')).toBe('run');
    expect(dirName('a'.repeat(300))).toHaveLength(100);
  });

  test('--out: created with its parents and marked first; an empty directory is claimed', () => {
    const dir = tempDir();
    const out = join(dir, 'deep', 'out');
    expect(makeRunDir(sim(out))).toBe(out);
    expect(files(out)).toEqual([MARKER]);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(makeRunDir(sim(empty))).toBe(empty);
    expect(files(empty)).toEqual([MARKER]);
  });

  test('--out holding a run: refused without --force, naming the flag; unchanged', () => {
    const out = join(tempDir(), 'out');
    makeRunDir(sim(out));
    writeFileSync(join(out, 'summary.json'), '{"old":1}');
    const before = snapshot(out);
    expect(() => makeRunDir(sim(out))).toThrow(/--out .*out: holds a springtail simulation run .*pass --force to replace it/);
    expect(() => checkRunDir(sim(out))).toThrow(UserError);
    expect(snapshot(out)).toEqual(before);
  });

  test('--force replaces the run whole: no old file survives, nothing left beside it', () => {
    const parent = tempDir();
    const out = join(parent, 'out');
    makeRunDir(sim(out));
    mkdirSync(join(out, 'codes'));
    for (const f of ['recording.f32', 'summary.json', 'codes/a.test.f32']) writeFileSync(join(out, f), 'old');
    expect(makeRunDir(sim(out, true))).toBe(out);
    expect(files(out)).toEqual([MARKER]);
    expect(files(parent)).toEqual(['out']);
  });

  test('a directory springtail did not mark is never written, even with --force', () => {
    const dir = tempDir();
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'config.json'), '{"mine": true}\n');
    for (const force of [false, true]) {
      expect(() => makeRunDir(sim(foreign, force))).toThrow(/not a springtail run directory \(no \.springtail-run\)/);
    }
    expect(snapshot(foreign)).toEqual({ 'config.json': '{"mine": true}\n' });
    // a marker that is not a regular file (a FIFO would block the read) does not count
    const fifo = join(dir, 'fifo');
    mkdirSync(fifo);
    execFileSync('mkfifo', [join(fifo, MARKER)]);
    expect(() => makeRunDir(sim(fifo, true))).toThrow(/not a springtail run directory/);
  });

  test('--force leaves a run holding a read-only file as it is', () => {
    const out = join(tempDir(), 'out');
    makeRunDir(sim(out));
    writeFileSync(join(out, 'summary.json'), 'keep');
    chmodSync(join(out, 'summary.json'), 0o444);
    expect(() => makeRunDir(sim(out, true))).toThrow(/summary\.json is read-only/);
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe('keep');
  });

  // As root EACCES never happens, so the bad paths are ones root cannot write either.
  const badPaths: [string, (dir: string) => string, RegExp][] = [
    ['a file', (d) => join(d, 'file'), /exists and is not a directory/],
    ['under a file', (d) => join(d, 'file', 'x'), /not a directory \(ENOTDIR\)/],
    ['a 300-character component', (d) => join(d, 'x'.repeat(300)), /name too long \(ENAMETOOLONG\)/],
    ['empty', () => '', /--out: empty, expected a directory path/],
    // mkdir answers ENOENT below /proc; recursive mkdirSync loops forever on that
    ['under /proc', () => '/proc/springtail-test/run', /cannot create the directory: no such file or directory \(ENOENT\)/],
  ];
  test.each(badPaths)('--out %s: a UserError naming the path and the cause', (_what, path, message) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'keep');
    const out = path(dir);
    let err: unknown;
    try {
      makeRunDir(sim(out));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
    if (out) expect((err as Error).message).toContain(`--out ${out}`);
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe('keep');
  });
});

describe('write errors once a run is under way are RunFailures (exit 1) naming the file and the cause', () => {
  test('disk full: appendLine to /dev/full', () => {
    expect(() => appendLine('/dev/full', 'x')).toThrow(RunFailure);
    expect(() => appendLine('/dev/full', 'x')).toThrow('cannot write /dev/full: no space left on device (ENOSPC)');
  });

  test('the run directory removed under the run', () => {
    const dir = join(tempDir(), 'gone');
    expect(() => writeFileAtomic(join(dir, 'summary.json'), '{}')).toThrow(RunFailure);
    expect(() => writeFileAtomic(join(dir, 'summary.json'), '{}')).toThrow(/summary\.json: no such file or directory \(ENOENT\)/);
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
    expect(lines[0]).toMatch(/^quickstart: 300\/3000 \(10%\) eta (\d+[hms]\d*m?s?|\?) recon=0\.0123$/);
    expect(lines.at(-1)).toBe('quickstart: 3000/3000 (100%) eta 0s recon=0.0123');
  });
});
