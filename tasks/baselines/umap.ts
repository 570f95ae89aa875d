// UMAP baseline (SPEC §6) via umap-js 1.4: fit on train, `transform` for new samples.
//
// What we add around umap-js (read from node_modules/umap-js/dist/umap.js, not guessed):
// - Seeded: umap-js draws every random number from its `random` option (embedding init, negative
//   samples, NN-descent); we pass counter-based streams from sim/random.ts, so one seed gives one
//   embedding. transform() draws from the same property, so each encode resets it to a fresh stream:
//   encoding is a pure function of (fitted model, samples), whatever was encoded before.
// - kNN of the training set: with `precomputedKnn`, the project's exact kNN (sim/linalg/knn.ts) is
//   handed over with setPrecomputedKNN, in umap's convention (each point its own first neighbour at
//   distance 0, then nNeighbors − 1 others, Euclidean distances). umap-js then skips its random
//   projection forest and NN-descent.
// - kNN in transform: umap-js 1.4's graph search is a no-op (heap.smallestFlagged loops
//   `for (i = 0; i > length; …)`, so it never runs), leaving transform's neighbours as the nearest
//   of 60 random training points plus the forest's leaves — and with a precomputed kNN there is no
//   forest, so they are purely random. Measured on MNIST (seed 1): umap-js's own fit + transform
//   give test codes with kNN accuracy 0.39; with exact neighbours 0.91 (umap-learn 0.89-0.90). We
//   replace its neighbour search with the exact kNN (the instance fields initFromRandom /
//   initFromTree / search, which transform() reads): what umap-learn's approximate search aims at,
//   at about the same cost (2,000 digits: 4-5 s under load, 1.3 s of it the kNN; umap-js's own
//   transform 3.8 s). makeSearchGraph, which only feeds that search, is skipped (~1 s).
// - umap-js moves the training embedding during transform() when the batch has as many rows as
//   the training set (its moveOther test compares lengths); such a batch gets one padding row.
// - umap-js's transform() sets rho = 0 × nonZeroDists[0] = NaN (local connectivity 0) for a sample
//   whose neighbours are all at distance 0, and the NaN spreads through the layout. With exact
//   neighbours that happens to every sample with ≥ `neighbors` exact copies in the training set
//   (glider-checker: most noiseless symbols). Such a rho is set to 0, the value umap-learn's
//   formula gives (interpolation 0 × anything).
// - Training samples: encode of the training matrix itself (the same array, or equal values)
//   returns the fitted embedding — umap-learn's fit_transform / embedding_ convention, which
//   peers/baselines.py also uses (embedding_ for train, transform for test). Other samples, the test
//   split included, go through transform. So train codes are the optimized layout and test codes
//   are placed into it, as a user of umap-learn would get.
import { UMAP } from 'umap-js';
import { knnCpu } from '../../sim/linalg/knn.ts';
import { Counter, STREAM } from '../../sim/random.ts';
import type { FitContext, Fitted } from './method.ts';

export interface UmapSpec {
  /** Embedding dimension (umap nComponents). */
  components: number;
  /** nNeighbors (umap default 15; clamped to count − 1 on tiny training sets, as umap-learn does). */
  neighbors: number;
  minDist: number;
  /**
   * Optimization epochs; unset: umap-js's choice (500 up to 2,500 samples … 200 above 7,500).
   * Must be a multiple of 3: umap-js 1.4's transform() runs epochs/3 and never returns otherwise.
   */
  epochs?: number;
  /** Hand umap-js the exact kNN of sim/linalg/knn.ts (true), let it run NN-descent (false), or 'auto'. */
  precomputedKnn: 'auto' | boolean;
}

export const UMAP_DEFAULTS: UmapSpec = { components: 2, neighbors: 15, minDist: 0.1, precomputedKnn: 'auto' };

/**
 * 'auto' hands over the exact kNN up to this many training samples. Measured on MNIST 8,000 × 784
 * (bench/umap-mnist.ts, 2 cores under load): exact kNN 5-6 s vs umap-js's forest + NN-descent
 * ~21 s (fit 30 s vs 48 s), and the exact graph scores better (kNN accuracy 0.911 vs 0.893).
 * The exact kNN costs ∝ n²·d, NN-descent about ∝ n·d, so they would meet near n ≈ 30,000 — an
 * extrapolation, not measured.
 */
const AUTO_EXACT_UP_TO = 30_000;

function seededRandom(seed: number, stream: number): () => number {
  const c = new Counter(seed, stream);
  return () => c.next();
}

function toVectors(x: Float32Array, count: number, dim: number): number[][] {
  const out: number[][] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = Array.from(x.subarray(i * dim, (i + 1) * dim));
  return out;
}

/** Checks a spec, with messages naming the field. */
export function validateUmapSpec(spec: UmapSpec): void {
  const int = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;
  if (!int(spec.components, 1)) throw new Error(`UMAP: components must be an integer ≥ 1, got ${spec.components}`);
  if (!int(spec.neighbors, 2)) throw new Error(`UMAP: neighbors must be an integer ≥ 2, got ${spec.neighbors}`);
  if (!(typeof spec.minDist === 'number' && spec.minDist >= 0)) throw new Error(`UMAP: minDist must be ≥ 0, got ${spec.minDist}`);
  if (spec.epochs !== undefined && !(int(spec.epochs, 3) && spec.epochs % 3 === 0))
    throw new Error(`UMAP: epochs must be a positive multiple of 3, got ${spec.epochs} (umap-js 1.4 transform() runs epochs/3 and never returns otherwise; SPEC §11)`);
  if (!(spec.precomputedKnn === 'auto' || typeof spec.precomputedKnn === 'boolean'))
    throw new Error(`UMAP: precomputedKnn must be true, false or "auto", got ${String(spec.precomputedKnn)}`);
}

/** The private umap-js fields transform() reads (see the header). */
interface UmapInternals {
  random: () => number;
  embedding: number[][];
  initFromRandom: (...a: unknown[]) => void;
  initFromTree: (...a: unknown[]) => void;
  search: (data: number[][], graph: unknown, init: unknown, queries: number[][]) => unknown;
  makeSearchGraph: (X: number[][]) => unknown;
  smoothKNNDistance: (distances: number[][], k: number, localConnectivity?: number) => { sigmas: number[]; rhos: number[] };
}

function sameValues(a: Float32Array, b: Float32Array, n: number): boolean {
  if (a === b) return true;
  if (a.length < n || b.length < n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

export async function fitUmap(x: Float32Array, count: number, dim: number, spec: UmapSpec, ctx: FitContext): Promise<Fitted> {
  validateUmapSpec(spec);
  if (x.length < count * dim) throw new Error(`UMAP: ${x.length} values for ${count} × ${dim} samples`);
  if (count < 3) throw new Error(`UMAP: needs at least 3 training samples, got ${count}`);
  const neighbors = Math.min(spec.neighbors, count - 1);
  const usePrecomputed = spec.precomputedKnn === 'auto' ? count <= AUTO_EXACT_UP_TO : spec.precomputedKnn;
  const umap = new UMAP({
    nComponents: spec.components,
    nNeighbors: neighbors,
    minDist: spec.minDist,
    nEpochs: spec.epochs,
    random: seededRandom(ctx.seed, STREAM.umapFit),
  });
  const inner = umap as unknown as UmapInternals;
  // the graph umap-js builds for its transform search (~1 s at MNIST scale), unused by ours
  inner.makeSearchGraph = () => null;
  // rho NaN → 0 (see the header)
  const smooth = inner.smoothKNNDistance;
  inner.smoothKNNDistance = function (this: unknown, distances, k, localConnectivity) {
    const r = smooth.call(this, distances, k, localConnectivity);
    for (let i = 0; i < r.rhos.length; i++) if (Number.isNaN(r.rhos[i])) r.rhos[i] = 0;
    return r;
  };
  const X = toVectors(x, count, dim);

  let knnSeconds = 0;
  if (usePrecomputed) {
    const t0 = performance.now();
    const { indices, distances } = await knnCpu(x, count, x, count, dim, neighbors - 1, { excludeSelf: true });
    const k = neighbors - 1;
    const knnIndices: number[][] = new Array(count);
    const knnDistances: number[][] = new Array(count);
    for (let i = 0; i < count; i++) {
      const ii = [i];
      const dd = [0];
      for (let r = 0; r < k; r++) {
        ii.push(indices[i * k + r]);
        dd.push(distances[i * k + r]);
      }
      knnIndices[i] = ii;
      knnDistances[i] = dd;
    }
    umap.setPrecomputedKNN(knnIndices, knnDistances);
    knnSeconds = (performance.now() - t0) / 1000;
  }

  const t1 = performance.now();
  const total = umap.initializeFit(X); // fitAsync sees the same X initialized and goes straight to the epochs
  const graphSeconds = (performance.now() - t1) / 1000;
  ctx.progress?.(0, total, 'epoch');
  const t2 = performance.now();
  await umap.fitAsync(X, (epoch) => {
    ctx.progress?.(epoch, total, 'epoch');
  });
  const optimizeSeconds = (performance.now() - t2) / 1000;
  const embedded = umap.getEmbedding();
  const P = spec.components;
  const trainCodes = new Float64Array(count * P);
  for (let i = 0; i < count; i++) for (let c = 0; c < P; c++) trainCodes[i * P + c] = embedded[i][c];

  // exact neighbours for transform (see the header): the queue heap umap-js builds is left empty,
  // and the "search" returns each query's exact neighbours as a max-heap (descending distances)
  let pending: { indices: Int32Array; distances: Float64Array } | null = null;
  inner.initFromRandom = () => {};
  inner.initFromTree = () => {};
  inner.search = (_data, _graph, _init, queries) => {
    const knn = pending!;
    const n = queries.length;
    const idx: number[][] = new Array(n);
    const dist: number[][] = new Array(n);
    const flags: number[][] = new Array(n);
    for (let q = 0; q < n; q++) {
      idx[q] = [];
      dist[q] = [];
      flags[q] = [];
      for (let r = neighbors - 1; r >= 0; r--) {
        idx[q].push(knn.indices[q * neighbors + r]);
        dist[q].push(knn.distances[q * neighbors + r]);
        flags[q].push(1);
      }
    }
    return [idx, dist, flags];
  };

  let disposed = false;
  return {
    codeDim: P,
    info: {
      knn: usePrecomputed ? 'exact (sim/linalg/knn.ts)' : 'umap-js nn-descent',
      knn_seconds: knnSeconds,
      graph_seconds: graphSeconds,
      optimize_seconds: optimizeSeconds,
      epochs: total,
      neighbors,
    },
    async encode(xs: Float32Array, n: number): Promise<Float64Array> {
      if (disposed) throw new Error('UMAP: encode after dispose');
      if (xs.length < n * dim) throw new Error(`UMAP encode: ${xs.length} values for ${n} × ${dim} samples`);
      if (n === count && sameValues(xs, x, count * dim)) return trainCodes.slice();
      if (n === 0) return new Float64Array(0);
      // a batch as long as the training set would move the training embedding: pad it by one row
      const pad = n === count ? 1 : 0;
      let q = xs.subarray(0, n * dim);
      if (pad) {
        const padded = new Float32Array((n + 1) * dim);
        padded.set(q);
        padded.set(q.subarray(0, dim), n * dim);
        q = padded;
      }
      const m = n + pad;
      const knn = await knnCpu(q, m, x, count, dim, neighbors);
      pending = knn;
      inner.random = seededRandom(ctx.seed, STREAM.umapTransform);
      const saved = inner.embedding;
      let out: number[][];
      try {
        out = umap.transform(toVectors(q, m, dim));
      } finally {
        pending = null;
        inner.embedding = saved;
      }
      const codes = new Float64Array(n * P);
      for (let i = 0; i < n; i++) for (let c = 0; c < P; c++) codes[i * P + c] = out[i][c];
      return codes;
    },
    dispose() {
      disposed = true;
    },
  };
}
