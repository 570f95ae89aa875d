// The shared parity suite (SPEC §3): every available backend against the cpu reference (1 thread).
// cpu with 2 threads must be bit-identical (rows are independent within a step); webgpu (f32, on
// SwiftShader here) must be within 1e-5 relative error for one step and within the documented
// tolerance for a 100-step plastic run. An unavailable backend is skipped with its reason, and under
// SPRINGTAIL_REQUIRE_WEBGPU=1 its absence fails the suite.
import { describe, expect, it } from 'vitest';
import { hebbian, oja } from '../../rules/hebbian.ts';
import { keyedDistance } from '../../rules/keyed-distance.ts';
import type { BackendInit, PlasticityOptions } from '../../sim/backend.ts';
import { fromLayers, randomTensor } from '../../sim/build.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import type { SynapseTensor } from '../../sim/tensor.ts';
import { bcmLike, signedSegment, tagged, type BackendKind, defaultPlasticity, groupSpec, mixedTensor, ojaSpec, relErr, separatedGroupsTensor, tiesTensor } from './fixtures.ts';
import { useWebgpu } from './webgpu-availability.ts';
import { compareStates, KINDS, LONG_RUN_TOL, ONE_STEP_TOL, referenceCache, simulate, type SimResult } from './run-compare.ts';

const webgpu = useWebgpu();


const FIELDS = ['a', 'v', 'w', 'theta', 'slots', 'terms'] as const;
const compare = (out: SimResult, ref: SimResult, exact: boolean, tol: number) => compareStates(out, ref, FIELDS, exact, tol);
const reference = referenceCache();

const RULES: [string, RuleDef][] = [
  ['hebbian', hebbian],
  ['oja', oja],
  ['keyed-distance', keyedDistance],
  ['bcm-like (terms, nonlinear segment)', bcmLike],
  ['signed-segment (segment nonlinearity of the projection sign)', signedSegment],
  ['tagged (contribution, update, slot and segment read the projection tag)', tagged],
];
const TENSORS: [string, () => SynapseTensor][] = [
  ['mixed E/I layers, 2 segments, 2 organisms, inputs', () => mixedTensor(7)],
  ['random fan-in, all excitatory, 2 organisms', () => randomTensor({ organisms: 2, neurons: 40, fanIn: 8, seed: 3, wInit: 0.4, soma: 'sigmoid', gain: 4, theta: 0.5 })],
  ['group somas: kwta (sizes 5, 3) and softmax (7) layers, leak, homeostasis, 3 organisms', () => fromLayers(groupSpec, 3)],
  ['kwta with ties (lower index wins), homeostasis, 2 organisms', tiesTensor],
];
const NORMALIZE: PlasticityOptions[] = [
  { wMin: 0, wMax: 1, normalize: 'l1', normalizeTarget: 1.5 },
  { wMin: 0, wMax: 1, normalize: 'l2', normalizeTarget: 0.8 },
  { wMin: 0, wMax: 0.6, normalize: 'subtractive', normalizeTarget: 1 },
];

function needBackend(kind: BackendKind, ctx: { skip: (note?: string) => never }) {
  if (kind === 'webgpu') webgpu.need(ctx);
}

describe.each(KINDS)('$kind against cpu (1 thread)', ({ kind, exact }) => {
  describe('one step', () => {
    for (const [tname, tensor] of TENSORS) {
      it.for(RULES)(`%s on ${tname}`, { timeout: 60_000 }, async ([rname, def], ctx) => {
        needBackend(kind, ctx);
        const init = (): BackendInit => ({ tensor: tensor(), rule: compileRule(def), plasticity: defaultPlasticity, maxChunk: 1, record: { every: 1, capacity: 2 } });
        const ref = await reference(`1:${tname}:${rname}`, init, [1]);
        compare(await simulate(kind, init(), [1]), ref, exact, ONE_STEP_TOL);
      });
    }
    it.for(NORMALIZE)('hebbian with $normalize normalization', { timeout: 60_000 }, async (plasticity, ctx) => {
      needBackend(kind, ctx);
      const init = (): BackendInit => ({ tensor: mixedTensor(11), rule: compileRule(hebbian, { eta: 0.05 }), plasticity, maxChunk: 1 });
      const ref = await reference(`1:norm:${plasticity.normalize}`, init, [1]);
      compare(await simulate(kind, init(), [1]), ref, exact, ONE_STEP_TOL);
    });
  });

  describe('a few steps over several runs (fused plasticity, pending across runs, recording)', () => {
    const cases: [string, RuleDef, PlasticityOptions][] = [...RULES.map(([n, d]): [string, RuleDef, PlasticityOptions] => [n, d, defaultPlasticity]), ['oja, l2 normalization', oja, NORMALIZE[1]], ['hebbian, subtractive normalization', hebbian, NORMALIZE[2]]];
    it.for(cases)(
      '%s',
      { timeout: 60_000 },
      async ([rname, def, plasticity], ctx) => {
        needBackend(kind, ctx);
        const init = (): BackendInit => ({ tensor: mixedTensor(5), rule: compileRule(def), plasticity, maxChunk: 4, record: { every: 3, capacity: 2 } });
        const chunks = [4, 1, 3];
        const ref = await reference(`few:${rname}:${plasticity.normalize}`, init, chunks);
        compare(await simulate(kind, init(), chunks), ref, exact, ONE_STEP_TOL);
      },
    );
  });

  describe('group somas over a few steps (several runs)', () => {
    it.for([
      ['oja', oja],
      ['bcm-like (terms, nonlinear segment)', bcmLike],
      ['keyed-distance (slots)', keyedDistance],
    ] as [string, RuleDef][])('%s', { timeout: 60_000 }, async ([rname, def], ctx) => {
      needBackend(kind, ctx);
      const init = (): BackendInit => ({ tensor: fromLayers(groupSpec, 5), rule: compileRule(def), plasticity: defaultPlasticity, maxChunk: 4, record: { every: 3, capacity: 2 } });
      const chunks = [4, 1, 3];
      const ref = await reference(`groups:${rname}`, init, chunks);
      compare(await simulate(kind, init(), chunks), ref, exact, ONE_STEP_TOL);
    });
  });

  // k-WTA is discontinuous: a near-tie may flip on f32 differences, so the winners here are well
  // separated (separatedGroupsTensor); softmax, homeostasis and Oja run throughout.
  it('100-step plastic simulation with kwta and softmax groups (oja)', async (ctx) => {
    needBackend(kind, ctx);
    const init = (): BackendInit => ({ tensor: separatedGroupsTensor(), rule: compileRule(oja, { eta: 0.05 }), plasticity: { wMin: 0, wMax: 0.05, normalize: 'none', normalizeTarget: 1 }, maxChunk: 25, record: { every: 10, capacity: 4 } });
    const chunks = [25, 25, 25, 25];
    const ref = await reference('long:groups', init, chunks);
    const out = await simulate(kind, init(), chunks);
    expect(relErr(ref.state.w, init().tensor.w)).toBeGreaterThan(0.1);
    const errs = compare(out, ref, exact, LONG_RUN_TOL);
    if (!exact) console.info(`[parity] ${kind} (${out.device}) after 100 steps with groups: ${Object.entries(errs).map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);
  }, 60_000);

  it('100-step plastic simulation (oja, input → hidden, inputs)', async (ctx) => {
    needBackend(kind, ctx);
    const init = (): BackendInit => ({ tensor: fromLayers(ojaSpec, 2), rule: compileRule(oja, { eta: 0.02 }), plasticity: { wMin: 0, wMax: 10, normalize: 'none', normalizeTarget: 1 }, maxChunk: 25, record: { every: 10, capacity: 4 } });
    const chunks = [25, 25, 25, 25];
    const ref = await reference('long:oja', init, chunks);
    const out = await simulate(kind, init(), chunks);
    // not vacuous: learning moved the weights far from their initial values
    expect(relErr(ref.state.w, init().tensor.w)).toBeGreaterThan(0.1);
    const errs = compare(out, ref, exact, LONG_RUN_TOL);
    if (!exact) console.info(`[parity] ${kind} (${out.device}) after 100 oja steps: ${Object.entries(errs).map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);
  }, 60_000);
});
