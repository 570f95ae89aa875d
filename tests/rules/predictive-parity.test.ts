// cpu/webgpu parity of the predictive rule (SPEC §3, §4), as tests/rules/ei-parity.test.ts: cpu with
// one thread is the reference, two threads bit-identical, webgpu within 1e-5 relative after one step
// and 1e-4 after 100 plastic steps. The network is the predictive loop of
// configs/rules/predictive-glider.json (error units with a learnt bias through homeostasis, a
// prediction of sign −1, integrating clamp01 code units), 2 organisms, larger rates so one step
// moves the weights visibly.
import { describe, expect, it } from 'vitest';
import { predictive } from '../../rules/predictive.ts';
import type { BackendInit } from '../../sim/backend.ts';
import { fromLayers, type LayersSpec } from '../../sim/build.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import { relErr } from '../parity/fixtures.ts';
import { finiteCompare, KINDS, LONG_RUN_TOL, ONE_STEP_TOL, referenceCache, simulate } from '../parity/run-compare.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';

const webgpu = useWebgpu();

const loopSpec: LayersSpec = {
  organisms: 2,
  layers: [
    { name: 'x', size: 9, role: 'input' },
    { name: 'err', size: 9, role: 'hidden', segments: 2, soma: { f: 'linear' }, homeostasis: { eta: 0.05, target: 0 } },
    { name: 'code', size: 4, role: 'hidden', segments: 2, soma: { f: 'clamp01', alpha: 0.3 } },
  ],
  projections: [
    { from: 'x', to: 'err', connect: { kind: 'oneToOne' }, init: { min: 1, max: 1 }, segment: 0, plastic: false },
    { from: 'code', to: 'err', connect: { kind: 'full' }, init: { min: -0.5, max: 0.5 }, segment: 1, sign: -1 },
    { from: 'err', to: 'code', connect: { kind: 'full' }, init: { min: -0.5, max: 0.5 }, segment: 0 },
    { from: 'code', to: 'code', connect: { kind: 'oneToOne' }, init: { min: 1, max: 1 }, segment: 1, plastic: false },
  ],
};
const PARAMS = { etaF: 0.05, etaB: 0.1, decay: 0.01 };
const PLASTICITY = { wMin: -2, wMax: 2, normalize: 'none' as const, normalizeTarget: 1 };

const compare = finiteCompare(['a', 'v', 'w', 'theta'] as const);
const reference = referenceCache();

describe.each(KINDS)('predictive: $kind against cpu (1 thread)', ({ kind, exact }) => {
  it('one step after 20 settling steps', { timeout: 60_000 }, async (ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    // the code is 0 at first, so the first steps only decay: compare the step after the loop runs
    const init = (): BackendInit => ({ tensor: fromLayers(loopSpec, 4), rule: compileRule(predictive, PARAMS), plasticity: PLASTICITY, maxChunk: 20 });
    const ref = await reference('one', init, [20, 1]);
    const before = await reference('before', init, [20]);
    expect(relErr(ref.state.w, before.state.w), 'weights moved in the compared step').toBeGreaterThan(1e-4);
    compare(await simulate(kind, init(), [20, 1]), ref, exact, ONE_STEP_TOL);
  });

  it('100 plastic steps in 4 runs', { timeout: 120_000 }, async (ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const init = (): BackendInit => ({ tensor: fromLayers(loopSpec, 3), rule: compileRule(predictive, PARAMS), plasticity: PLASTICITY, maxChunk: 25 });
    const chunks = [25, 25, 25, 25];
    const ref = await reference('long', init, chunks);
    expect(relErr(ref.state.w, init().tensor.w), 'weights learned').toBeGreaterThan(0.05);
    const errs = compare(await simulate(kind, init(), chunks), ref, exact, LONG_RUN_TOL);
    if (!exact) console.info(`[predictive parity] ${kind} after 100 steps: ${Object.entries(errs).map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);
  });
});
