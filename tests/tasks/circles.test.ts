import { EigenvalueDecomposition, Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { CIRCLES_DEFAULTS, makeCircles, validateCircles } from '../../tasks/circles.ts';
import { Counter } from '../../sim/random.ts';

const small = { train: 40, test: 20 };

describe('circles', () => {
  it('has the documented defaults, shapes and value range', () => {
    const t = makeCircles({}, 1);
    expect(t.name).toBe('circles');
    expect(t.dim).toBe(784);
    expect(t.shape).toEqual([28, 28]);
    expect(t.latentNames).toEqual(['cx', 'cy', 'r']);
    expect(t.classes).toBe(0);
    expect(CIRCLES_DEFAULTS).toMatchObject({ size: 28, cx: [0.25, 0.75], cy: [0.25, 0.75], r: [0.05, 0.25], profile: 'gaussian', width: 3, noise: 0 });
    for (const [s, n] of [[t.train, 8000], [t.test, 2000]] as const) {
      expect(s.count).toBe(n);
      expect(s.x.length).toBe(n * 784);
      expect(s.latents.length).toBe(n * 3);
      expect(s.labels.length).toBe(n);
      expect(s.labels.every((l) => l === -1)).toBe(true);
      let lo = Infinity, hi = -Infinity;
      for (const v of s.x) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      expect(hi).toBeGreaterThan(0.9);
    }
  });

  it('is deterministic per seed, differs between seeds, and keeps train, test and stream apart', () => {
    const a = makeCircles(small, 7), b = makeCircles(small, 7), c = makeCircles(small, 8);
    expect(a.train.x).toEqual(b.train.x);
    expect(a.test.latents).toEqual(b.test.latents);
    expect(a.train.x).not.toEqual(c.train.x);
    expect(a.train.latents.subarray(0, 60)).not.toEqual(a.test.latents.subarray(0, 60));
    const s = new Float32Array(10 * a.dim), part = new Float32Array(3 * a.dim);
    a.fill(s, 0, 10);
    b.fill(part, 5, 3);
    expect(part).toEqual(s.subarray(5 * a.dim, 8 * a.dim));
    expect(s.subarray(0, 20 * 28)).not.toEqual(a.train.x.subarray(0, 20 * 28));
  });

  it('draws latents inside their ranges', () => {
    const spec = { ...small, train: 500, cx: [0.4, 0.6] as [number, number], cy: [0.1, 0.3] as [number, number], r: [0.2, 0.21] as [number, number] };
    const t = makeCircles(spec, 3);
    const ranges = [spec.cx, spec.cy, spec.r];
    for (let k = 0; k < t.train.count; k++)
      for (let l = 0; l < 3; l++) {
        const v = t.train.latents[k * 3 + l];
        expect(v).toBeGreaterThanOrEqual(ranges[l][0] - 1e-6);
        expect(v).toBeLessThanOrEqual(ranges[l][1] + 1e-6);
      }
  });

  it('puts the ring at distance r from the centre, pixel (i, j) centred at ((j+.5)/W, (i+.5)/H)', () => {
    const H = 128;
    for (const profile of ['gaussian', 'hard'] as const) {
      const t = makeCircles({ size: H, profile, train: 5, test: 1 }, 11);
      for (let k = 0; k < 5; k++) {
        const [cx, cy, r] = t.train.latents.subarray(k * 3, k * 3 + 3);
        const x = t.train.x.subarray(k * H * H, (k + 1) * H * H);
        let bright = 0;
        for (let i = 0; i < H; i++)
          for (let j = 0; j < H; j++) {
            if (x[i * H + j] < 0.99) continue;
            bright++;
            const d = Math.hypot((j + 0.5) / H - cx, (i + 0.5) / H - cy);
            // gaussian ≥ 0.99 means within 0.3 px of the ring; hard rings are 3 px wide
            expect(Math.abs(d - r) * H).toBeLessThan(profile === 'gaussian' ? 0.31 : 1.5);
          }
        expect(bright).toBeGreaterThan(2 * Math.PI * r * H * (profile === 'gaussian' ? 0.1 : 2));
      }
    }
  });

  it('adds clipped pixel noise without moving the latents', () => {
    const clean = makeCircles(small, 5), noisy = makeCircles({ ...small, noise: 0.2 }, 5);
    expect(noisy.train.latents).toEqual(clean.train.latents);
    let se = 0;
    for (let i = 0; i < noisy.train.x.length; i++) se += (noisy.train.x[i] - clean.train.x[i]) ** 2;
    expect(noisy.train.x.every((v) => v >= 0 && v <= 1)).toBe(true);
    const rms = Math.sqrt(se / noisy.train.x.length);
    expect(rms).toBeGreaterThan(0.1);
    expect(rms).toBeLessThan(0.2);
  });

  it('validates specs', () => {
    expect(validateCircles({})).toEqual([]);
    expect(validateCircles({ size: 0 }).map((p) => p.path)).toEqual(['size']);
    expect(validateCircles({ size: 2.5 }).map((p) => p.path)).toEqual(['size']);
    const inv = validateCircles({ cx: [0.7, 0.3], r: [0.3, 0.1] });
    expect(inv.map((p) => p.path)).toEqual(['cx', 'r']);
    expect(inv[0]).toEqual({ path: 'cx', value: [0.7, 0.3], expected: 'min ≤ max' });
    expect(validateCircles({ r: [0, 0.1] }).map((p) => p.path)).toEqual(['r']);
    expect(validateCircles({ width: 0, train: 0, test: 1.5, noise: -1 }).map((p) => p.path)).toEqual(['width', 'noise', 'train', 'test']);
    expect(() => makeCircles({ size: 0 }, 1)).toThrow(/size/);
  });

  it('gives the PCA-3 readout r² SPEC §5 measured with scikit-learn (0.956 cx, cy / 0.726 r)', () => {
    const t = makeCircles({}, 1);
    const { dim } = t;
    const P = 3;
    const { mean, C } = covariance(t.train.x, t.train.count, dim);
    const U = topEigenvectors(C, dim, P);
    const project = (x: Float32Array, n: number) => {
      const Z = new Matrix(n, P + 1);
      for (let k = 0; k < n; k++) {
        for (let c = 0; c < P; c++) {
          let s = 0;
          for (let i = 0; i < dim; i++) s += (x[k * dim + i] - mean[i]) * U[c][i];
          Z.set(k, c, s);
        }
        Z.set(k, P, 1); // bias column
      }
      return Z;
    };
    const latents = (l: Float32Array, n: number) => new Matrix(Array.from({ length: n }, (_, k) => Array.from(l.subarray(k * 3, k * 3 + 3))));
    const Ztr = project(t.train.x, t.train.count), Zte = project(t.test.x, t.test.count);
    const Ytr = latents(t.train.latents, t.train.count), Yte = latents(t.test.latents, t.test.count);
    const W = solve(Ztr.transpose().mmul(Ztr).add(Matrix.eye(P + 1).mul(1e-3)), Ztr.transpose().mmul(Ytr));
    const pred = Zte.mmul(W);
    const r2 = [0, 1, 2].map((l) => {
      const y = Yte.getColumn(l), p = pred.getColumn(l);
      const m = y.reduce((a, b) => a + b, 0) / y.length;
      return 1 - y.reduce((a, v, k) => a + (p[k] - v) ** 2, 0) / y.reduce((a, v) => a + (v - m) ** 2, 0);
    });
    expect(Math.abs(r2[0] - 0.956)).toBeLessThan(0.03);
    expect(Math.abs(r2[1] - 0.956)).toBeLessThan(0.03);
    expect(Math.abs(r2[2] - 0.726)).toBeLessThan(0.03);
  });
});

/** Mean and covariance (unnormalized: the scale does not matter for the eigenvectors). */
function covariance(X: Float32Array, n: number, dim: number): { mean: Float64Array; C: Float64Array } {
  const mean = new Float64Array(dim);
  for (let k = 0; k < n; k++) for (let i = 0; i < dim; i++) mean[i] += X[k * dim + i];
  for (let i = 0; i < dim; i++) mean[i] /= n;
  // transposed so each entry is a contiguous dot product (the fastest plain-JS form measured here)
  const Xt = new Float64Array(dim * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < dim; i++) Xt[i * n + k] = X[k * dim + i] - mean[i];
  const C = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    const a = Xt.subarray(i * n, (i + 1) * n);
    for (let j = i; j < dim; j++) {
      const b = Xt.subarray(j * n, (j + 1) * n);
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0;
      for (; k + 3 < n; k += 4) (s0 += a[k] * b[k]), (s1 += a[k + 1] * b[k + 1]), (s2 += a[k + 2] * b[k + 2]), (s3 += a[k + 3] * b[k + 3]);
      for (; k < n; k++) s0 += a[k] * b[k];
      C[i * dim + j] = C[j * dim + i] = s0 + s1 + s2 + s3;
    }
  }
  return { mean, C };
}

/**
 * Top-P eigenvectors of symmetric C by subspace iteration on 16 vectors plus Rayleigh–Ritz: a full
 * 784×784 EigenvalueDecomposition agrees to |cos| = 1 − 1e-15 here but takes ~7 s more.
 */
function topEigenvectors(C: Float64Array, dim: number, P: number, block = 16, iters = 30): Float64Array[] {
  const rnd = new Counter(12345, 99);
  const mul = (v: Float64Array) => {
    const y = new Float64Array(dim);
    for (let i = 0; i < dim; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += C[i * dim + j] * v[j];
      y[i] = s;
    }
    return y;
  };
  const orth = (V: Float64Array[]) => {
    for (let a = 0; a < V.length; a++) {
      for (let b = 0; b < a; b++) {
        let d = 0;
        for (let i = 0; i < dim; i++) d += V[a][i] * V[b][i];
        for (let i = 0; i < dim; i++) V[a][i] -= d * V[b][i];
      }
      const norm = Math.hypot(...V[a]);
      for (let i = 0; i < dim; i++) V[a][i] /= norm;
    }
    return V;
  };
  let Q = orth(Array.from({ length: block }, () => Float64Array.from({ length: dim }, () => rnd.normal())));
  for (let t = 0; t < iters; t++) Q = orth(Q.map(mul));
  const CQ = Q.map(mul);
  const T = new Matrix(block, block);
  for (let a = 0; a < block; a++)
    for (let b = 0; b < block; b++) {
      let s = 0;
      for (let i = 0; i < dim; i++) s += Q[a][i] * CQ[b][i];
      T.set(a, b, s);
    }
  const e = new EigenvalueDecomposition(T, { assumeSymmetric: true });
  const ev = e.realEigenvalues;
  const order = [...ev.keys()].sort((a, b) => ev[b] - ev[a]).slice(0, P);
  return order.map((c) => {
    const u = new Float64Array(dim);
    for (let a = 0; a < block; a++) for (let i = 0; i < dim; i++) u[i] += e.eigenvectorMatrix.get(a, c) * Q[a][i];
    return u;
  });
}
