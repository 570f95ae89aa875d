// cpu/webgpu parity of the BCM and cubic Hebbian rules (SPEC §3, §4), following the shared suite
// (tests/parity/parity.test.ts): the cpu backend with one thread is the reference; cpu with two
// threads must be bit-identical; webgpu must be within 1e-5 relative error after one step and 1e-4
// after 100 plastic steps. WebGPU unavailable → skipped with the reason (fails under
// SPRINGTAIL_REQUIRE_WEBGPU=1).
import { describe, expect, it } from 'vitest';
import { bcm, cubicHebbian } from '../../rules/hebbian.ts';
import type { BackendInit } from '../../sim/backend.ts';
import { fromLayers } from '../../sim/build.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import type { SynapseTensor } from '../../sim/tensor.ts';
import { defaultPlasticity, mixedTensor, relErr, reluSpec, RULE_TENSORS } from '../parity/fixtures.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';
import { finiteCompare, KINDS, LONG_RUN_TOL, ONE_STEP_TOL, referenceCache, simulate } from '../parity/run-compare.ts';

const webgpu = useWebgpu();

const FIELDS = ['a', 'v', 'w', 'theta', 'terms'] as const;
const compare = finiteCompare(FIELDS);
const reference = referenceCache();

// Parameters large enough that one step changes the weights visibly (a vacuous comparison of
// unchanged weights would prove nothing).
const RULES: [string, RuleDef, Record<string, number>][] = [
  ['bcm', bcm, { eta: 0.05, tau: 5 }],
  ['cubic-hebbian', cubicHebbian, { eta: 0.05 }],
  ['cubic-hebbian (faninExp 0.35, shrink)', cubicHebbian, { eta: 0.05, faninExp: 0.35, shrinkAbove: 0.3 }],
];

describe.each(KINDS)('$kind against cpu (1 thread)', ({ kind, exact }) => {
  for (const [tname, tensor] of RULE_TENSORS) {
    it.for(RULES)(`one step: %s on ${tname}`, { timeout: 60_000 }, async ([rname, def, params], ctx) => {
      if (kind === 'webgpu') webgpu.need(ctx);
      const init = (): BackendInit => ({ tensor: tensor(), rule: compileRule(def, params), plasticity: defaultPlasticity, maxChunk: 1 });
      const ref = await reference(`1:${tname}:${rname}`, init, [1]);
      expect(relErr(ref.state.w, init().tensor.w), 'weights moved').toBeGreaterThan(1e-4);
      compare(await simulate(kind, init(), [1]), ref, exact, ONE_STEP_TOL);
    });
  }

  const long: [string, () => SynapseTensor, RuleDef, Record<string, number>][] = [
    ['bcm, input → relu units', () => fromLayers(reluSpec, 2), bcm, { eta: 0.02, tau: 10 }],
    ['bcm, mixed E/I layers (sigmoid, homeostasis, 2 segments)', () => mixedTensor(5), bcm, { eta: 0.2, tau: 10 }],
    ['cubic-hebbian, input → relu units', () => fromLayers(reluSpec, 2), cubicHebbian, { eta: 0.1, faninExp: 0.35 }],
    ['cubic-hebbian, mixed E/I layers (sigmoid, homeostasis, 2 segments)', () => mixedTensor(5), cubicHebbian, { eta: 0.1, faninExp: 0.35 }],
  ];
  it.for(long)('100 plastic steps in 4 runs: %s', { timeout: 120_000 }, async ([rname, tensor, def, params], ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const init = (): BackendInit => ({ tensor: tensor(), rule: compileRule(def, params), plasticity: { wMin: 0, wMax: 10, normalize: 'none', normalizeTarget: 1 }, maxChunk: 25 });
    const chunks = [25, 25, 25, 25];
    const ref = await reference(`long:${rname}`, init, chunks);
    // not vacuous: learning moved the weights well away from their initial values
    expect(relErr(ref.state.w, init().tensor.w)).toBeGreaterThan(0.05);
    const errs = compare(await simulate(kind, init(), chunks), ref, exact, LONG_RUN_TOL);
    if (!exact) console.info(`[rules parity] ${kind} after 100 ${rname} steps: ${Object.entries(errs).map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);
  });
});
