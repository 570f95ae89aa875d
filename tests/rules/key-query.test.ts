// Unit test of the key-query rule (rules/key-query.ts) on the smallest network, cpu backend, against
// numbers worked out by hand (f64, the step of sim/README.md; tolerance 1e-6 for the f32 kernels).
//
// Neurons: 0 x0, 1 x1 (inputs); 2 q0, 3 q1 (softmax soma across the two, gain 1); 4 e0, 5 e1 (linear
// error units: segment 0 the input, oneToOne, weight 1, fixed; segment 1 the values, sign −1).
// Key synapses (tag 1): keys w = (0.9, 0.1) for q0, (0.2, 0.7) for q1, gates 1. Values v_ij (q_j → e_i):
// e0 (0.3, 0.1), e1 (0.2, 0.4). etaK 0.5, etaG 0.2, etaV 0.5, etaA 0.3, useMin 0.6, tauU 2; use starts
// at 1, activities at 0. Inputs (1, 0), (0.2, 0.8), (0.6, 0.3).
//   step 1: v = (−0.02, −1.13) → m = softmax = (0.75213, 0.24787); e = x − V·m_prev = (1, 0);
//           use = (0.87606, 0.62394): both above useMin, no allocation.
//   step 2: v = (−1.08813, −0.04480) → m = (0.26051, 0.73949); e = (−0.05043, 0.55043);
//           use = (0.56829, 0.68171): q0 is now unused, its keys also step 0.3·(x − k) (allocation).
//   step 3: v = (−0.00677, −0.26013) → m = (0.56300, 0.43700); e = (0.45746, −0.15227);
//           use (0.56564, 0.55936): both allocate.
// Gates follow g ← g + etaG·m·g·(−v/2 − (x − k)²): their sum per unit stays 2 (subtractive
// normalization), e.g. q0's 1.000335 + 0.999665.
import { describe, expect, it } from 'vitest';
import { keyQuery } from '../../rules/key-query.ts';
import { fromLists } from '../../sim/build.ts';
import { close, runSteps } from './by-hand.ts';

const PARAMS = { etaK: 0.5, etaG: 0.2, etaV: 0.5, etaA: 0.3, useMin: 0.6, tauU: 2 };

function net() {
  const q = { role: 'hidden' as const, type: 1, soma: 'softmax' as const, gain: 1, segTag: [1] };
  const e = { role: 'hidden' as const, type: 2, soma: 'linear' as const, segments: 2, segSign: [0, -1], segPlastic: [false, true] };
  return fromLists([
    {
      neurons: [{ role: 'input' }, { role: 'input' }, q, q, e, e],
      synapses: [
        { pre: 0, post: 2, w: 0.9 },
        { pre: 1, post: 2, w: 0.1 },
        { pre: 0, post: 3, w: 0.2 },
        { pre: 1, post: 3, w: 0.7 },
        { pre: 0, post: 4, segment: 0, w: 1 },
        { pre: 2, post: 4, segment: 1, w: 0.3 },
        { pre: 3, post: 4, segment: 1, w: 0.1 },
        { pre: 1, post: 5, segment: 0, w: 1 },
        { pre: 2, post: 5, segment: 1, w: 0.2 },
        { pre: 3, post: 5, segment: 1, w: 0.4 },
      ],
    },
  ]);
}

const XS = [
  [1, 0],
  [0.2, 0.8],
  [0.6, 0.3],
];

describe('key-query', () => {
  it('three steps: softmax match, keys toward matched inputs, allocation of an unused unit, gates, values by the delta rule', async () => {
    const { state, firstBadStep } = await runSteps(net(), keyQuery, PARAMS, XS);
    expect(firstBadStep).toBe(-1);
    close(state.a, [0.6, 0.3, 0.5630020194, 0.4369979806, 0.4574598461, -0.1522684957]);
    close(state.v.slice(2, 4), [-0.0067703596, -0.2601250005]); // segments 0, 1 are the inputs'
    // keys, the fixed input weights, values
    close(state.w, [0.6084737795, 0.3333761195, 0.4374879624, 0.4840763711, 1, 0.3406227958, 0.2628942161, 1, 0.3871619999, 0.4119166633]);
    // gates move on key synapses only, and keep their sum
    close(state.slots, [1.0003350084, 0.9996649916, 0.9995428608, 1.0004571392, 1, 1, 1, 1, 1, 1]);
    close([state.slots[0] + state.slots[1], state.slots[2] + state.slots[3]], [2, 2]);
    close(state.terms.slice(2, 4), [0.5656443513, 0.5593556487]);
  });

  it('without allocation (useMin 0) the keys move only by the match', async () => {
    const { state } = await runSteps(net(), keyQuery, { ...PARAMS, useMin: 0, etaG: 0 }, XS.slice(0, 1));
    // one step: k += 0.5·m·(x − k) with m = (0.75213, 0.24787)
    close(state.w.slice(0, 4), [0.9 + 0.5 * 0.7521291114 * 0.1, 0.1 - 0.5 * 0.7521291114 * 0.1, 0.2 + 0.5 * 0.2478708886 * 0.8, 0.7 - 0.5 * 0.2478708886 * 0.7]);
    close(state.slots.slice(0, 4), [1, 1, 1, 1]);
  });
});
