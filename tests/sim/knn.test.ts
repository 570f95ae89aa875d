// Exact kNN (sim/linalg/knn.ts) against an independent brute force (all distances in f64, sorted by
// (distance, index)): random data, exact duplicates and ties, near-ties f32 cannot separate,
// excludeSelf, worker threads, extreme scales and non-finite input.
import { describe, expect, it } from 'vitest';
import { knnCpu, knnCpuSync, type KnnOptions, type Real } from '../../sim/linalg/knn.ts';
import { Counter } from '../../sim/random.ts';

function brute(Q: Real, nq: number, X: Real, nb: number, d: number, k: number, excludeSelf = false) {
  const indices = new Int32Array(nq * k);
  const distances = new Float64Array(nq * k);
  for (let q = 0; q < nq; q++) {
    const all: [number, number][] = [];
    for (let i = 0; i < nb; i++) {
      if (excludeSelf && i === q) continue;
      let s = 0;
      for (let j = 0; j < d; j++) s += (Q[q * d + j] - X[i * d + j]) ** 2;
      all.push([s, i]);
    }
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let r = 0; r < k; r++) {
      indices[q * k + r] = all[r][1];
      distances[q * k + r] = all[r][0];
    }
  }
  return { indices, distances };
}

function gaussian(n: number, d: number, seed: number, offset = 0): Float32Array {
  const rng = new Counter(seed, 1);
  return Float32Array.from({ length: n * d }, (_, i) => offset + (1 + (i % 5)) * rng.normal());
}

/** Kernel path with small blocks, so every blocking loop runs more than once and ends ragged. */
const SMALL: KnnOptions = { method: 'kernel', squared: true, queryBlock: 8, baseBlock: 16, depthBlock: 7 };

function expectSame(got: { indices: Int32Array; distances: Float64Array }, want: { indices: Int32Array; distances: Float64Array }) {
  // first mismatch, readable on failure
  let bad = -1;
  for (let i = 0; i < want.indices.length && bad < 0; i++) if (got.indices[i] !== want.indices[i] || got.distances[i] !== want.distances[i]) bad = i;
  expect(bad < 0 ? 'equal' : `entry ${bad}: got ${got.indices[bad]} @ ${got.distances[bad]}, want ${want.indices[bad]} @ ${want.distances[bad]}`).toBe('equal');
}

describe('knnCpu', () => {
  it('equals brute force on random data (f32 and f64, odd sizes, both entry points)', async () => {
    const [nq, nb, d, k] = [37, 203, 29, 6];
    const Q = gaussian(nq, d, 1, 3);
    const X = gaussian(nb, d, 2, 3);
    const want = brute(Q, nq, X, nb, d, k);
    expectSame(knnCpuSync(Q, nq, X, nb, d, k, SMALL), want);
    expectSame(await knnCpu(Q, nq, X, nb, d, k, SMALL), want);
    expectSame(knnCpuSync(Q, nq, X, nb, d, k, { method: 'direct', squared: true }), want);
    const Q64 = Float64Array.from(Q, (v, i) => v + 1e-3 * Math.sin(i));
    const X64 = Float64Array.from(X, (v, i) => v + 1e-3 * Math.cos(i));
    expectSame(knnCpuSync(Q64, nq, X64, nb, d, k, SMALL), brute(Q64, nq, X64, nb, d, k));
    // one and two dimensions (2-D codes are what knnAcc scores for UMAP)
    for (const dd of [1, 2]) {
      const q = gaussian(nq, dd, 31 + dd);
      const x = gaussian(nb, dd, 41 + dd);
      expectSame(knnCpuSync(q, nq, x, nb, dd, k, SMALL), brute(q, nq, x, nb, dd, k));
    }
    // default blocks and Euclidean distances
    const e = knnCpuSync(Q, nq, X, nb, d, k, { method: 'kernel' });
    expect(Array.from(e.indices)).toEqual(Array.from(want.indices));
    expect(Array.from(e.distances)).toEqual(Array.from(want.distances, Math.sqrt));
  });

  it('orders exact duplicates and equal distances by index', () => {
    // integer grid points: many equal distances; every base row appears three times
    const rng = new Counter(5, 1);
    const [nq, nbU, d, k] = [41, 30, 6, 9];
    const U = Float32Array.from({ length: nbU * d }, () => rng.int(3));
    const nb = nbU * 3;
    const X = new Float32Array(nb * d);
    for (let i = 0; i < nb; i++) X.set(U.subarray((i % nbU) * d, (i % nbU + 1) * d), i * d);
    const Q = Float32Array.from({ length: nq * d }, () => rng.int(3));
    const want = brute(Q, nq, X, nb, d, k);
    expectSame(knnCpuSync(Q, nq, X, nb, d, k, SMALL), want);
    // all rows equal: the k lowest indices
    const same = new Float32Array(20 * 4).fill(0.5);
    const r = knnCpuSync(same, 3, same, 20, 4, 5, SMALL);
    expect(Array.from(r.indices)).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
  });

  it('separates near-ties that the f32 expansion cannot (exact re-rank)', () => {
    // a tight cluster (spread 1e-4) and as many rows 1000 away: the base mean sits between them, so
    // the cluster's centred f32 copies are ~500 with an ulp of 3e-5, and ‖q‖²+‖x‖²−2q·x in f32 cannot
    // order the cluster; the exact distances must
    const rng = new Counter(9, 1);
    const [nq, nc, d, k] = [12, 64, 16, 5];
    const nb = 2 * nc;
    const center = Float64Array.from({ length: d }, () => rng.normal());
    const X = new Float64Array(nb * d);
    for (let i = 0; i < nb; i++) for (let j = 0; j < d; j++) X[i * d + j] = center[j] + (i % 2 ? 1000 : 0) + 1e-4 * rng.normal();
    const Q = new Float64Array(nq * d);
    for (let i = 0; i < nq; i++) for (let j = 0; j < d; j++) Q[i * d + j] = center[j] + 1e-4 * rng.normal();
    const want = brute(Q, nq, X, nb, d, k);
    expect(new Set(want.indices).size).toBeGreaterThan(2 * k); // the answer differs between queries
    expectSame(knnCpuSync(Q, nq, X, nb, d, k, SMALL), want);
    expectSame(knnCpuSync(Float32Array.from(Q), nq, Float32Array.from(X), nb, d, k, SMALL), brute(Float32Array.from(Q), nq, Float32Array.from(X), nb, d, k));
  });

  it('excludeSelf leaves each row out of its own list, duplicates stay', () => {
    const [n, d, k] = [45, 10, 4];
    const X = gaussian(n, d, 3);
    X.set(X.subarray(0, d), 7 * d); // row 7 duplicates row 0
    const want = brute(X, n, X, n, d, k, true);
    const got = knnCpuSync(X, n, X, n, d, k, { ...SMALL, excludeSelf: true });
    expectSame(got, want);
    for (let q = 0; q < n; q++) expect(Array.from(got.indices.subarray(q * k, (q + 1) * k))).not.toContain(q);
    expect(got.indices[0]).toBe(7);
    expect(got.indices[7 * k]).toBe(0);
    expect(got.distances[0]).toBe(0);
    expect(() => knnCpuSync(X, n - 1, X, n, d, k, { excludeSelf: true })).toThrow(/excludeSelf/);
    expect(() => knnCpuSync(X, n, X, n, d, n, { excludeSelf: true })).toThrow(/k = 45 must be an integer in 1\.\.44/);
  });

  it('gives the same answer on worker threads (blocking and async)', async () => {
    const [nq, nb, d, k] = [150, 260, 24, 7];
    const Q = gaussian(nq, d, 11, 1);
    const X = gaussian(nb, d, 12, 1);
    X.set(X.subarray(0, 10 * d), 100 * d); // some duplicates
    const want = brute(Q, nq, X, nb, d, k);
    for (const threads of [2, 3]) {
      expectSame(knnCpuSync(Q, nq, X, nb, d, k, { ...SMALL, threads }), want);
      expectSame(await knnCpu(Q, nq, X, nb, d, k, { ...SMALL, threads }), want);
    }
    expectSame(await knnCpu(X, nb, X, nb, d, k, { ...SMALL, threads: 2, excludeSelf: true }), brute(X, nb, X, nb, d, k, true));
  });

  it('handles extreme scales and non-finite input', () => {
    const [nq, nb, d, k] = [9, 40, 8, 3];
    for (const s of [1e-30, 1e25]) {
      const Q = Float64Array.from(gaussian(nq, d, 21), (v) => v * s);
      const X = Float64Array.from(gaussian(nb, d, 22), (v) => v * s);
      expect(Array.from(knnCpuSync(Q, nq, X, nb, d, k, SMALL).indices)).toEqual(Array.from(brute(Q, nq, X, nb, d, k).indices));
    }
    const X = gaussian(nb, d, 23);
    X[5] = NaN;
    expect(() => knnCpuSync(X, nq, X, nb, d, k, SMALL)).toThrow(/finite/);
    // auto falls back to the direct loop; the NaN row is never a neighbour of a finite query
    const r = knnCpuSync(X, nq, X, nb, d, k, { method: 'auto', squared: true });
    expect(r.indices.subarray(k)).not.toContain(0);
  });
});
