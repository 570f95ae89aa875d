// Dense kernels for the baselines (SPEC §6): Gram / covariance on cpu (WebAssembly SIMD) and WebGPU
// against a naive f64 reference, and top-k eigenpairs against ml-matrix's full decomposition.
// WebGPU tests skip with the reason when no adapter answers, and fail under SPRINGTAIL_REQUIRE_WEBGPU=1.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { gramCpu } from '../../sim/linalg/cpu.ts';
import { topEigen } from '../../sim/linalg/topk.ts';
import { gramWebgpu } from '../../sim/linalg/webgpu.ts';
import { Counter } from '../../sim/random.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';

const webgpu = useWebgpu();

function randomData(n: number, d: number, seed: number): Float32Array {
  const rng = new Counter(seed, 1);
  const X = new Float32Array(n * d);
  // Column offsets make centering matter; per-column scales vary the magnitudes.
  for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) X[r * d + k] = 2 + k * 0.1 + (1 + (k % 7)) * rng.normal();
  return X;
}

function naiveGram(X: Float32Array, n: number, d: number, center: boolean): Float64Array {
  const mean = new Float64Array(d);
  if (center) {
    for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) mean[k] += X[r * d + k];
    for (let k = 0; k < d; k++) mean[k] /= n;
  }
  const C = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += (X[r * d + i] - mean[i]) * (X[r * d + j] - mean[j]);
      C[i * d + j] = s / n;
    }
  }
  return C;
}

function relErr(a: Float64Array, b: Float64Array): number {
  let e = 0;
  let r = 0;
  for (let i = 0; i < a.length; i++) {
    e += (a[i] - b[i]) ** 2;
    r += b[i] ** 2;
  }
  return Math.sqrt(e / r);
}

const N = 300;
const D = 50;
const X = randomData(N, D, 7);

describe('gramCpu', () => {
  for (const center of [false, true]) {
    it(`matches a naive f64 reference (center ${center})`, async () => {
      const ref = naiveGram(X, N, D, center);
      expect(relErr(await gramCpu(X, N, D, { center }), ref)).toBeLessThan(1e-5);
      // threads split output rows, chunks of rows accumulate, and d not a multiple of 8 pads cleanly
      expect(relErr(await gramCpu(X, N, D, { center, threads: 2, rowBlock: 64 }), ref)).toBeLessThan(1e-5);
      expect(relErr(await gramCpu(X, N, D, { center, chunkRows: 70, rowBlock: 33 }), ref)).toBeLessThan(1e-5);
      const d2 = 13;
      const Y = randomData(37, d2, 3);
      expect(relErr(await gramCpu(Y, 37, d2, { center }), naiveGram(Y, 37, d2, center))).toBeLessThan(1e-5);
    });
  }

  it('8000×784 centered: spot-checked entries, symmetric (prints the time)', async () => {
    const n = 8000;
    const d = 784;
    const rng = new Counter(11, 2);
    const Z = new Float32Array(n * d);
    for (let i = 0; i < Z.length; i++) Z[i] = rng.next();
    const t0 = performance.now();
    const C = await gramCpu(Z, n, d, { center: true });
    const ms = performance.now() - t0;
    console.log(`gramCpu 8000×784 centered: ${ms.toFixed(0)} ms`);
    // spot-check a few entries against f64 sums
    for (const [i, j] of [[0, 0], [3, 700], [783, 783], [400, 17]]) {
      let mi = 0;
      let mj = 0;
      for (let r = 0; r < n; r++) {
        mi += Z[r * d + i];
        mj += Z[r * d + j];
      }
      mi /= n;
      mj /= n;
      let s = 0;
      for (let r = 0; r < n; r++) s += (Z[r * d + i] - mi) * (Z[r * d + j] - mj);
      s /= n;
      expect(Math.abs(C[i * d + j] - s)).toBeLessThan(1e-5 * Math.max(Math.abs(C[i * d + i]), 1e-3));
      expect(C[j * d + i]).toBe(C[i * d + j]);
    }
  });
});

describe('gramWebgpu', () => {
  for (const center of [false, true]) {
    it(`matches a naive f64 reference (center ${center})`, async (ctx) => {
      const gpu = webgpu.need(ctx);
      expect(relErr(await gramWebgpu(gpu, X, N, D, { center }), naiveGram(X, N, D, center))).toBeLessThan(1e-4);
      const Y = randomData(37, 13, 3);
      expect(relErr(await gramWebgpu(gpu, Y, 37, 13, { center }), naiveGram(Y, 37, 13, center))).toBeLessThan(1e-4);
    });
  }
});

describe('topEigen', () => {
  const d = 60;
  // C = U diag(λ) Uᵀ with a random orthogonal U and a geometric spectrum (λ_{i+1}/λ_i = 0.8)
  const rng = new Counter(5, 3);
  const U = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) U.set(i, j, rng.normal());
  const orth = new Matrix(d, d);
  for (let c = 0; c < d; c++) {
    const v = U.getColumn(c);
    for (let b = 0; b < c; b++) {
      const w = orth.getColumn(b);
      const dot = v.reduce((s, x, i) => s + x * w[i], 0);
      for (let i = 0; i < d; i++) v[i] -= dot * w[i];
    }
    const nrm = Math.hypot(...v);
    orth.setColumn(c, v.map((x) => x / nrm));
  }
  const lam = Array.from({ length: d }, (_, i) => 100 * 0.8 ** i);
  const Cm = orth.mmul(Matrix.diag(lam)).mmul(orth.transpose());
  const C = Float64Array.from(Cm.to1DArray());
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) C[i * d + j] = C[j * d + i] = (C[i * d + j] + C[j * d + i]) / 2;

  it.each(['wasm', 'js'] as const)('matches ml-matrix for the top 5 eigenpairs, deterministically (%s product)', async (product) => {
    const full = new EigenvalueDecomposition(new Matrix(Array.from({ length: d }, (_, i) => Array.from(C.subarray(i * d, (i + 1) * d)))), { assumeSymmetric: true });
    const vals = full.realEigenvalues;
    const order = vals.map((_, i) => i).sort((a, b) => vals[b] - vals[a]);
    const k = 5;
    const got = await topEigen(C, d, k, { seed: 1, product });
    for (let t = 0; t < k; t++) {
      const ref = full.eigenvectorMatrix.getColumn(order[t]);
      expect(Math.abs(got.values[t] - vals[order[t]]) / vals[order[t]]).toBeLessThan(1e-6);
      let dot = 0;
      let nrm = 0;
      for (let j = 0; j < d; j++) {
        dot += got.vectors[t * d + j] * ref[j];
        nrm += got.vectors[t * d + j] ** 2;
      }
      expect(Math.abs(nrm - 1)).toBeLessThan(1e-9);
      expect(Math.abs(dot) / Math.hypot(...ref)).toBeGreaterThan(0.999);
    }
    const again = await topEigen(C, d, k, { seed: 1, product });
    expect(Array.from(again.vectors)).toEqual(Array.from(got.vectors));
    expect(Array.from(again.values)).toEqual(Array.from(got.values));
  });
});
