// Metrics shared by every method (SPEC §5), so comparisons are fair. The readouts reproduce
// ../shared/peers/baselines.py: ridge on the code plus a bias column, λ = 1e-3, with λ also on
// the bias weight (baselines.py adds λ·I to the whole (d+1)×(d+1) normal matrix).
//
// Signature style: a matrix is a `Rows` — row-major data plus explicit count (rows, samples) and
// dim (columns); labels are Int32Array with one entry per row. Build one with `rows(...)`, e.g.
// `rows(task.test.x, task.test.count, task.dim)`. reconSse keeps positional (x, xhat, count, dim).
import { CholeskyDecomposition, Matrix, solve } from 'ml-matrix';
import { knnCpuSync } from '../sim/linalg/knn.ts';

export type Real = Float32Array | Float64Array;

export interface Rows {
  data: Real;
  count: number;
  dim: number;
}

/** Wraps row-major data, checking its length. */
export function rows(data: Real, count: number, dim: number): Rows {
  if (!Number.isInteger(count) || !Number.isInteger(dim) || count < 0 || dim < 0 || data.length !== count * dim)
    throw new Error(`rows: ${data.length} values are not ${count} × ${dim}`);
  return { data, count, dim };
}

function checkRows(name: string, m: Rows): void {
  if (m.data.length !== m.count * m.dim) throw new Error(`${name}: ${m.data.length} values are not ${m.count} × ${m.dim}`);
}

function checkLabels(name: string, labels: Int32Array, count: number, classes?: number): void {
  if (labels.length !== count) throw new Error(`${name}: ${labels.length} labels for ${count} rows`);
  if (classes !== undefined)
    for (let i = 0; i < count; i++)
      if (!(labels[i] >= 0 && labels[i] < classes)) throw new Error(`${name}: label ${labels[i]} at row ${i} is outside 0..${classes - 1}`);
}

export interface Ridge {
  /** (dimIn + 1) × dimOut weights, row-major; the last row is the bias. */
  w: Float64Array;
  dimIn: number;
  dimOut: number;
  /** count × dimOut predictions for X (count × dimIn). */
  predict(X: Rows): Float64Array;
}

function solveSpd(G: Float64Array, n: number, B: Matrix): Matrix {
  const A = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A.set(i, j, G[i * n + j]);
  const chol = new CholeskyDecomposition(A);
  // λ > 0 keeps it positive definite; LU covers λ = 0 or round-off on a near-singular system
  return chol.isPositiveDefinite() ? chol.solve(B) : solve(A, B);
}

/**
 * Ridge regression Y ≈ [X 1]·W minimizing ‖[X 1]W − Y‖² + λ‖W‖² (bias included, as baselines.py).
 * Uses the normal equations in whichever of the (d+1)² or n² forms is smaller; they are equal.
 */
export function ridgeFit(X: Rows, Y: Rows, lambda = 1e-3): Ridge {
  checkRows('ridgeFit X', X);
  checkRows('ridgeFit Y', Y);
  if (X.count !== Y.count) throw new Error(`ridgeFit: X has ${X.count} rows, Y has ${Y.count}`);
  const n = X.count;
  const d = X.dim;
  const p = d + 1;
  const m = Y.dim;
  const x = X.data;
  const y = Y.data;
  const w = new Float64Array(p * m);
  const a = new Float64Array(p); // one row of [X 1]
  if (p <= n) {
    // W = (AᵀA + λI)⁻¹ AᵀY
    const G = new Float64Array(p * p);
    const AtY = new Float64Array(p * m);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < d; i++) a[i] = x[k * d + i];
      a[d] = 1;
      for (let i = 0; i < p; i++) {
        const ai = a[i];
        if (ai === 0) continue;
        const gi = i * p;
        for (let j = i; j < p; j++) G[gi + j] += ai * a[j];
        for (let j = 0; j < m; j++) AtY[i * m + j] += ai * y[k * m + j];
      }
    }
    for (let i = 0; i < p; i++) {
      G[i * p + i] += lambda;
      for (let j = 0; j < i; j++) G[i * p + j] = G[j * p + i];
    }
    const B = new Matrix(p, m);
    for (let i = 0; i < p; i++) for (let j = 0; j < m; j++) B.set(i, j, AtY[i * m + j]);
    const W = solveSpd(G, p, B);
    for (let i = 0; i < p; i++) for (let j = 0; j < m; j++) w[i * m + j] = W.get(i, j);
  } else {
    // W = Aᵀ (AAᵀ + λI)⁻¹ Y
    const K = new Float64Array(n * n);
    for (let k = 0; k < n; k++)
      for (let l = k; l < n; l++) {
        let s = 1;
        for (let i = 0; i < d; i++) s += x[k * d + i] * x[l * d + i];
        K[k * n + l] = K[l * n + k] = s;
      }
    for (let k = 0; k < n; k++) K[k * n + k] += lambda;
    const B = new Matrix(n, m);
    for (let k = 0; k < n; k++) for (let j = 0; j < m; j++) B.set(k, j, y[k * m + j]);
    const C = solveSpd(K, n, B);
    for (let k = 0; k < n; k++)
      for (let j = 0; j < m; j++) {
        const c = C.get(k, j);
        for (let i = 0; i < d; i++) w[i * m + j] += x[k * d + i] * c;
        w[d * m + j] += c;
      }
  }
  return {
    w,
    dimIn: d,
    dimOut: m,
    predict(Z: Rows): Float64Array {
      checkRows('ridge predict', Z);
      if (Z.dim !== d) throw new Error(`ridge predict: fitted on ${d} columns, given ${Z.dim}`);
      const out = new Float64Array(Z.count * m);
      for (let k = 0; k < Z.count; k++) {
        for (let j = 0; j < m; j++) out[k * m + j] = w[d * m + j];
        for (let i = 0; i < d; i++) {
          const zi = Z.data[k * d + i];
          if (zi === 0) continue;
          for (let j = 0; j < m; j++) out[k * m + j] += zi * w[i * m + j];
        }
      }
      return out;
    },
  };
}

/** Mean over samples of the per-sample sum of squared error. */
export function reconSse(x: Real, xhat: Real, count: number, dim: number): number {
  if (x.length !== count * dim || xhat.length !== count * dim) throw new Error(`reconSse: ${x.length} / ${xhat.length} values are not ${count} × ${dim}`);
  let s = 0;
  for (let i = 0; i < count * dim; i++) s += (x[i] - xhat[i]) ** 2;
  return s / count;
}

/**
 * Ridge from code to latents fit on train, r² = 1 − SS_res/SS_tot per latent on test (SS_tot about
 * the test mean, as scikit-learn's r2_score; a constant latent scores 1 if predicted exactly, else 0).
 */
export function r2PerLatent(codeTrain: Rows, latTrain: Rows, codeTest: Rows, latTest: Rows, names: string[]): Record<string, number> {
  if (latTrain.dim !== names.length || latTest.dim !== names.length) throw new Error(`r2PerLatent: ${names.length} names for ${latTrain.dim} / ${latTest.dim} latents`);
  if (codeTest.count !== latTest.count) throw new Error(`r2PerLatent: ${codeTest.count} test codes, ${latTest.count} test latents`);
  const pred = ridgeFit(codeTrain, latTrain).predict(codeTest);
  const L = names.length;
  const n = latTest.count;
  const out: Record<string, number> = {};
  for (let j = 0; j < L; j++) {
    let mean = 0;
    for (let k = 0; k < n; k++) mean += latTest.data[k * L + j];
    mean /= n;
    let res = 0;
    let tot = 0;
    for (let k = 0; k < n; k++) {
      const v = latTest.data[k * L + j];
      res += (v - pred[k * L + j]) ** 2;
      tot += (v - mean) ** 2;
    }
    out[names[j]] = tot > 0 ? 1 - res / tot : res === 0 ? 1 : 0;
  }
  return out;
}

function argmax(v: Float64Array, off: number, len: number): number {
  let best = 0;
  for (let j = 1; j < len; j++) if (v[off + j] > v[off + best]) best = j; // first on ties, as numpy
  return best;
}

function oneHot(labels: Int32Array, from: number, to: number, classes: number): Float64Array {
  const t = new Float64Array((to - from) * classes);
  for (let k = from; k < to; k++) t[(k - from) * classes + labels[k]] = 1;
  return t;
}

/**
 * Few-shot readout (baselines.py `fewshot`): ridge from code to one-hot labels on the first n
 * train rows; on test, mse = mean over samples and classes of the squared error, acc = argmax
 * accuracy. Throws if the train split has fewer than n rows.
 */
export function fewshot(
  codeTrain: Rows,
  labelsTrain: Int32Array,
  codeTest: Rows,
  labelsTest: Int32Array,
  classes: number,
  n = 200,
): { mse: number; acc: number } {
  checkLabels('fewshot train', labelsTrain, codeTrain.count, classes);
  checkLabels('fewshot test', labelsTest, codeTest.count, classes);
  if (codeTrain.count < n) throw new Error(`fewshot: ${codeTrain.count} train rows, need the first ${n}`);
  const first = rows(codeTrain.data.subarray(0, n * codeTrain.dim), n, codeTrain.dim);
  const model = ridgeFit(first, rows(oneHot(labelsTrain, 0, n, classes), n, classes));
  const pred = model.predict(codeTest);
  const m = codeTest.count;
  let se = 0;
  let hit = 0;
  for (let k = 0; k < m; k++) {
    for (let j = 0; j < classes; j++) se += (pred[k * classes + j] - (labelsTest[k] === j ? 1 : 0)) ** 2;
    if (argmax(pred, k * classes, classes) === labelsTest[k]) hit++;
  }
  return { mse: se / (m * classes), acc: hit / m };
}

/**
 * k-nearest-neighbour accuracy, Euclidean. Majority vote among the k nearest train rows; a tie
 * between classes goes to the class of the nearest neighbour among the tied ones; equal distances
 * order by train index. The neighbours are exact (sim/linalg/knn.ts: a WebAssembly matmul proposes
 * candidates, their exact f64 distances decide), so this equals the brute-force double loop.
 */
export function knnAcc(codeTrain: Rows, labelsTrain: Int32Array, codeTest: Rows, labelsTest: Int32Array, k = 5): number {
  checkRows('knnAcc train', codeTrain);
  checkRows('knnAcc test', codeTest);
  checkLabels('knnAcc train', labelsTrain, codeTrain.count);
  checkLabels('knnAcc test', labelsTest, codeTest.count);
  if (codeTrain.dim !== codeTest.dim) throw new Error(`knnAcc: train dim ${codeTrain.dim}, test dim ${codeTest.dim}`);
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`knnAcc: k must be a positive integer, got ${k}`);
  const nq = codeTest.count;
  if (nq === 0) return NaN;
  const kk = Math.min(k, codeTrain.count);
  if (kk === 0) return 0; // no train rows: no prediction is right
  const { indices } = knnCpuSync(codeTest.data, nq, codeTrain.data, codeTrain.count, codeTrain.dim, kk, { squared: true });
  const votes = new Map<number, number>();
  let hit = 0;
  for (let q = 0; q < nq; q++) {
    const nn = indices.subarray(q * kk, (q + 1) * kk); // nearest first
    votes.clear();
    let top = 0;
    for (let r = 0; r < kk; r++) {
      const c = labelsTrain[nn[r]];
      const v = (votes.get(c) ?? 0) + 1;
      votes.set(c, v);
      top = Math.max(top, v);
    }
    // the first class in nearest-first order that reaches the top count
    let pred = -1;
    for (let r = 0; r < kk && pred < 0; r++) if (votes.get(labelsTrain[nn[r]]) === top) pred = labelsTrain[nn[r]];
    if (pred === labelsTest[q]) hit++;
  }
  return hit / nq;
}

/**
 * Code quality for glider-checker. `symbolCodes` holds one code per noiseless symbol (row s =
 * symbol id s). Each code dim is binarized at its mean over those codes (bit = value > mean).
 * distinct_codes: how many different binary codes the symbols get (8 = every symbol its own; SPEC §5:
 * scikit-learn's PCA gives 8 with 3 components, 4 with 2 — two bits cannot tell more apart); code_bits: dims whose bit is
 * not the same for all symbols; decode_acc: fraction of noisy test codes whose nearest (Euclidean,
 * real-valued; ties to the lower id) noiseless code is their own symbol.
 */
export function codeQuality(
  symbolCodes: Rows,
  testCodes: Rows,
  testLabels: Int32Array,
): { distinct_codes: number; code_bits: number; decode_acc: number } {
  checkRows('codeQuality symbols', symbolCodes);
  checkRows('codeQuality test', testCodes);
  const S = symbolCodes.count;
  const d = symbolCodes.dim;
  checkLabels('codeQuality test', testLabels, testCodes.count, S);
  if (testCodes.dim !== d) throw new Error(`codeQuality: symbol codes have dim ${d}, test codes ${testCodes.dim}`);
  const c = symbolCodes.data;
  const bits: string[] = Array.from({ length: S }, () => '');
  let codeBits = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let s = 0; s < S; s++) mean += c[s * d + j];
    mean /= S;
    let ones = 0;
    for (let s = 0; s < S; s++) {
      const b = c[s * d + j] > mean;
      bits[s] += b ? '1' : '0';
      if (b) ones++;
    }
    if (ones > 0 && ones < S) codeBits++;
  }
  const distinct = new Set(bits).size;
  let hit = 0;
  for (let q = 0; q < testCodes.count; q++) {
    let best = -1;
    let bestD = Infinity;
    for (let s = 0; s < S; s++) {
      let dist = 0;
      for (let j = 0; j < d; j++) dist += (testCodes.data[q * d + j] - c[s * d + j]) ** 2;
      if (dist < bestD) {
        bestD = dist;
        best = s;
      }
    }
    if (best === testLabels[q]) hit++;
  }
  return { distinct_codes: distinct, code_bits: codeBits, decode_acc: testCodes.count > 0 ? hit / testCodes.count : NaN };
}
