// Behavioural tests of the Hebbian family against known results (SPEC §4), on the cpu backend:
// - Oja's rule: a linear unit's weight vector converges to the first principal component of its
//   input (Oja 1982), checked against ml-pca on a seeded Gaussian dataset;
// - cubic Hebbian (the journal's rule favours sparse codes, line 357): one unit, l2-normalised, sees
//   a rare strong conjunction and a frequent weak pattern; plain Hebbian follows the larger
//   eigenvalue of E[x xᵀ] (the frequent pattern), the cubic rule the rare strong one;
// - BCM: units trained on a few patterns become selective — each ends up responding strongly to
//   one of them (Bienenstock, Cooper & Munro 1982: with the threshold a running mean of post², the
//   stable fixed points answer a single pattern).
import { PCA } from 'ml-pca';
import { describe, expect, it } from 'vitest';
import { bcm, cubicHebbian, hebbian, oja } from '../../rules/hebbian.ts';
import { fromLayers, type LayersSpec } from '../../sim/build.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import { createCpuBackend } from '../../sim/cpu/backend.ts';
import { uniform } from '../../sim/random.ts';
import type { NetworkState } from '../../sim/backend.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import type { SynapseTensor } from '../../sim/tensor.ts';

/** Run `inputs` (T samples of nIn values) through a cpu backend in chunks; return the final state. */
async function train(tensor: SynapseTensor, def: RuleDef, params: Record<string, number>, inputs: Float32Array, T: number, wMax = 10, normalize: 'none' | 'l2' = 'none'): Promise<NetworkState> {
  const chunk = 1000;
  const nIn = inputs.length / T;
  const b = await createCpuBackend({ tensor, rule: compileRule(def, params), plasticity: { wMin: 0, wMax, normalize, normalizeTarget: 1 }, maxChunk: chunk, threads: 1 });
  try {
    for (let t0 = 0; t0 < T; t0 += chunk) {
      const n = Math.min(chunk, T - t0);
      const r = await b.run(n, inputs.subarray(t0 * nIn, (t0 + n) * nIn));
      expect(r.firstBadStep).toBe(-1);
    }
    return await b.readState();
  } finally {
    await b.dispose();
  }
}

/** Standard normal numbers from the project's counter-based generator (Box–Muller). */
function gaussian(seed: number, i: number): number {
  const u1 = Math.max(uniform(seed, 501, i), 1e-12);
  const u2 = uniform(seed, 502, i);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
};

describe("Oja's rule", () => {
  it('a linear unit converges to the first principal component of its input (|cos| > 0.99 with ml-pca)', async () => {
    // 6-dimensional zero-mean Gaussian data: a strong leading direction with positive components
    // (weights are magnitudes ≥ 0) plus anisotropic noise, so PC1 is near, but not exactly, d.
    const D = 6;
    const M = 400;
    const d = [1, 2, 3, 2, 1, 1];
    const dn = Math.hypot(...d);
    const noise = [0.9, 0.5, 0.3, 0.7, 0.4, 0.6];
    const data: number[][] = [];
    for (let m = 0; m < M; m++) {
      const s = 1.5 * gaussian(7, m * (D + 1));
      data.push(d.map((di, i) => (s * di) / dn + noise[i] * gaussian(7, m * (D + 1) + 1 + i)));
    }
    // center exactly: Oja finds the leading eigenvector of E[x xᵀ], PCA that of the covariance
    const mean = Array.from({ length: D }, (_, i) => data.reduce((a, x) => a + x[i], 0) / M);
    for (const x of data) for (let i = 0; i < D; i++) x[i] -= mean[i];
    const pc1 = new PCA(data, { center: true }).getEigenvectors().getColumn(0);
    // the data's PC1 is not the generating direction exactly (the test is about PCA, not d)
    expect(Math.abs(cosine(pc1, d))).toBeLessThan(0.9999);

    const spec: LayersSpec = {
      organisms: 1,
      layers: [
        { name: 'in', size: D, role: 'input' },
        { name: 'h', size: 1, role: 'output', soma: { f: 'linear' } },
      ],
      projections: [{ from: 'in', to: 'h', connect: { kind: 'full' }, init: { min: 0.05, max: 0.5 } }],
    };
    const tensor = fromLayers(spec, 3);
    const w0 = Array.from(tensor.w);
    expect(Math.abs(cosine(w0, pc1)), 'initial weights are not already PC1').toBeLessThan(0.95);
    const epochs = 25;
    const T = epochs * M;
    const inputs = new Float32Array(T * D);
    for (let t = 0; t < T; t++) inputs.set(data[(t * 7919) % M], t * D); // a fixed permutation order (M coprime with 7919)
    const st = await train(tensor, oja, { eta: 0.005 }, inputs, T);
    const w = Array.from(st.w);
    const c = Math.abs(cosine(w, pc1));
    console.info(`[oja] |cos(w, PC1)| = ${c.toFixed(5)} (initial ${Math.abs(cosine(w0, pc1)).toFixed(3)}), |w| = ${Math.hypot(...w).toFixed(4)}`);
    expect(c, `|cos(w, PC1)| = ${c}, w = ${w.map((x) => x.toFixed(3))}, pc1 = ${pc1.map((x) => x.toFixed(3))}`).toBeGreaterThan(0.99);
    // and Oja's normalization: |w| → 1
    expect(Math.hypot(...w)).toBeGreaterThan(0.9);
    expect(Math.hypot(...w)).toBeLessThan(1.1);
  });
});

describe('BCM', () => {
  // 4 patterns over 8 inputs: pattern k has pixels 2k and 2k+1 at 1 (its own) and pixel 2k+2 (the
  // next pattern's first pixel) at 0.5, so patterns overlap and a selective unit must learn to
  // ignore the shared pixels.
  const K = 4;
  const NIN = 8;
  const patterns = Array.from({ length: K }, (_, k) => {
    const x = new Array<number>(NIN).fill(0);
    x[2 * k] = 1;
    x[2 * k + 1] = 1;
    x[(2 * k + 2) % NIN] = 0.5;
    return x;
  });
  const UNITS = 6;

  /** Response of each unit (relu, θ = 0, no bias) to each pattern, from the weights. */
  function responses(t: SynapseTensor, w: ArrayLike<number>): number[][] {
    const out: number[][] = [];
    for (let j = 0; j < UNITS; j++) {
      const n = NIN + j;
      const s0 = t.segSynStart[t.neuronSegStart[n]];
      const s1 = t.segSynStart[t.neuronSegStart[n + 1]];
      out.push(patterns.map((x) => {
        let u = 0;
        for (let s = s0; s < s1; s++) u += w[s] * x[t.pre[s]];
        return Math.max(u, 0);
      }));
    }
    return out;
  }
  /** Selectivity 1 − mean/max of a unit's responses (Bienenstock et al. 1982): 0 = equal, 1 − 1/K = one pattern only. */
  const selectivity = (r: number[]) => 1 - r.reduce((a, b) => a + b, 0) / r.length / Math.max(...r);
  /** How many patterns a unit responds to strongly (at least half its best response). */
  const strong = (r: number[]) => r.filter((x) => x >= 0.5 * Math.max(...r)).length;

  it('units trained on 4 overlapping patterns each respond strongly to one of them (selectivity > 0.65)', async () => {
    const spec: LayersSpec = {
      organisms: 1,
      layers: [
        { name: 'in', size: NIN, role: 'input' },
        { name: 'h', size: UNITS, role: 'output', soma: { f: 'relu' } },
      ],
      projections: [{ from: 'in', to: 'h', connect: { kind: 'full' }, init: { min: 0.05, max: 0.5 } }],
    };
    const tensor = fromLayers(spec, 11);
    const before = responses(tensor, tensor.w);
    for (const r of before) expect(selectivity(r), 'not selective before learning').toBeLessThan(0.35);
    const T = 30_000;
    const inputs = new Float32Array(T * NIN);
    for (let t = 0; t < T; t++) inputs.set(patterns[Math.floor(uniform(5, 77, t) * K)], t * NIN);
    const st = await train(tensor, bcm, { eta: 0.002, tau: 20 }, inputs, T);
    const after = responses(tensor, st.w);
    const report = after.map((r) => r.map((x) => x.toFixed(2)).join(' ')).join(' | ');
    console.info(`[bcm] responses per unit (4 patterns): ${report}; selectivity before ${before.map((r) => selectivity(r).toFixed(2)).join(' ')}, after ${after.map((r) => selectivity(r).toFixed(2)).join(' ')}; θM ${Array.from(st.terms.subarray(NIN, NIN + UNITS), (x) => x.toFixed(2)).join(' ')}`);
    for (const r of after) {
      expect(Math.max(...r), `a unit stayed silent: ${report}`).toBeGreaterThan(1);
      expect(selectivity(r), `selectivity: ${report}`).toBeGreaterThan(0.65);
      expect(strong(r), `strong responses: ${report}`).toBeLessThan(K / 2); // a minority (here: one)
    }
    // the threshold tracks post²: at the selective fixed point a unit answers about 1/p = K to its
    // pattern and θM ≈ E[post²] ≈ K (it fluctuates with the last ~τ presentations)
    for (let j = 0; j < UNITS; j++) {
      expect(st.terms[NIN + j], `θM of unit ${j}`).toBeGreaterThan(0.25);
      expect(st.terms[NIN + j], `θM of unit ${j}`).toBeLessThan(K * K);
    }
    // different initial weights → not all units pick the same pattern
    const preferred = new Set(after.map((r) => r.indexOf(Math.max(...r))));
    expect(preferred.size, `preferred patterns: ${report}`).toBeGreaterThan(1);
  });
});

describe('cubic Hebbian', () => {
  it('prefers a rare strong conjunction to a frequent weak pattern that plain Hebbian learning follows', async () => {
    // inputs 0-3: all 1 together with probability 0.05 (else 0); inputs 4-7: each 0.4 with
    // probability 0.7, independently. E[x xᵀ] has eigenvalue 0.2 on block A and ≈ 0.35 on block B, so
    // the l2-normalised Hebbian unit ends on B. The cube weighs a co-activation by (pre·post)³: on A's
    // rare steps pre·post is several times larger than on B's, and far larger after the cube, which
    // outweighs A's lower frequency. B keeps some weight (≈ 0.14 of |w|²): it is often on during A's
    // steps too, when post is large. Measured: Hebbian 0.08 on A, cubic 0.86.
    const T = 16000;
    const x = new Float32Array(T * 8);
    for (let t = 0; t < T; t++) {
      const on = uniform(11, 503, t) < 0.05 ? 1 : 0;
      for (let i = 0; i < 4; i++) x[t * 8 + i] = on;
      for (let i = 4; i < 8; i++) x[t * 8 + i] = uniform(11, 504, t * 8 + i) < 0.7 ? 0.4 : 0;
    }
    const spec: LayersSpec = {
      organisms: 1,
      layers: [
        { name: 'in', size: 8, role: 'input' },
        { name: 'out', size: 1, role: 'output', soma: { f: 'linear' } },
      ],
      projections: [{ from: 'in', to: 'out', connect: { kind: 'full' }, init: { min: 0.3, max: 0.4 } }],
    };
    const shareA = (w: Float32Array) => {
      const a = w.slice(0, 4).reduce((s, v) => s + v * v, 0);
      return a / w.reduce((s, v) => s + v * v, 0);
    };
    const heb = await train(fromLayers(spec, 1), hebbian, { eta: 0.01, decay: 0 }, x, T, 10, 'l2');
    const cub = await train(fromLayers(spec, 1), cubicHebbian, { eta: 0.4, gain: 1, shrink: 0 }, x, T, 10, 'l2');
    console.info(`[cubic] share of |w|² on the rare conjunction: hebbian ${shareA(heb.w).toFixed(3)}, cubic ${shareA(cub.w).toFixed(3)}`);
    expect(shareA(heb.w)).toBeLessThan(0.15);
    expect(shareA(cub.w)).toBeGreaterThan(0.75);
  });
});
