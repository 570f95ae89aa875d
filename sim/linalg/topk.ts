// Top-k eigenpairs of a symmetric d×d matrix (a covariance from gramCpu / gramWebgpu) by randomized
// subspace iteration: a block of k + 10 vectors, multiplied by C and re-orthonormalized each
// iteration, then Rayleigh-Ritz on the small projected matrix. A full d×d eigendecomposition
// (ml-matrix, ml-pca) costs O(d³) with a slow constant; this is O(iters·(k+10)·d²).
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Counter, STREAM } from '../random.ts';
import { gramRowsCpu } from './cpu.ts';

export interface TopEigenOptions {
  /** Subspace iterations (default 20). Error shrinks like (λ_{k+10}/λ_k)^iters. */
  iters?: number;
  seed?: number;
  /** Oversampling beyond k (default 10). */
  oversample?: number;
  /**
   * How the iterations multiply by C: 'wasm' (default) runs the Gram kernel in f32 (error ~1e-7
   * relative, far below what the iteration resolves), 'js' in f64. The final Rayleigh-Ritz
   * product is always f64.
   */
  product?: 'wasm' | 'js';
}

export interface TopEigen {
  /** Descending. */
  values: Float64Array;
  /** k×d row-major, unit length, sign fixed so the largest-magnitude entry is positive. */
  vectors: Float64Array;
}

/** Rows of Q (p×d) ← C·rows of Q, for symmetric C. Two rows of C against four vectors per inner
 * loop (eight accumulators, six loads per eight multiply-adds): C (4.9 MB at d = 784) streams from
 * memory once per four vectors. Measured at d = 784, p = 30: 22-30 ms per product with one row of C,
 * 15-21 ms with two. */
function multiply(C: Float64Array, d: number, Q: Float64Array, p: number): Float64Array {
  const Z = new Float64Array(p * d);
  let a = 0;
  for (; a + 4 <= p; a += 4) {
    const q0 = a * d, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
    let i = 0;
    for (; i + 2 <= d; i += 2) {
      const co = i * d, cp = co + d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let j = 0; j < d; j++) {
        const c = C[co + j], e = C[cp + j];
        const x0 = Q[q0 + j], x1 = Q[q1 + j], x2 = Q[q2 + j], x3 = Q[q3 + j];
        s0 += c * x0; s1 += c * x1; s2 += c * x2; s3 += c * x3;
        t0 += e * x0; t1 += e * x1; t2 += e * x2; t3 += e * x3;
      }
      Z[q0 + i] = s0; Z[q1 + i] = s1; Z[q2 + i] = s2; Z[q3 + i] = s3;
      Z[q0 + i + 1] = t0; Z[q1 + i + 1] = t1; Z[q2 + i + 1] = t2; Z[q3 + i + 1] = t3;
    }
    for (; i < d; i++) {
      const co = i * d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < d; j++) {
        const c = C[co + j];
        s0 += c * Q[q0 + j]; s1 += c * Q[q1 + j]; s2 += c * Q[q2 + j]; s3 += c * Q[q3 + j];
      }
      Z[q0 + i] = s0; Z[q1 + i] = s1; Z[q2 + i] = s2; Z[q3 + i] = s3;
    }
  }
  for (; a < p; a++) {
    const qo = a * d;
    for (let i = 0; i < d; i++) {
      const co = i * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += C[co + j] * Q[qo + j];
      Z[qo + i] = s;
    }
  }
  return Z;
}

/**
 * The same product with the Gram kernel: for X = [Qᵀ | C] (d × (p4 + d), f32), rows [0, p4) of XᵀX
 * hold Q·C in columns p4.. — a 4×8-microtiled SIMD product, measured ~4× the JS loop.
 */
function wasmMultiplier(C: Float64Array, d: number, p: number): (Q: Float64Array) => Promise<Float64Array> {
  const p4 = Math.ceil(p / 4) * 4;
  const w = p4 + d;
  const X = new Float32Array(d * w);
  for (let r = 0; r < d; r++) for (let i = 0; i < d; i++) X[r * w + p4 + i] = C[r * d + i];
  return async (Q) => {
    for (let a = 0; a < p; a++) for (let r = 0; r < d; r++) X[r * w + a] = Q[a * d + r];
    const G = await gramRowsCpu(X, d, w, p);
    const Z = new Float64Array(p * d);
    for (let a = 0; a < p; a++) for (let i = 0; i < d; i++) Z[a * d + i] = G[a * w + p4 + i] * d; // gram divides by n = d
    return Z;
  };
}

/** Modified Gram-Schmidt on the rows of Q, in place; a collapsed row is replaced by a random one. */
function orthonormalize(Q: Float64Array, d: number, p: number, rng: Counter): void {
  for (let a = 0; a < p; a++) {
    const ao = a * d;
    for (let attempt = 0; ; attempt++) {
      let before = 0;
      for (let j = 0; j < d; j++) before += Q[ao + j] * Q[ao + j];
      for (let b = 0; b < a; b++) {
        const bo = b * d;
        let dot = 0;
        for (let j = 0; j < d; j++) dot += Q[ao + j] * Q[bo + j];
        for (let j = 0; j < d; j++) Q[ao + j] -= dot * Q[bo + j];
      }
      let norm = 0;
      for (let j = 0; j < d; j++) norm += Q[ao + j] * Q[ao + j];
      // Rank-deficient C (or p ≈ d) makes a row vanish: refill it, still deterministic.
      if (norm > 1e-20 * before && norm > 1e-300) {
        const inv = 1 / Math.sqrt(norm);
        for (let j = 0; j < d; j++) Q[ao + j] *= inv;
        break;
      }
      if (attempt > 5) throw new Error('topEigen: cannot orthonormalize the block');
      for (let j = 0; j < d; j++) Q[ao + j] = rng.normal();
    }
  }
}

export async function topEigen(C: Float64Array, d: number, k: number, opts: TopEigenOptions = {}): Promise<TopEigen> {
  if (C.length !== d * d) throw new Error(`topEigen: C holds ${C.length} values, expected ${d}×${d}`);
  if (!(k >= 1 && k <= d)) throw new Error(`topEigen: k=${k} must be in [1, ${d}]`);
  const p = Math.min(d, k + (opts.oversample ?? 10));
  const iters = opts.iters ?? 20;
  const rng = new Counter(opts.seed ?? 0, STREAM.eigenInit);
  let Q: Float64Array = new Float64Array(p * d);
  for (let i = 0; i < Q.length; i++) Q[i] = rng.normal();
  orthonormalize(Q, d, p, rng);
  const product = opts.product === 'js' ? async (q: Float64Array) => multiply(C, d, q, p) : wasmMultiplier(C, d, p);
  for (let t = 0; t < iters; t++) {
    Q = await product(Q);
    orthonormalize(Q, d, p, rng);
  }
  // Rayleigh-Ritz: T = Q C Qᵀ (p×p), eigenvectors rotate the block onto the Ritz vectors.
  const Z = multiply(C, d, Q, p);
  const T = new Matrix(p, p);
  for (let a = 0; a < p; a++) {
    for (let b = a; b < p; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += Q[a * d + j] * Z[b * d + j];
      T.set(a, b, s);
      T.set(b, a, s);
    }
  }
  const eig = new EigenvalueDecomposition(T, { assumeSymmetric: true });
  const lam = eig.realEigenvalues;
  const V = eig.eigenvectorMatrix;
  const order = lam.map((_, i) => i).sort((x, y) => lam[y] - lam[x]);
  const values = new Float64Array(k);
  const vectors = new Float64Array(k * d);
  for (let t = 0; t < k; t++) {
    const col = order[t];
    values[t] = lam[col];
    const vo = t * d;
    for (let a = 0; a < p; a++) {
      const w = V.get(a, col);
      for (let j = 0; j < d; j++) vectors[vo + j] += w * Q[a * d + j];
    }
    let norm = 0;
    let big = 0;
    for (let j = 0; j < d; j++) {
      norm += vectors[vo + j] ** 2;
      if (Math.abs(vectors[vo + j]) > Math.abs(big)) big = vectors[vo + j];
    }
    const s = (big < 0 ? -1 : 1) / Math.sqrt(norm);
    for (let j = 0; j < d; j++) vectors[vo + j] *= s;
  }
  return { values, vectors };
}
