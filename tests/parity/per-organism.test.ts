// Per-organism rule parameters (compileRule's `perOrganism`, BackendInit.orgParams): every backend
// against the cpu reference, the oracle against the cpu bit for bit, and the cpu against the rule
// compiled with constants (the defaults give the identical result; each organism computes what
// the rule compiled with its own values computes, and organisms with other values diverge).
import { describe, expect, it } from 'vitest';
import { hebbian } from '../../rules/hebbian.ts';
import type { BackendInit, NetworkState, PlasticityOptions } from '../../sim/backend.ts';
import { fromLayers } from '../../sim/build.ts';
import { compileRule, type CompiledRule, RuleError } from '../../sim/compiler/compile.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import { inputSize, type SynapseTensor } from '../../sim/tensor.ts';
import { oracle } from '../sim/oracle.ts';
import { createBackend, defaultPlasticity, groupSpec, mixedSpec, samples } from './fixtures.ts';
import { bitEqual, compareStates, KINDS, ONE_STEP_TOL, referenceCache, simulate, type SimResult } from './run-compare.ts';
import { useWebgpu } from './webgpu-availability.ts';

const webgpu = useWebgpu();

/** Per-organism parameters in every expression context: Δw, a slot, a term, the contribution, the segment. */
const everywhere: RuleDef = {
  name: 'per-organism-everywhere',
  params: { eta: { default: 0.05, min: 0 }, tau: { default: 0.2 }, cScale: { default: 1 }, dScale: { default: 0.5 } },
  slots: { e: { init: 0.1, update: 'e + tau * (pre - e)' } },
  terms: { m: { init: 0.1, update: 'm + tau * (post * post - m)' } },
  update: 'eta * (pre * (post - m) + 0.1 * e) / fanin - 0.001 * w',
  contribution: 'cScale * sign * w * pre',
  segment: 'v > 0.2 ? dScale * tanh(v) + 0.1 : v',
};

interface Case {
  name: string;
  def: RuleDef;
  /** Per-organism values, one row per organism (organism 0 keeps the defaults). */
  values: Record<string, number>[];
  tensor: () => SynapseTensor;
  plasticity: PlasticityOptions;
}

const ALL = ['eta', 'tau', 'cScale', 'dScale'];
const everywhereValues = [
  { eta: 0.05, tau: 0.2, cScale: 1, dScale: 0.5 },
  { eta: 0.2, tau: 0.5, cScale: 1.5, dScale: 0.8 },
  { eta: 0.01, tau: 0.05, cScale: 0.7, dScale: 0.3 },
];
const mixed3 = () => fromLayers({ ...mixedSpec, organisms: 3 }, 5);
const CASES: Case[] = [
  // η per organism, λ a constant: the default contribution's fast path
  { name: "hebbian, per-organism η (λ constant), mixed E/I layers", def: hebbian, values: [{ eta: 1e-3 }, { eta: 0.05 }, { eta: 0.3 }], tensor: mixed3, plasticity: defaultPlasticity },
  { name: 'every context, mixed E/I layers, 2 segments', def: everywhere, values: everywhereValues, tensor: mixed3, plasticity: defaultPlasticity },
  { name: 'every context, kwta and softmax groups (the group phase evaluates the terms)', def: everywhere, values: everywhereValues, tensor: () => fromLayers(groupSpec, 5), plasticity: defaultPlasticity },
  { name: 'every context, l2 normalization (two row calls per row)', def: everywhere, values: everywhereValues, tensor: mixed3, plasticity: { wMin: 0, wMax: 1, normalize: 'l2', normalizeTarget: 0.8 } },
];

const names = (c: Case) => Object.keys(c.values[0]);
const packValues = (c: Case) => Float32Array.from(c.values.flatMap((v) => names(c).map((k) => v[k])));
const perOrgInit = (c: Case): BackendInit => ({
  tensor: c.tensor(),
  rule: compileRule(c.def, {}, { perOrganism: names(c) }),
  orgParams: packValues(c),
  plasticity: c.plasticity,
  maxChunk: 4,
  record: { every: 3, capacity: 2 },
});
const CHUNKS = [4, 1, 3];
const FIELDS = ['a', 'v', 'w', 'theta', 'slots', 'terms'] as const;
const reference = referenceCache();

describe.each(KINDS)('$kind against cpu (1 thread), per-organism parameters', ({ kind, exact }) => {
  it.for(CASES)('$name', { timeout: 60_000 }, async (c, ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const ref = await reference(c.name, () => perOrgInit(c), CHUNKS);
    compareStates(await simulate(kind, perOrgInit(c), CHUNKS), ref, FIELDS, exact, ONE_STEP_TOL);
  });
});

/** The oracle stepped over simulate's samples (chunk i: seed 1 + i). */
function runOracle(init: BackendInit, chunks: number[]) {
  const o = oracle(init.tensor, init.rule, init.plasticity, init.orgParams);
  const nIn = inputSize(init.tensor);
  for (const [i, T] of chunks.entries()) {
    const x = samples(T, nIn, 1 + i);
    for (let p = 0; p < T; p++) o.step(x.subarray(p * nIn, (p + 1) * nIn));
  }
  return o.state;
}

/** Organism o's part of every state field (slots and terms are slot- and term-major). */
function organismPart(s: Pick<NetworkState, (typeof FIELDS)[number]>, t: SynapseTensor, rule: CompiledRule, o: number): Record<string, Float32Array> {
  const N = t.role.length;
  const S = t.w.length;
  const [n0, n1] = [t.orgNeuronStart[o], t.orgNeuronStart[o + 1]];
  const [s0, s1] = [t.orgSynStart[o], t.orgSynStart[o + 1]];
  const [g0, g1] = [t.neuronSegStart[n0], t.neuronSegStart[n1]];
  const cat = (parts: Float32Array[]) => Float32Array.from(parts.flatMap((p) => Array.from(p)));
  return {
    a: s.a.slice(n0, n1),
    v: s.v.slice(g0, g1),
    w: s.w.slice(s0, s1),
    theta: s.theta.slice(n0, n1),
    slots: cat(rule.slotNames.map((_, k) => s.slots.slice(k * S + s0, k * S + s1))),
    terms: cat(rule.termNames.map((_, k) => s.terms.slice(k * N + n0, k * N + n1))),
  };
}

const sameBits = (a: Record<string, Float32Array>, b: Record<string, Float32Array>) => Object.keys(a).every((k) => bitEqual(a[k], b[k]));

describe('cpu, per-organism parameters', () => {
  it.for(CASES)('the oracle matches the cpu bit for bit: $name', { timeout: 60_000 }, async (c) => {
    const init = perOrgInit(c);
    const cpu = await reference(c.name, () => perOrgInit(c), CHUNKS);
    const o = runOracle(init, CHUNKS);
    for (const f of FIELDS) expect(bitEqual(cpu.state[f], o[f]), `${f} bit-identical`).toBe(true);
  });

  it.for(CASES)('defaults give what the constant-compiled rule gives, bit for bit: $name', { timeout: 60_000 }, async (c) => {
    const constant = await simulate('cpu', { ...perOrgInit(c), rule: compileRule(c.def), orgParams: undefined }, CHUNKS);
    const rule = compileRule(c.def, {}, { perOrganism: names(c) });
    const defaults = Float32Array.from(c.values.flatMap(() => names(c).map((k) => rule.params[k])));
    for (const orgParams of [defaults, undefined]) {
      const out: SimResult = await simulate('cpu', { ...perOrgInit(c), rule, orgParams }, CHUNKS);
      compareStates(out, constant, FIELDS, true, 0);
    }
  });

  it.for(CASES)('each organism computes what the rule compiled with its values computes, and they diverge: $name', { timeout: 60_000 }, async (c) => {
    const init = perOrgInit(c);
    const t = init.tensor;
    const perOrg = (await reference(c.name, () => perOrgInit(c), CHUNKS)).state;
    const atDefaults = (await simulate('cpu', { ...init, rule: compileRule(c.def), orgParams: undefined }, CHUNKS)).state;
    expect(c.values.length).toBeGreaterThanOrEqual(3);
    for (const [o, values] of c.values.entries()) {
      const own = await simulate('cpu', { ...init, rule: compileRule(c.def, values), orgParams: undefined }, CHUNKS);
      const part = organismPart(perOrg, t, init.rule, o);
      expect(sameBits(part, organismPart(own.state, t, init.rule, o)), `organism ${o} = the rule compiled with ${JSON.stringify(values)}`).toBe(true);
      // organism 0 keeps the defaults; the others' values change their weights and activities
      const moved = !bitEqual(part.w, organismPart(atDefaults, t, init.rule, o).w) && !bitEqual(part.a, organismPart(atDefaults, t, init.rule, o).a);
      expect(moved, `organism ${o} diverges from the defaults`).toBe(o > 0);
    }
  });
});

describe('per-organism parameters: bad input', () => {
  it('compileRule names unknown per-organism parameters', () => {
    expect(() => compileRule(hebbian, {}, { perOrganism: ['eta', 'etaa'] })).toThrow(RuleError);
    expect(() => compileRule(hebbian, {}, { perOrganism: ['eta', 'etaa'] })).toThrow(/'etaa'/);
  });
  it('without perOrganism the rule has no per-organism parameters and inlines every one', () => {
    const r = compileRule(everywhere);
    expect(r.orgParamNames).toEqual([]);
    expect(r.dw.js).not.toContain('v_eta');
    const p = compileRule(everywhere, {}, { perOrganism: ALL });
    expect(p.orgParamNames).toEqual(ALL);
    expect(p.dw.js).toContain('v_eta');
    expect(p.contribution.wgsl).toContain('v_cScale');
  });
  it.for(['cpu', 'webgpu'] as const)('%s: orgParams of the wrong length or not finite is an error naming the field', async (kind, ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const init = perOrgInit(CASES[1]);
    await expect(createBackend(kind, { ...init, orgParams: new Float32Array(5) })).rejects.toThrow(/orgParams holds 5 values, expected 12 \(3 organisms × 4/);
    const nan = packValues(CASES[1]);
    nan[6] = NaN;
    await expect(createBackend(kind, { ...init, orgParams: nan })).rejects.toThrow(/orgParams\[6\] \(organism 1, parameter 'cScale'\)/);
  });
});
