// Hebbian family (SPEC §4). The BCM and cubic variants come with the rules issue.
import type { RuleDef } from '../sim/compiler/rule.ts';

/** Δw = η·pre·post − λ·w */
export const hebbian: RuleDef = {
  name: 'hebbian',
  doc: 'plain Hebbian with weight decay',
  params: {
    eta: { default: 1e-3, min: 0, max: 100, doc: 'learning rate η' },
    decay: { default: 1e-4, min: 0, max: 1, doc: 'weight decay λ' },
  },
  update: 'eta * pre * post - decay * w',
};

/** Δw = η·post·(pre − post·w): converges to the first principal component of the input. */
export const oja: RuleDef = {
  name: 'oja',
  doc: "Oja's rule",
  params: { eta: { default: 5e-3, min: 0, max: 100, doc: 'learning rate η' } },
  update: 'eta * post * (pre - post * w)',
};
