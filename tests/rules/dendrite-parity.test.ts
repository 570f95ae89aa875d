// cpu/webgpu parity of the dendrite rules (rules/dendrite.ts; SPEC §3, §4), following
// tests/rules/parity.test.ts: the cpu backend with one thread is the reference; cpu with two threads
// must be bit-identical; webgpu within 1e-5 relative error after one step and 1e-4 after 100 plastic
// steps. WebGPU unavailable → skipped with the reason (fails under SPRINGTAIL_REQUIRE_WEBGPU=1).
// Parameters put the plateau threshold inside the range of the segment potentials, so some segments
// plateau and some do not (checked: a comparison where every gate is shut, or open, would not test
// the nonlinearity or the gated update).
import { describe, expect, it } from 'vitest';
import { dendriteAnd, dendritePlateau, dendriteSigmoid } from '../../rules/dendrite.ts';
import type { BackendInit } from '../../sim/backend.ts';
import { fromLayers } from '../../sim/build.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import type { SynapseTensor } from '../../sim/tensor.ts';
import { defaultPlasticity, mixedTensor, relErr, reluSpec, RULE_TENSORS } from '../parity/fixtures.ts';
import { finiteCompare, KINDS, LONG_RUN_TOL, ONE_STEP_TOL, referenceCache, simulate } from '../parity/run-compare.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';

const webgpu = useWebgpu();

const FIELDS = ['a', 'v', 'w', 'theta', 'terms'] as const;
const compare = finiteCompare(FIELDS);
const reference = referenceCache();

/** Segments of non-input neurons (inputs' segments have v = 0 and no synapses). */
function liveSegments(t: SynapseTensor, v: Float32Array): number[] {
  const out: number[] = [];
  for (let g = 0; g < v.length; g++) if (t.segSynStart[g + 1] > t.segSynStart[g]) out.push(v[g]);
  return out;
}

type Gate = ((v: number, p: Record<string, number>) => boolean) | null;
// [name, rule, params, hard plateau gate as a function of v (null: soft gate)]
const RULES: [string, RuleDef, Record<string, number>, Gate][] = [
  ['dendrite-plateau', dendritePlateau, { thetaD: 0.5, plateau: 0.8, sub: 0.2, eta: 0.1, target: 0.4, ltd: 0.5 }, (v, p) => v > p.thetaD],
  ['dendrite-sigmoid', dendriteSigmoid, { thetaD: 0.5, gain: 8, plateau: 0.8, eta: 0.1, target: 0.4, ltd: 0.5 }, null],
  ['dendrite-and', dendriteAnd, { eps: 0.05, plateau: 1, gate: 0.2, eta: 0.1, target: 0.5, ltd: 0.5 }, (v, p) => Math.exp(v) > p.gate * p.plateau],
];

describe.each(KINDS)('$kind against cpu (1 thread)', ({ kind, exact }) => {
  for (const [tname, tensor] of RULE_TENSORS) {
    it.for(RULES)(`one step: %s on ${tname}`, { timeout: 60_000 }, async ([rname, def, params, gate], ctx) => {
      if (kind === 'webgpu') webgpu.need(ctx);
      const init = (): BackendInit => ({ tensor: tensor(), rule: compileRule(def, params), plasticity: defaultPlasticity, maxChunk: 1 });
      const ref = await reference(`1:${tname}:${rname}`, init, [1]);
      expect(relErr(ref.state.w, init().tensor.w), 'weights moved').toBeGreaterThan(1e-4);
      if (gate) {
        const live = liveSegments(init().tensor, ref.state.v);
        const open = live.filter((v) => gate(v, params)).length;
        expect(open, 'some segments plateau').toBeGreaterThan(0);
        expect(open, 'some segments do not').toBeLessThan(live.length);
      }
      compare(await simulate(kind, init(), [1]), ref, exact, ONE_STEP_TOL);
    });
  }

  const long: [string, () => SynapseTensor, RuleDef, Record<string, number>][] = [];
  for (const [rname, def, params] of RULES) {
    long.push([`${rname}, input → relu units`, () => fromLayers(reluSpec, 2), def, { ...params, eta: 0.02 }]);
    long.push([`${rname}, mixed E/I layers (sigmoid, homeostasis, 2 segments)`, () => mixedTensor(5), def, { ...params, eta: 0.05 }]);
  }
  it.for(long)('100 plastic steps in 4 runs: %s', { timeout: 120_000 }, async ([rname, tensor, def, params], ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const init = (): BackendInit => ({ tensor: tensor(), rule: compileRule(def, params), plasticity: { wMin: 0, wMax: 10, normalize: 'none', normalizeTarget: 1 }, maxChunk: 25 });
    const chunks = [25, 25, 25, 25];
    const ref = await reference(`long:${rname}`, init, chunks);
    // not vacuous: learning moved the weights well away from their initial values
    expect(relErr(ref.state.w, init().tensor.w)).toBeGreaterThan(0.05);
    const errs = compare(await simulate(kind, init(), chunks), ref, exact, LONG_RUN_TOL);
    if (!exact) console.info(`[dendrite parity] ${kind} after 100 ${rname} steps: ${Object.entries(errs).map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);
  });
});
