// Behavioural test of the dendrite rules (SPEC §4: "AND of co-active inputs", plasticity gated by
// the segment's plateau; journal lines 262-263, 297-306, 373): an AND segment learns a conjunction
// that a linear unit cannot.
//
// Four binary inputs A, B, C, D; each step shows one pattern: the pair AB (30%), each other pair
// (AC, AD, BC, BD, CD: 5% each), or a single input (11.25% each). One unit with one segment:
// - dendritic: `dendrite-plateau` (threshold θd = 1, plateau 1, sub-threshold slope 0.1) or
//   `dendrite-sigmoid` (θd = 1, gain 20: a steep sigmoid, soft plateau gate), initial
//   weights 0.55–0.65, so at first every pair (≈1.2) plateaus and no single input (≈0.6) does: the
//   unit is an AND of *any* two inputs. Plateau-gated plasticity must find the pair that co-occurs:
//   plateaus on AB pull w_A, w_B toward target 0.75 and push w_C, w_D toward 0 (heterosynaptic);
//   single inputs without plateau depress their synapse a little. After training only AB plateaus.
// - linear: the same unit with a linear segment (the default δ(v) = v) and Oja's rule (Hebbian,
//   self-normalized). Its weights pick out A and B too (AB is the strongest co-occurrence), but its
//   response is additive, r(AB) = r(A) + r(B), so max(r(A), r(B)) ≥ r(AB)/2 for any weights: the
//   single/pair ratio max(r(A), r(B))/r(AB) of a linear unit is at least 0.5.
// Responses are measured by the simulator (cpu) with η = 0, one step per probe pattern.
import { describe, expect, it } from 'vitest';
import { dendritePlateau, dendriteSigmoid } from '../../rules/dendrite.ts';
import { oja } from '../../rules/hebbian.ts';
import { fromLists } from '../../sim/build.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import { createCpuBackend } from '../../sim/cpu/backend.ts';
import { uniform } from '../../sim/random.ts';

const PATTERNS: [string, number[], number][] = [
  ['AB', [1, 1, 0, 0], 0.3],
  ['AC', [1, 0, 1, 0], 0.05],
  ['AD', [1, 0, 0, 1], 0.05],
  ['BC', [0, 1, 1, 0], 0.05],
  ['BD', [0, 1, 0, 1], 0.05],
  ['CD', [0, 0, 1, 1], 0.05],
  ['A', [1, 0, 0, 0], 0.1125],
  ['B', [0, 1, 0, 0], 0.1125],
  ['C', [0, 0, 1, 0], 0.1125],
  ['D', [0, 0, 0, 1], 0.1125],
];
const UNIT = 4;
const T = 4000;

/** T patterns drawn with the probabilities above (counter-based, seeded). */
function stream(seed: number): Float32Array {
  const x = new Float32Array(T * 4);
  for (let t = 0; t < T; t++) {
    let u = uniform(seed, 7, t);
    let k = 0;
    while (k < PATTERNS.length - 1 && u >= PATTERNS[k][2]) u -= PATTERNS[k++][2];
    x.set(PATTERNS[k][1], t * 4);
  }
  return x;
}

const net = (w: number[]) =>
  fromLists([
    {
      neurons: [...[0, 1, 2, 3].map(() => ({ role: 'input' as const })), { role: 'output' as const, soma: 'linear' as const }],
      synapses: w.map((wi, i) => ({ pre: i, post: UNIT, w: wi })),
    },
  ]);
const plasticity = { wMin: 0, wMax: 10, normalize: 'none' as const, normalizeTarget: 1 };

async function train(def: RuleDef, params: Record<string, number>, w0: number[], inputs: Float32Array): Promise<number[]> {
  const b = await createCpuBackend({ tensor: net(w0), rule: compileRule(def, params), plasticity, maxChunk: T, threads: 1 });
  try {
    expect((await b.run(T, inputs)).firstBadStep).toBe(-1);
    return Array.from((await b.readState()).w);
  } finally {
    await b.dispose();
  }
}

/** The unit's response to each pattern with frozen weights (η = 0). */
async function probe(def: RuleDef, params: Record<string, number>, w: number[]): Promise<Record<string, number>> {
  const b = await createCpuBackend({ tensor: net(w), rule: compileRule(def, { ...params, eta: 0 }), plasticity, maxChunk: 1, threads: 1 });
  try {
    const r: Record<string, number> = {};
    for (const [name, x] of PATTERNS) {
      await b.run(1, Float32Array.from(x));
      r[name] = (await b.readState()).a[UNIT];
    }
    return r;
  } finally {
    await b.dispose();
  }
}

/** max(r(A), r(B)) / r(AB): 1 for an OR, ≥ 0.5 for any linear unit, → 0 for an AND. */
const singleOverPair = (r: Record<string, number>) => Math.max(r.A, r.B) / r.AB;

const LIN: Record<string, number> = { eta: 0.01 };
// the AND segment: a hard threshold with a weak sub-threshold slope, or a steep sigmoid
const DENDRITIC: [string, RuleDef, Record<string, number>][] = [
  ['dendrite-plateau', dendritePlateau, { thetaD: 1, plateau: 1, sub: 0.1, eta: 0.05, target: 0.75, ltd: 0.1 }],
  ['dendrite-sigmoid', dendriteSigmoid, { thetaD: 1, gain: 20, plateau: 1, eta: 0.05, target: 0.75, ltd: 0.1 }],
];
const CASES = DENDRITIC.flatMap(([name, def, params]) => [1, 2, 3].map((seed) => ({ name, def, params, seed })));

describe('an AND segment learns a conjunction that a linear unit cannot (4 inputs, A∧B co-occur)', () => {
  it.for(CASES)('$name, seed $seed: the dendritic unit answers A∧B only; the linear one answers A and B at ≥ half strength', { timeout: 60_000 }, async ({ name, def, params: DEND, seed }) => {
    const w0 = [0, 1, 2, 3].map((i) => 0.55 + 0.1 * uniform(seed, 9, i));
    const x = stream(seed);

    // before learning: the AND segment plateaus on every pair, on no single input
    const before = await probe(def, DEND, w0);
    for (const p of ['AB', 'AC', 'AD', 'BC', 'BD', 'CD']) expect(before[p], `untrained ${p}`).toBeGreaterThan(0.9);
    for (const p of ['A', 'B', 'C', 'D']) expect(before[p], `untrained ${p}`).toBeLessThan(0.1);

    const wd = await train(def, DEND, w0, x);
    const rd = await probe(def, DEND, wd);
    const wl = await train(oja, LIN, w0, x);
    const rl = await probe(oja, LIN, wl);
    const ratioD = singleOverPair(rd);
    const ratioL = singleOverPair(rl);
    const otherD = Math.max(...PATTERNS.filter(([n]) => n !== 'AB').map(([n]) => rd[n]));
    console.info(
      `[dendrite behaviour] ${name}, seed ${seed}: dendritic w ${wd.map((v) => v.toFixed(3)).join(' ')}, r(AB) ${rd.AB.toFixed(3)}, r(A) ${rd.A.toFixed(3)}, r(B) ${rd.B.toFixed(3)}, max other ${otherD.toFixed(3)}, single/pair ${ratioD.toFixed(3)}; ` +
        `linear w ${wl.map((v) => v.toFixed(3)).join(' ')}, r(AB) ${rl.AB.toFixed(3)}, r(A) ${rl.A.toFixed(3)}, r(B) ${rl.B.toFixed(3)}, single/pair ${ratioL.toFixed(3)}`,
    );

    // dendritic: a full plateau on A∧B, every other pattern (single inputs, other pairs) weak
    expect(rd.AB).toBeGreaterThan(0.9);
    expect(otherD, 'strongest response to anything but AB').toBeLessThan(0.1);
    expect(ratioD).toBeLessThan(0.1);
    // linear: it did learn A and B (AB is its best pattern) …
    for (const [n] of PATTERNS) if (n !== 'AB') expect(rl[n], `linear r(${n}) < r(AB)`).toBeLessThan(rl.AB);
    expect(Math.min(wl[0], wl[1])).toBeGreaterThan(2 * Math.max(wl[2], wl[3]));
    // … but it is additive, so a single input gets at least half of the pair's response
    expect(Math.abs(rl.AB - rl.A - rl.B)).toBeLessThan(1e-5 * rl.AB);
    expect(ratioL).toBeGreaterThanOrEqual(0.5 - 1e-6);
    // the dendritic unit is far more AND-selective than the linear bound allows
    expect(ratioD).toBeLessThan(ratioL / 4);
  });
});

// Two AND segments, the soma their OR: (A∧B) ∨ (C∧D) against the other pairs is not linearly
// separable — for any linear unit r(AB) + r(CD) = r(AC) + r(BD) (both are the sum of the four
// weights), so min(r(AB), r(CD)) ≤ max(r(AC), r(BD)) and no soma threshold separates them. Each
// segment samples three of the four inputs (segment 0: A, B, C; segment 1: B, C, D — the journal's
// synapses placed by sampling the inputs, lines 310-314): that breaks the symmetry between the two
// segments, since the rule has no competition between segments of one neuron (with all four inputs on
// both segments, both commit to the same pair: measured, see rules/README.md). Stream: AB and CD
// 35% each, AC, AD, BC, BD 5% each, single inputs 2.5% each.
describe('two AND segments learn (A∧B) ∨ (C∧D), which a linear unit cannot', () => {
  const OR_PATTERNS: [string, number[], number][] = [
    ['AB', [1, 1, 0, 0], 0.35],
    ['CD', [0, 0, 1, 1], 0.35],
    ['AC', [1, 0, 1, 0], 0.05],
    ['AD', [1, 0, 0, 1], 0.05],
    ['BC', [0, 1, 1, 0], 0.05],
    ['BD', [0, 1, 0, 1], 0.05],
    ['A', [1, 0, 0, 0], 0.025],
    ['B', [0, 1, 0, 0], 0.025],
    ['C', [0, 0, 1, 0], 0.025],
    ['D', [0, 0, 0, 1], 0.025],
  ];
  const SEGMENTS = [
    [0, 1, 2],
    [1, 2, 3],
  ];
  const orNet = (w: number[], segmented: boolean) => {
    let i = 0;
    const synapses = segmented ? SEGMENTS.flatMap((pres, g) => pres.map((pre) => ({ pre, post: UNIT, segment: g, w: w[i++] }))) : w.map((wi, pre) => ({ pre, post: UNIT, w: wi }));
    return fromLists([{ neurons: [...[0, 1, 2, 3].map(() => ({ role: 'input' as const })), { role: 'output' as const, soma: 'linear' as const, segments: segmented ? 2 : 1 }], synapses }]);
  };
  const orStream = (seed: number) => {
    const x = new Float32Array(T * 4);
    for (let t = 0; t < T; t++) {
      let u = uniform(seed, 7, t);
      let k = 0;
      while (k < OR_PATTERNS.length - 1 && u >= OR_PATTERNS[k][2]) u -= OR_PATTERNS[k++][2];
      x.set(OR_PATTERNS[k][1], t * 4);
    }
    return x;
  };
  async function runOr(def: RuleDef, params: Record<string, number>, w0: number[], segmented: boolean, inputs: Float32Array) {
    let b = await createCpuBackend({ tensor: orNet(w0, segmented), rule: compileRule(def, params), plasticity, maxChunk: T, threads: 1 });
    let w: number[];
    try {
      expect((await b.run(T, inputs)).firstBadStep).toBe(-1);
      w = Array.from((await b.readState()).w);
    } finally {
      await b.dispose();
    }
    const respond = async (weights: number[]) => {
      b = await createCpuBackend({ tensor: orNet(weights, segmented), rule: compileRule(def, { ...params, eta: 0 }), plasticity, maxChunk: 1, threads: 1 });
      try {
        const r: Record<string, number> = {};
        for (const [name, x] of OR_PATTERNS) {
          await b.run(1, Float32Array.from(x));
          r[name] = (await b.readState()).a[UNIT];
        }
        return r;
      } finally {
        await b.dispose();
      }
    };
    return { w, before: await respond(w0), after: await respond(w) };
  }
  const P = { thetaD: 1, plateau: 1, sub: 0.1, eta: 0.05, target: 0.75, ltd: 0.1 };
  const OTHERS = ['AC', 'AD', 'BC', 'BD', 'A', 'B', 'C', 'D'];

  it.for([1, 2, 3])('seed %i', { timeout: 60_000 }, async (seed) => {
    const x = orStream(seed);
    const d = await runOr(dendritePlateau, P, Array.from({ length: 6 }, (_, i) => 0.55 + 0.1 * uniform(seed, 9, i)), true, x);
    const l = await runOr(oja, LIN, Array.from({ length: 4 }, (_, i) => 0.55 + 0.1 * uniform(seed, 9, i)), false, x);
    const otherD = Math.max(...OTHERS.map((n) => d.after[n]));
    console.info(
      `[dendrite behaviour] AB∨CD seed ${seed}: dendritic w ${d.w.map((v) => v.toFixed(3)).join(' ')}, r(AB) ${d.after.AB.toFixed(3)}, r(CD) ${d.after.CD.toFixed(3)}, max other ${otherD.toFixed(3)}; ` +
        `linear r(AB) ${l.after.AB.toFixed(3)} r(CD) ${l.after.CD.toFixed(3)} r(AC) ${l.after.AC.toFixed(3)} r(BD) ${l.after.BD.toFixed(3)}`,
    );
    // untrained, the segmented unit answers mixed pairs too (BC drives both segments)
    expect(d.before.BC).toBeGreaterThan(1.5);
    expect(Math.min(d.before.AC, d.before.BD)).toBeGreaterThan(0.9);
    // trained: both conjunctions answered fully, everything else weakly
    expect(Math.min(d.after.AB, d.after.CD)).toBeGreaterThan(0.9);
    expect(otherD, 'strongest response to a mixed pair or a single input').toBeLessThan(0.2);
    // linear: r(AB) + r(CD) = r(AC) + r(BD), so a mixed pair answers at least as much as the weaker conjunction
    expect(Math.abs(l.after.AB + l.after.CD - l.after.AC - l.after.BD)).toBeLessThan(1e-5 * l.after.AB);
    expect(Math.max(l.after.AC, l.after.BD)).toBeGreaterThanOrEqual(Math.min(l.after.AB, l.after.CD) - 1e-6);
  });
});
