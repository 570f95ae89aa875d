// UMAP baseline (tasks/baselines/umap.ts) on well-separated Gaussian blobs: seeded determinism,
// the embedding separates the blobs, held-out points are placed in their own blob, training rows
// encode to the fitted embedding, bad specs, progress. With 60 blobs of 10, a held-out point's own
// blob is found only by a real neighbour search in transform: umap-js 1.4's own search returns 60
// random training rows (no own-blob row for a third of the points; measured: test kNN accuracy
// ~0.24 with it, 1.0 with the exact kNN).
import { describe, expect, it } from 'vitest';
import type { Fitted } from '../../tasks/baselines/method.ts';
import { fitUmap, UMAP_DEFAULTS, type UmapSpec } from '../../tasks/baselines/umap.ts';
import { knnAcc, rows } from '../../tasks/metrics.ts';
import { Counter } from '../../sim/random.ts';

const D = 10;
const CLASSES = 3;

function blobs(classes: number, perClass: number, seed: number, spread = 1) {
  const rng = new Counter(seed, 1);
  const centers = new Counter(99, 1); // the same blob centres for train and test
  const mu = Array.from({ length: classes }, () => Array.from({ length: D }, () => 8 * centers.normal()));
  const count = perClass * classes;
  const x = new Float32Array(count * D);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % classes; // interleaved, so index order says nothing about the class
    labels[i] = c;
    for (let j = 0; j < D; j++) x[i * D + j] = mu[c][j] + spread * rng.normal();
  }
  return { x, labels, count };
}

const train = blobs(CLASSES, 50, 1);
const test = blobs(CLASSES, 10, 2);
const SPEC: UmapSpec = { ...UMAP_DEFAULTS, epochs: 150 };
const fit = (spec: Partial<UmapSpec> = {}, seed = 1, progress?: (d: number, t: number, l: string) => void) =>
  fitUmap(train.x, train.count, D, { ...SPEC, ...spec }, { seed, backend: 'cpu', progress });

/** Fraction of codes whose nearest class centroid (of the train codes) is their own class. */
function centroidAcc(trainCodes: Float64Array | Float32Array, codes: Float64Array | Float32Array, labels: Int32Array, P: number): number {
  const cen = new Float64Array(CLASSES * P);
  const n = new Float64Array(CLASSES);
  for (let i = 0; i < train.count; i++) {
    n[train.labels[i]]++;
    for (let c = 0; c < P; c++) cen[train.labels[i] * P + c] += trainCodes[i * P + c];
  }
  for (let k = 0; k < CLASSES; k++) for (let c = 0; c < P; c++) cen[k * P + c] /= n[k];
  let hit = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let k = 0; k < CLASSES; k++) {
      let s = 0;
      for (let c = 0; c < P; c++) s += (codes[i * P + c] - cen[k * P + c]) ** 2;
      if (s < bestD) [best, bestD] = [k, s];
    }
    if (best === labels[i]) hit++;
  }
  return hit / labels.length;
}

async function codes(f: Fitted) {
  return { tr: await f.encode(train.x, train.count), te: await f.encode(test.x, test.count) };
}

describe('UMAP baseline', () => {
  it('separates the blobs and places held-out points in their own blob', async () => {
    for (const precomputedKnn of [true, false]) {
      const f = await fit({ precomputedKnn });
      expect(f.codeDim).toBe(2);
      expect(f.decode).toBeUndefined();
      const { tr, te } = await codes(f);
      expect(tr.length).toBe(train.count * 2);
      expect(te.length).toBe(test.count * 2);
      expect(Array.from(te).every(Number.isFinite)).toBe(true);
      expect(knnAcc(rows(tr, train.count, 2), train.labels, rows(tr, train.count, 2), train.labels, 5)).toBe(1);
      expect(knnAcc(rows(tr, train.count, 2), train.labels, rows(te, test.count, 2), test.labels, 5)).toBeGreaterThanOrEqual(0.95);
      expect(centroidAcc(tr, te, test.labels, 2)).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('finds held-out points\' true neighbours (60 blobs of 10)', async () => {
    const tr = blobs(60, 10, 1, 0.5);
    const te = blobs(60, 2, 2, 0.5);
    const f = await fitUmap(tr.x, tr.count, D, SPEC, { seed: 1, backend: 'cpu' });
    const a = rows(await f.encode(tr.x, tr.count), tr.count, 2);
    expect(knnAcc(a, tr.labels, a, tr.labels, 1)).toBe(1);
    expect(knnAcc(a, tr.labels, rows(await f.encode(te.x, te.count), te.count, 2), te.labels, 1)).toBeGreaterThanOrEqual(0.95);
  });

  it('gives finite codes to samples with more exact copies in the training set than neighbors', async () => {
    // exact neighbours all at distance 0: umap-js's transform computed rho = NaN for them
    const x = new Float32Array((train.count + 20) * D);
    x.set(train.x);
    for (let i = 0; i < 20; i++) x.set(train.x.subarray(0, D), (train.count + i) * D);
    const f = await fitUmap(x, train.count + 20, D, SPEC, { seed: 1, backend: 'cpu' });
    const tr = await f.encode(x, train.count + 20);
    const te = await f.encode(train.x.subarray(0, 3 * D), 3); // row 0 has 21 copies
    expect(Array.from(te).every(Number.isFinite)).toBe(true);
    expect(centroidAcc(tr.subarray(0, train.count * 2), te, train.labels.subarray(0, 3), 2)).toBe(1);
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const a = await codes(await fit());
    const b = await codes(await fit());
    expect(Array.from(b.tr)).toEqual(Array.from(a.tr));
    expect(Array.from(b.te)).toEqual(Array.from(a.te));
    const c = await codes(await fit({}, 2));
    expect(Array.from(c.tr)).not.toEqual(Array.from(a.tr));
  });

  it('encodes training rows to the fitted embedding, and each batch independently of earlier ones', async () => {
    const f = await fit({ components: 3 });
    expect(f.codeDim).toBe(3);
    const tr = await f.encode(train.x, train.count);
    expect(Array.from(await f.encode(Float32Array.from(train.x), train.count))).toEqual(Array.from(tr)); // equal values, new array
    const te1 = await f.encode(test.x, test.count);
    // a batch as long as the training set (umap-js would move the training embedding for it)
    const big = new Float32Array(train.count * D);
    for (let i = 0; i < train.count; i++) big.set(test.x.subarray((i % test.count) * D, ((i % test.count) + 1) * D), i * D);
    const bigCodes = await f.encode(big, train.count);
    expect(centroidAcc(tr, bigCodes, Int32Array.from({ length: train.count }, (_, i) => test.labels[i % test.count]), 3)).toBeGreaterThanOrEqual(0.95);
    expect(Array.from(await f.encode(train.x, train.count))).toEqual(Array.from(tr));
    expect(Array.from(await f.encode(test.x, test.count))).toEqual(Array.from(te1));
    expect((await f.encode(test.x, 0)).length).toBe(0);
  });

  it('rejects epochs that are not a multiple of 3, and other bad specs', async () => {
    await expect(fit({ epochs: 10 })).rejects.toThrow(/epochs must be a positive multiple of 3, got 10.*never returns/);
    await expect(fit({ neighbors: 1 })).rejects.toThrow(/neighbors must be an integer ≥ 2/);
    await expect(fit({ components: 0 })).rejects.toThrow(/components must be an integer ≥ 1/);
  });

  it('reports progress per epoch', async () => {
    const calls: [number, number, string][] = [];
    const f = await fit({ epochs: 30 }, 1, (d, t, l) => calls.push([d, t, l]));
    expect(calls.length).toBe(31);
    expect(calls[0]).toEqual([0, 30, 'epoch']);
    expect(calls.at(-1)).toEqual([30, 30, 'epoch']);
    expect(calls.map((c) => c[0])).toEqual(Array.from({ length: 31 }, (_, i) => i));
    expect(f.info?.epochs).toBe(30);
  });
});
