// Unit test of the predictive rule (rules/predictive.ts) on the smallest loop, cpu backend, against
// numbers worked out by hand from the step in sim/README.md (weights gathered after the previous
// step's plasticity, pre = the value gathered, post = the new activity). f64 here, f32 in the
// backend: tolerance 1e-6. etaF 0.1, etaB 0.2, decay 0.01; every activity starts at 0.
//
// Neurons: 0 x0, 1 x1 (inputs), 2 e0, 3 e1 (linear error units), 4 c (linear code unit).
//   s0: x0 → e0 seg 0  w 1    fixed        s1: c → e0 seg 1  w 0.5  sign −1 (prediction), plastic
//   s2: x1 → e1 seg 0  w 1    fixed        s3: c → e1 seg 1  w 0.2  sign −1, plastic
//   s4: e0 → c  seg 0  w 0.4  plastic      s5: e1 → c  seg 0  w 0.3  plastic
//   s6: c  → c  seg 1  w 1    fixed (the code integrates its input)
// Inputs (1, 0.5), (0.4, 0.8), (0.6, 0.2):
//   step 1: e = (1, 0.5), c = 0; only the decay acts (pre or post is 0 everywhere):
//           w1 0.495, w3 0.198, w4 0.396, w5 0.297
//   step 2: e = (0.4, 0.8), c = 0.396·1 + 0.297·0.5 = 0.5445;
//           w4 += 0.1·1·0.5445 − 0.01·0.396 → 0.44649, w5 += 0.1·0.5·0.5445 − 0.00297 → 0.321255,
//           w1, w3 decay only (pre c = 0) → 0.49005, 0.19602
//   step 3: e0 = 0.6 − 0.49005·0.5445 = 0.333167775, e1 = 0.2 − 0.19602·0.5445 = 0.09326711,
//           c = 0.44649·0.4 + 0.321255·0.8 + 0.5445 = 0.9801;
//           w1 += 0.2·0.5445·e0 − 0.0049005 → 0.5214314707 (the delta rule: pre c, post e),
//           w3 += 0.2·0.5445·e1 − 0.0019602 → 0.2042165883,
//           w4 += 0.1·0.4·0.9801 − 0.0044649 → 0.4812291, w5 += 0.1·0.8·0.9801 − 0.00321255 → 0.39645045
import { describe, expect, it } from 'vitest';
import { predictive } from '../../rules/predictive.ts';
import { fromLists } from '../../sim/build.ts';
import { close, runSteps } from './by-hand.ts';

function loop() {
  return fromLists([
    {
      neurons: [
        { role: 'input' },
        { role: 'input' },
        { role: 'hidden', soma: 'linear', segments: 2, segSign: [0, -1], segPlastic: [false, true] },
        { role: 'hidden', soma: 'linear', segments: 2, segSign: [0, -1], segPlastic: [false, true] },
        { role: 'hidden', soma: 'linear', segments: 2, segPlastic: [true, false] },
      ],
      synapses: [
        { pre: 0, post: 2, segment: 0, w: 1 },
        { pre: 4, post: 2, segment: 1, w: 0.5 },
        { pre: 1, post: 3, segment: 0, w: 1 },
        { pre: 4, post: 3, segment: 1, w: 0.2 },
        { pre: 2, post: 4, segment: 0, w: 0.4 },
        { pre: 3, post: 4, segment: 0, w: 0.3 },
        { pre: 4, post: 4, segment: 1, w: 1 },
      ],
    },
  ]);
}

describe('predictive', () => {
  it('three steps of the loop: delta rule on the prediction, error × code on the forward weights, decay, fixed segments untouched', async () => {
    const { state, firstBadStep } = await runSteps(loop(), predictive, { etaF: 0.1, etaB: 0.2, decay: 0.01 }, [
      [1, 0.5],
      [0.4, 0.8],
      [0.6, 0.2],
    ]);
    expect(firstBadStep).toBe(-1);
    close(state.w, [1, 0.5214314707, 1, 0.2042165883, 0.4812291, 0.39645045, 1]);
    close(state.a, [0.6, 0.2, 0.333167775, 0.09326711, 0.9801]);
  });

  it('etaB = 0 freezes the prediction, etaF = 0 the forward weights', async () => {
    const xs = [
      [1, 0.5],
      [0.4, 0.8],
      [0.6, 0.2],
    ];
    const b = (await runSteps(loop(), predictive, { etaF: 0.1, etaB: 0, decay: 0 }, xs)).state.w;
    close([b[1], b[3]], [0.5, 0.2]);
    expect(b[4]).toBeGreaterThan(0.45);
    const f = (await runSteps(loop(), predictive, { etaF: 0, etaB: 0.2, decay: 0 }, xs)).state.w;
    close([f[4], f[5]], [0.4, 0.3]);
    expect(f[1]).toBeGreaterThan(0.52);
  });
});
