import { describe, expect, test } from 'vitest';
import { codeQuality, fewshot, knnAcc, r2PerLatent, reconSse, ridgeFit, rows } from '../../tasks/metrics.ts';
import { Counter } from '../../sim/random.ts';

const f64 = (a: number[]) => Float64Array.from(a);

describe('ridgeFit', () => {
  test('λ = 1 on two points: hand-solved w = 1, b = 1 (bias regularized too)', () => {
    // A = [[0 1],[1 1]], AᵀA + I = [[2 1],[1 3]], AᵀY = [3 4] → W = [1 1]
    const m = ridgeFit(rows(f64([0, 1]), 2, 1), rows(f64([1, 3]), 2, 1), 1);
    expect(m.w[0]).toBeCloseTo(1, 12);
    expect(m.w[1]).toBeCloseTo(1, 12);
    expect(Array.from(m.predict(rows(f64([2]), 1, 1)))[0]).toBeCloseTo(3, 12);
  });

  test('recovers an exactly linear relation', () => {
    const r = new Counter(7, 99);
    const n = 100, d = 4, B = [1.5, -2, 0.25, 3], c = -0.75;
    const X = new Float64Array(n * d);
    const Y = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < d; i++) X[k * d + i] = r.normal();
      Y[k] = c + B.reduce((s, b, i) => s + b * X[k * d + i], 0);
    }
    const m = ridgeFit(rows(X, n, d), rows(Y, n, 1));
    for (let i = 0; i < d; i++) expect(m.w[i]).toBeCloseTo(B[i], 4);
    expect(m.w[d]).toBeCloseTo(c, 4);
  });

  // numpy: W = solve(AᵀA + 1e-3·I, AᵀY) with A = [X 1], exactly baselines.py
  const X = f64([0.5, -1.0, 2.0, 0.25, -1.5, 1.0, 0.0, 3.0, 1.0, 1.0]);
  const Y = f64([1.0, 0.0, 0.0, 1.0, 2.0, -1.0, 0.5, 0.5, 1.0, 2.0]);
  test('matches numpy on a small case (n > d + 1: primal form)', () => {
    const w = ridgeFit(rows(X, 5, 2), rows(Y, 5, 2)).w;
    const ref = [-0.55216297, 0.76084569, -0.18207011, 0.27201873, 1.27536971, -0.03554709];
    ref.forEach((v, i) => expect(w[i]).toBeCloseTo(v, 7));
  });
  test('matches numpy when n < d + 1 (dual form)', () => {
    const w = ridgeFit(rows(X.subarray(0, 4), 2, 2), rows(Y.subarray(0, 4), 2, 2)).w;
    const ref = [-0.11616066, 0.43513008, -0.65995328, 0.27745991, 0.39751958, 0.06010482];
    ref.forEach((v, i) => expect(w[i]).toBeCloseTo(v, 7));
  });

  test('rejects mismatched shapes', () => {
    expect(() => ridgeFit(rows(X, 5, 2), rows(Y.subarray(0, 8), 4, 2))).toThrow(/5 rows/);
    expect(() => rows(X, 3, 3)).toThrow(/10 values are not 3 × 3/);
  });
});

test('reconSse: mean over samples of the per-sample SSE', () => {
  // sample 0: 1² + 2² = 5; sample 1: 0 + 3² = 9 → 7
  expect(reconSse(f64([0, 0, 1, 1]), f64([1, 2, 1, 4]), 2, 2)).toBe(7);
});

describe('r2PerLatent', () => {
  const r = new Counter(3, 42);
  const n = 4000, d = 3;
  const code = new Float64Array(n * d).map(() => r.normal());
  const lat = new Float64Array(n * 2);
  for (let k = 0; k < n; k++) {
    lat[k * 2] = 2 * code[k * d] - code[k * d + 2] + 1; // exactly linear in the code
    lat[k * 2 + 1] = r.normal(); // independent of it
  }
  const half = (a: Float64Array, w: number, first: boolean) => rows(first ? a.subarray(0, (n / 2) * w) : a.subarray((n / 2) * w), n / 2, w);
  test('1 on a perfect fit, ≈ 0 on noise', () => {
    const out = r2PerLatent(half(code, d, true), half(lat, 2, true), half(code, d, false), half(lat, 2, false), ['lin', 'noise']);
    expect(out.lin).toBeCloseTo(1, 6);
    expect(Math.abs(out.noise)).toBeLessThan(0.02); // out of sample: ≈ −(d + 1)/n_train, never fitted up
  });
});

describe('fewshot', () => {
  test('averages over samples and classes; argmax ties to the first class', () => {
    // constant code: the fit is the bias only, p = 2/(4 + λ) for both classes
    const p = 2 / (4 + 1e-3);
    const out = fewshot(rows(new Float64Array(4), 4, 1), Int32Array.from([0, 0, 1, 1]), rows(new Float64Array(1), 1, 1), Int32Array.from([0]), 2, 4);
    expect(out.mse).toBeCloseTo(((1 - p) ** 2 + p ** 2) / 2, 12);
    expect(out.acc).toBe(1);
  });

  test('separable toy data: perfect accuracy, small mse; uses only the first n', () => {
    const r = new Counter(5, 1);
    const make = (n: number, flipAfter = Infinity) => {
      const x = new Float64Array(n * 2);
      const y = new Int32Array(n);
      for (let k = 0; k < n; k++) {
        y[k] = k % 3;
        // classes at well-separated centres; rows after flipAfter have wrong labels
        x[k * 2] = [0, 4, 0][y[k]] + 0.1 * r.normal();
        x[k * 2 + 1] = [0, 0, 4][y[k]] + 0.1 * r.normal();
        if (k >= flipAfter) y[k] = (y[k] + 1) % 3;
      }
      return { x: rows(x, n, 2), y };
    };
    const tr = make(300, 30);
    const te = make(90);
    const out = fewshot(tr.x, tr.y, te.x, te.y, 3, 30);
    expect(out.acc).toBe(1);
    expect(out.mse).toBeLessThan(0.01);
    expect(() => fewshot(tr.x, tr.y, te.x, te.y, 3, 301)).toThrow(/300 train rows/);
  });
});

describe('knnAcc', () => {
  const tr = rows(f64([0, 0.1, 0.2, 1, 1.1, 1.2]), 6, 1);
  const ytr = Int32Array.from([0, 0, 0, 1, 1, 1]);
  test('majority of the 5 nearest', () => {
    // 0.05: 3× class 0 + 2× class 1 → 0; 1.15 → 1; 0.65 with truth 0: neighbours 1, 1.1, 0.2, 0.1, 1.2 → 1
    expect(knnAcc(tr, ytr, rows(f64([0.05, 1.15, 0.65]), 3, 1), Int32Array.from([0, 1, 0]))).toBeCloseTo(2 / 3, 12);
  });
  test('a tied vote goes to the nearest class', () => {
    const t2 = rows(f64([0, 0.2, 0.3, 0.5]), 4, 1);
    const y2 = Int32Array.from([0, 1, 1, 0]);
    // 0.26: 2 vs 2, nearest is 0.3 (class 1); 0.05: 2 vs 2, nearest is 0 (class 0)
    expect(knnAcc(t2, y2, rows(f64([0.26, 0.05]), 2, 1), Int32Array.from([1, 0]), 4)).toBe(1);
    expect(knnAcc(t2, y2, rows(f64([0.26]), 1, 1), Int32Array.from([0]), 4)).toBe(0);
  });
});

describe('codeQuality', () => {
  // symbol s → bits of s plus a constant dim; symbol 7 is given symbol 6's code (a duplicate)
  const sym = new Float64Array(8 * 4);
  for (let s = 0; s < 8; s++) {
    const c = s === 7 ? 6 : s;
    sym.set([c & 1, (c >> 1) & 1, (c >> 2) & 1, 5], s * 4);
  }
  test('counts unique codes, used bits and nearest-code decoding', () => {
    const r = new Counter(9, 2);
    const test = new Float64Array(8 * 4).map((_, i) => sym[i] + 0.05 * r.normal());
    const q = codeQuality(rows(sym, 8, 4), rows(test, 8, 4), Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(q.distinct_codes).toBe(7); // 8 symbols, 6 and 7 share a code: 7 different codes
    expect(q.code_bits).toBe(3); // the constant dim carries no bit
    expect(q.decode_acc).toBeCloseTo(7 / 8, 12); // symbol 7 decodes to 6 (exact tie → lower id) or is ambiguous
  });
  test('all distinct on a clean 3-bit code', () => {
    const clean = new Float64Array(8 * 3);
    for (let s = 0; s < 8; s++) clean.set([s & 1, (s >> 1) & 1, (s >> 2) & 1], s * 3);
    const q = codeQuality(rows(clean, 8, 3), rows(clean, 8, 3), Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(q).toEqual({ distinct_codes: 8, code_bits: 3, decode_acc: 1 });
  });
});
