// cpu/webgpu parity of the ei-balance rule (SPEC §3, §4), following tests/rules/parity.test.ts: the
// cpu backend with one thread is the reference; cpu with two threads must be bit-identical; webgpu
// must be within 1e-5 relative error after one step and 1e-4 after 100 plastic steps. WebGPU
// unavailable → skipped with the reason (fails under SPRINGTAIL_REQUIRE_WEBGPU=1).
import { describe, expect, it } from 'vitest';
import { eiBalance } from '../../rules/ei-balance.ts';
import type { BackendInit } from '../../sim/backend.ts';
import { fromLayers, type LayersSpec } from '../../sim/build.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import type { SynapseTensor } from '../../sim/tensor.ts';
import { mixedTensor, relErr } from '../parity/fixtures.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';
import { finiteCompare, KINDS, LONG_RUN_TOL, ONE_STEP_TOL, referenceCache, simulate } from '../parity/run-compare.ts';

const webgpu = useWebgpu();

/**
 * 2 organisms with plastic inhibitory synapses of both kinds: Dale (I → E, I → out) and a
 * projection's own sign −1 (in → out, segment 1); plastic excitatory ones (in → E, E → I, E → out);
 * sigmoid E units with homeostasis, clamp01 I units with a bias, relu outputs.
 */
const eiSpec: LayersSpec = {
  organisms: 2,
  layers: [
    { name: 'in', size: 6, role: 'input' },
    { name: 'e', size: 10, role: 'hidden', segments: 2, soma: { f: 'sigmoid', gain: 2, theta: 0.3, alpha: 0.5 }, homeostasis: { eta: 0.01, target: 0.2 } },
    { name: 'i', size: 4, role: 'hidden', sign: -1, soma: { f: 'clamp01', bias: 0.2 } },
    { name: 'out', size: 3, role: 'output', segments: 2, soma: { f: 'relu' } },
  ],
  projections: [
    { from: 'in', to: 'e', connect: { kind: 'prob', p: 0.7 }, init: { min: 0, max: 0.5 } },
    { from: 'i', to: 'e', connect: { kind: 'full' }, init: { min: 0, max: 0.3 }, segment: 1 },
    { from: 'e', to: 'i', connect: { kind: 'fanIn', k: 3 }, init: { min: 0, max: 0.5 } },
    { from: 'e', to: 'out', connect: { kind: 'full' }, init: { min: 0, max: 0.4 } },
    { from: 'i', to: 'out', connect: { kind: 'full' }, init: { min: 0, max: 0.2 } },
    { from: 'in', to: 'out', connect: { kind: 'full' }, init: { min: 0, max: 0.2 }, segment: 1, sign: -1 },
  ],
};
const eiTensor = (seed = 5) => fromLayers(eiSpec, seed);

/** 1 where the synapse's contribution is inhibitory (projection sign, else the pre neuron's). */
function inhibitoryMask(t: SynapseTensor): Uint8Array {
  const m = new Uint8Array(t.w.length);
  for (let n = 0; n < t.role.length; n++) {
    const base = t.orgNeuronStart[t.org[n]];
    for (let g = t.neuronSegStart[n]; g < t.neuronSegStart[n + 1]; g++)
      for (let s = t.segSynStart[g]; s < t.segSynStart[g + 1]; s++) m[s] = (t.segSign[g] !== 0 ? t.segSign[g] : t.sign[base + t.pre[s]]) < 0 ? 1 : 0;
  }
  return m;
}
const pick = (x: Float32Array, m: Uint8Array, on: number) => x.filter((_, s) => m[s] === on);

const FIELDS = ['a', 'v', 'w', 'theta'] as const;
const compare = finiteCompare(FIELDS);
const reference = referenceCache();

// Rates large enough that one step moves the weights visibly (comparing unchanged weights would
// prove nothing); etaE > 0 so that both branches of the rule run.
const PARAMS: [string, Record<string, number>][] = [
  ['etaI 0.2, etaE 0.05, rho0 0.1', { etaI: 0.2, rho0: 0.1, etaE: 0.05 }],
  ['etaI 0.2, etaE 0 (fixed excitation), rho0 0.3', { etaI: 0.2, rho0: 0.3 }],
];
const ONE_STEP: [string, () => SynapseTensor, Record<string, number>][] = [
  ...PARAMS.map(([pname, params]): [string, () => SynapseTensor, Record<string, number>] => [`${pname} on the E/I network (plastic inhibition: Dale and projection sign, 2 organisms)`, () => eiTensor(5), params]),
  // the shared fixture's inhibition is fixed (plastic: false) or has a projection sign +1, so only
  // the excitatory branch runs there: etaE > 0
  [`${PARAMS[0][0]} on the shared mixed E/I fixture (fixed inhibition, projection sign +1)`, () => mixedTensor(7), PARAMS[0][1]],
];

describe.each(KINDS)('ei-balance: $kind against cpu (1 thread)', ({ kind, exact }) => {
  it.for(ONE_STEP)('one step: %s', { timeout: 60_000 }, async ([name, tensor, params], ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const init = (): BackendInit => ({ tensor: tensor(), rule: compileRule(eiBalance, params), plasticity: { wMin: 0, wMax: 1, normalize: 'none', normalizeTarget: 1 }, maxChunk: 1 });
    const ref = await reference(`1:${name}`, init, [1]);
    expect(relErr(ref.state.w, init().tensor.w), 'weights moved').toBeGreaterThan(1e-4);
    compare(await simulate(kind, init(), [1]), ref, exact, ONE_STEP_TOL);
  });

  it.for(PARAMS)('100 plastic steps in 4 runs: %s on the E/I network', { timeout: 120_000 }, async ([pname, params], ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const init = (): BackendInit => ({ tensor: eiTensor(3), rule: compileRule(eiBalance, params), plasticity: { wMin: 0, wMax: 10, normalize: 'none', normalizeTarget: 1 }, maxChunk: 25 });
    const chunks = [25, 25, 25, 25];
    const ref = await reference(`long:${pname}`, init, chunks);
    // not vacuous: the inhibitory weights learned (and the excitatory ones when etaE > 0)
    const t0 = init().tensor;
    const inh = inhibitoryMask(t0);
    expect(inh.reduce((a, v) => a + v, 0)).toBeGreaterThan(20);
    expect(relErr(pick(ref.state.w, inh, 1), pick(t0.w, inh, 1)), 'inhibitory weights moved').toBeGreaterThan(0.05);
    const excMoved = relErr(pick(ref.state.w, inh, 0), pick(t0.w, inh, 0));
    if ((params.etaE ?? 0) > 0) expect(excMoved, 'excitatory weights moved').toBeGreaterThan(0.01);
    else expect(excMoved, 'excitatory weights fixed').toBe(0);
    const errs = compare(await simulate(kind, init(), chunks), ref, exact, LONG_RUN_TOL);
    if (!exact) console.info(`[ei-balance parity] ${kind} after 100 steps (${pname}): ${Object.entries(errs).map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);
  });
});
