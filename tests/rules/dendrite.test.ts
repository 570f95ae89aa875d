// Unit tests of the dendrite rules (rules/dendrite.ts, SPEC §2 step 3 and §4): segment outputs and
// plateau-gated updates on tiny networks, cpu, against numbers worked out here by hand from the step
// in sim/README.md: v = Σ c(s) with the current weights, d = δ(v), u = Σ_g d (+ bias), post = u − θ
// (linear soma, α = 1, θ = 0), then Δw from pre (this step's input), w, v and d of the synapse's own
// segment. Computed in f64 here; the backend computes in f32, hence the 1e-6 tolerance.
import { describe, expect, it } from 'vitest';
import { dendriteAnd, dendritePlateau, dendriteRules, dendriteSigmoid } from '../../rules/dendrite.ts';
import { fromLists, type SynapseSpec } from '../../sim/build.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import type { NetworkState } from '../../sim/backend.ts';
import { close, runSteps } from './by-hand.ts';

/** Run the steps `xs` on `nIn` inputs → one linear unit with `segments` segments; read the state back. */
async function tiny(def: RuleDef, params: Record<string, number>, nIn: number, segments: number, synapses: SynapseSpec[], xs: number[][]): Promise<NetworkState> {
  const neurons = [...Array.from({ length: nIn }, () => ({ role: 'input' as const })), { role: 'output' as const, soma: 'linear' as const, segments }];
  const tensor = fromLists([{ neurons, synapses }]);
  return (await runSteps(tensor, def, params, xs)).state;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
// the unit after two inputs; every neuron has at least one segment, so with one segment per input
// the unit's (first) segment is v[2] too
const UNIT = 2;
const two = (w0: [number, number]): SynapseSpec[] => [
  { pre: 0, post: UNIT, w: w0[0] },
  { pre: 1, post: UNIT, w: w0[1] },
];

describe('registry', () => {
  it('every dendrite rule has a nonlinear segment; defaults make single inputs sub-threshold', () => {
    expect(dendriteRules.map((r) => r.name)).toEqual(['dendrite-plateau', 'dendrite-sigmoid', 'dendrite-and']);
    for (const def of dendriteRules) expect(def.segment, 'a nonlinear segment').toBeDefined();
    // target below the plateau threshold, two targets above it: single inputs stay sub-threshold
    const p = dendritePlateau.params;
    expect(p.target.default).toBeLessThan(p.thetaD.default);
    expect(2 * p.target.default).toBeGreaterThan(p.thetaD.default);
  });
});

describe('hand-computed segment outputs and updates (2 inputs → 1 linear unit, cpu)', () => {
  const w0: [number, number] = [0.5, 0.25];

  it('dendrite-plateau: plateau → LTP toward target·pre; below threshold → sub·v and LTD of active synapses', async () => {
    const P = { thetaD: 0.6, plateau: 2, sub: 0.5, eta: 0.1, target: 0.8, ltd: 0.3 };
    const xs = [
      [1, 0.5],
      [0.4, 0.8],
    ];
    // step 1: v = 0.5 + 0.125 = 0.625 > 0.6 → d = plateau = 2 = post; w ← w + η(target·pre − w)
    const v1 = 0.625;
    const w1 = [0.5 + 0.1 * (0.8 * 1 - 0.5), 0.25 + 0.1 * (0.8 * 0.5 - 0.25)];
    expect(w1[0]).toBeCloseTo(0.53, 12);
    expect(w1[1]).toBeCloseTo(0.265, 12);
    const one = await tiny(dendritePlateau, P, 2, 1, two(w0), xs.slice(0, 1));
    close([one.v[UNIT], one.a[UNIT]], [v1, 2]);
    close(one.w, w1);
    // step 2: v = 0.53·0.4 + 0.265·0.8 = 0.424 < 0.6 → d = 0.5·0.424 = 0.212; Δw = −η·ltd·pre
    const v2 = w1[0] * 0.4 + w1[1] * 0.8;
    expect(v2).toBeCloseTo(0.424, 12);
    const w2 = [w1[0] - 0.1 * 0.3 * 0.4, w1[1] - 0.1 * 0.3 * 0.8]; // 0.518, 0.241
    const r = await tiny(dendritePlateau, P, 2, 1, two(w0), xs);
    close([r.v[UNIT], r.a[UNIT]], [v2, 0.5 * v2]);
    close(r.w, w2);
    expect(w2[0]).toBeCloseTo(0.518, 12);
  });

  it('dendrite-sigmoid: d = plateau·σ(gain·(v − θd)), soft gate g = d/plateau', async () => {
    const P = { thetaD: 0.5, gain: 4, plateau: 2, eta: 0.1, target: 0.8, ltd: 0.3 };
    const xs = [
      [1, 0.5],
      [0.4, 0.8],
    ];
    const upd = (w: number[], x: number[]) => {
      const v = w[0] * x[0] + w[1] * x[1];
      const g = sigmoid(4 * (v - 0.5));
      const d = 2 * g;
      return { v, d, w: w.map((wi, i) => wi + 0.1 * (g * (0.8 * x[i] - wi) - 0.3 * (1 - g) * x[i])) };
    };
    const s1 = upd(w0, xs[0]);
    // σ(0.5) = 0.622459…: d = 1.244918…
    expect(s1.d).toBeCloseTo(2 * 0.6224593312, 9);
    const one = await tiny(dendriteSigmoid, P, 2, 1, two(w0), xs.slice(0, 1));
    close([one.v[UNIT], one.a[UNIT]], [s1.v, s1.d]);
    close(one.w, s1.w);
    const s2 = upd(s1.w, xs[1]);
    const r = await tiny(dendriteSigmoid, P, 2, 1, two(w0), xs);
    close([r.v[UNIT], r.a[UNIT]], [s2.v, s2.d]);
    close(r.w, s2.w);
  });

  it('dendrite-and: d = plateau·Π(pre + ε)^w — both inputs on → plateau and LTP; one off → no plateau, LTD', async () => {
    const P = { eps: 0.1, plateau: 1, gate: 0.5, eta: 0.1, target: 1, ltd: 0.3 };
    const xs = [
      [1, 0.5],
      [0, 0.8],
    ];
    // step 1: v = 0.5·ln 1.1 + 0.25·ln 0.6; d = 1.1^0.5 · 0.6^0.25 = 0.92307… > 0.5 → plateau
    const v1 = 0.5 * Math.log(1.1) + 0.25 * Math.log(0.6);
    const d1 = Math.sqrt(1.1) * Math.pow(0.6, 0.25);
    expect(Math.exp(v1)).toBeCloseTo(d1, 12);
    expect(d1).toBeCloseTo(0.92307, 4);
    const w1 = [0.5 + 0.1 * (1 - 0.5), 0.25 + 0.1 * (0.5 - 0.25)]; // 0.55, 0.275
    const one = await tiny(dendriteAnd, P, 2, 1, two(w0), xs.slice(0, 1));
    close([one.v[UNIT], one.a[UNIT]], [v1, d1]);
    close(one.w, w1);
    // step 2: input 0 off: d = 0.1^0.55 · 0.9^0.275 = 0.2737… < 0.5 → Δw = −η·ltd·pre
    const v2 = w1[0] * Math.log(0.1) + w1[1] * Math.log(0.9);
    const d2 = Math.pow(0.1, 0.55) * Math.pow(0.9, 0.275);
    expect(d2).toBeCloseTo(0.2737, 3);
    const r = await tiny(dendriteAnd, P, 2, 1, two(w0), xs);
    close([r.v[UNIT], r.a[UNIT]], [v2, d2]);
    close(r.w, [w1[0], w1[1] - 0.1 * 0.3 * 0.8]);
  });
});

describe('two segments (4 inputs → 1 unit, inputs 0,1 on segment 0, inputs 2,3 on segment 1)', () => {
  const syn: SynapseSpec[] = [0, 1, 2, 3].map((i) => ({ pre: i, post: 4, segment: i < 2 ? 0 : 1, w: 0.6 }));
  const P = { thetaD: 1, plateau: 1, sub: 0, eta: 0.1, target: 0.75, ltd: 0.5 };

  it('each segment is an AND of its two inputs, the soma the OR (sum) of its segments', async () => {
    const cases: [number[], number[], number][] = [
      // input, v per segment, soma output
      [[1, 1, 1, 0], [1.2, 0.6], 1],
      [[1, 0, 1, 0], [0.6, 0.6], 0],
      [[0, 0, 1, 1], [0, 1.2], 1],
      [[1, 1, 1, 1], [1.2, 1.2], 2],
    ];
    for (const [x, v, a] of cases) {
      const r = await tiny(dendritePlateau, { ...P, eta: 0 }, 4, 2, syn, [x]);
      close(r.v.slice(4), v); // segments of the 4 inputs first (unused), then the unit's two
      close([r.a[4]], [a]);
    }
  });

  it('the plateau gate is per segment: the plateauing segment learns, the other one depresses', async () => {
    const r = await tiny(dendritePlateau, P, 4, 2, syn, [[1, 1, 1, 0]]);
    // segment 0 plateaus: w → w + η(0.75 − w) = 0.615 for both; segment 1 does not: input 2 (pre 1)
    // depresses by η·ltd = 0.05 → 0.55, input 3 (pre 0) is unchanged
    close(r.w, [0.615, 0.615, 0.55, 0.6]);
  });
});
