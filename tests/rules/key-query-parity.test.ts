// cpu/webgpu parity of the key-query rule (SPEC §3, §4), as the other rule parity files: cpu with one
// thread is the reference, two threads bit-identical, webgpu within 1e-5 relative after one step and
// 1e-4 after 100 plastic steps. The network is the key-query-glider one (key synapses tagged 1, a
// softmax layer, values onto error units of sign −1), 2 organisms, with gates and allocation on.
import { describe, expect, it } from 'vitest';
import { keyQuery } from '../../rules/key-query.ts';
import type { BackendInit } from '../../sim/backend.ts';
import { fromLayers, type LayersSpec } from '../../sim/build.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import { relErr } from '../parity/fixtures.ts';
import { finiteCompare, KINDS, LONG_RUN_TOL, ONE_STEP_TOL, referenceCache, simulate } from '../parity/run-compare.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';

const webgpu = useWebgpu();

const spec: LayersSpec = {
  organisms: 2,
  layers: [
    { name: 'x', size: 9, role: 'input' },
    { name: 'kq', size: 8, role: 'hidden', soma: { f: 'softmax', gain: 2 } },
    { name: 'err', size: 9, role: 'hidden', segments: 2, soma: { f: 'linear' }, homeostasis: { eta: 0.05, target: 0 } },
  ],
  projections: [
    { from: 'x', to: 'kq', connect: { kind: 'full' }, init: { min: 0.2, max: 0.8 }, tag: 1 },
    { from: 'x', to: 'err', connect: { kind: 'oneToOne' }, init: { min: 1, max: 1 }, segment: 0, plastic: false },
    { from: 'kq', to: 'err', connect: { kind: 'full' }, init: { min: 0, max: 0.3 }, segment: 1, sign: -1 },
  ],
};
const PARAMS = { etaK: 0.2, etaG: 0.1, etaV: 0.2, etaA: 0.1, useMin: 0.3, tauU: 5 };
const PLASTICITY = { wMin: -1, wMax: 2, normalize: 'none' as const, normalizeTarget: 1 };

const compare = finiteCompare(['a', 'v', 'w', 'theta', 'slots', 'terms'] as const);
const reference = referenceCache();

describe.each(KINDS)('key-query: $kind against cpu (1 thread)', ({ kind, exact }) => {
  it('one step after 5', { timeout: 60_000 }, async (ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const init = (): BackendInit => ({ tensor: fromLayers(spec, 4), rule: compileRule(keyQuery, PARAMS), plasticity: PLASTICITY, maxChunk: 5 });
    const before = await reference('before', init, [5]);
    const ref = await reference('one', init, [5, 1]);
    expect(relErr(ref.state.w, before.state.w), 'weights moved in the compared step').toBeGreaterThan(1e-4);
    expect(relErr(ref.state.slots, before.state.slots), 'gates moved').toBeGreaterThan(1e-6);
    compare(await simulate(kind, init(), [5, 1]), ref, exact, ONE_STEP_TOL);
  });

  it('100 plastic steps in 4 runs', { timeout: 120_000 }, async (ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const init = (): BackendInit => ({ tensor: fromLayers(spec, 3), rule: compileRule(keyQuery, PARAMS), plasticity: PLASTICITY, maxChunk: 25 });
    const chunks = [25, 25, 25, 25];
    const ref = await reference('long', init, chunks);
    expect(relErr(ref.state.w, init().tensor.w), 'keys and values learned').toBeGreaterThan(0.05);
    const errs = compare(await simulate(kind, init(), chunks), ref, exact, LONG_RUN_TOL);
    if (!exact) console.info(`[key-query parity] ${kind} after 100 steps: ${Object.entries(errs).map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);
  });
});
