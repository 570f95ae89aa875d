// A test rule that replaces the per-synapse contribution (SPEC §2): c = −g·(pre − k)², with a
// per-synapse key k that moves toward the input and a fixed gate g. It exercises what the
// key-query rule needs from the compiler (slots read by the contribution) before that rule exists.
import type { RuleDef } from '../sim/compiler/rule.ts';

export const keyedDistance: RuleDef = {
  name: 'keyed-distance',
  doc: 'test rule: distance-to-key contribution, keys follow the input of active units',
  params: {
    eta: { default: 0.05, min: 0, max: 1, doc: 'key learning rate' },
  },
  slots: {
    k: { init: 0.5, update: 'k + eta * post * (pre - k)' },
    g: { init: 1, update: 'g' },
  },
  update: '0',
  contribution: '-g * (pre - k) * (pre - k)',
};
