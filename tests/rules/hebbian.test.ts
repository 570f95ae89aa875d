// Unit tests of the Hebbian family (SPEC §4): each rule's update on a tiny network (2 inputs → 1
// linear unit), run on the cpu backend, against numbers worked out here by hand from the step in
// sim/README.md: gather with the current weights, post = u − θ (linear soma, α = 1), per-neuron
// terms updated with the new post, then Δw from pre (this step's input), post, w, the new terms and
// fanin. Everything is computed in f64 here; the backend computes in f32, hence the 1e-6 tolerance.
import { describe, expect, it } from 'vitest';
import { bcm, cubicHebbian, hebbian, oja } from '../../rules/hebbian.ts';
import { fromLists } from '../../sim/build.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import type { NetworkState } from '../../sim/backend.ts';
import { close, runSteps } from './by-hand.ts';

const UNIT = 2; // neuron index of the unit (after the two inputs)

/** Run `xs.length` steps of the 2 → 1 network and read the state back (pending plasticity applied). */
async function tiny(def: RuleDef, params: Record<string, number>, w0: [number, number], xs: [number, number][], bias = 0): Promise<NetworkState> {
  const tensor = fromLists([
    {
      neurons: [{ role: 'input' }, { role: 'input' }, { role: 'output', soma: 'linear', bias }],
      synapses: [
        { pre: 0, post: UNIT, w: w0[0] },
        { pre: 1, post: UNIT, w: w0[1] },
      ],
    },
  ]);
  return (await runSteps(tensor, def, params, xs)).state;
}

describe('hand-computed updates (2 inputs → 1 linear unit, cpu)', () => {
  // shared setting: w = (0.5, 0.25); step 1 input (1, 0.5); step 2 input (0.4, 0.8)
  const w0: [number, number] = [0.5, 0.25];
  const xs: [number, number][] = [
    [1, 0.5],
    [0.4, 0.8],
  ];

  it('hebbian: Δw = η·pre·post − λ·w over two steps', async () => {
    const eta = 0.1;
    const decay = 0.01;
    // step 1: post = 0.5·1 + 0.25·0.5 = 0.625
    const p1 = 0.625;
    const w1 = [0.5 + eta * 1 * p1 - decay * 0.5, 0.25 + eta * 0.5 * p1 - decay * 0.25]; // 0.5575, 0.27875
    // step 2: post with the updated weights
    const p2 = w1[0] * 0.4 + w1[1] * 0.8;
    const w2 = [w1[0] + eta * 0.4 * p2 - decay * w1[0], w1[1] + eta * 0.8 * p2 - decay * w1[1]];
    const one = await tiny(hebbian, { eta, decay }, w0, xs.slice(0, 1));
    close(one.w, w1);
    expect(w1[0]).toBeCloseTo(0.5575, 12);
    const two = await tiny(hebbian, { eta, decay }, w0, xs);
    close([two.a[UNIT]], [p2]);
    close(two.w, w2);
  });

  it("oja: Δw = η·post·(pre − post·w) over two steps", async () => {
    const eta = 0.2;
    const p1 = 0.625;
    const w1 = [0.5 + eta * p1 * (1 - p1 * 0.5), 0.25 + eta * p1 * (0.5 - p1 * 0.25)]; // 0.585938, 0.291016
    const p2 = w1[0] * 0.4 + w1[1] * 0.8;
    const w2 = [w1[0] + eta * p2 * (0.4 - p2 * w1[0]), w1[1] + eta * p2 * (0.8 - p2 * w1[1])];
    close((await tiny(oja, { eta }, w0, xs.slice(0, 1))).w, w1);
    const two = await tiny(oja, { eta }, w0, xs);
    close([two.a[UNIT]], [p2]);
    close(two.w, w2);
  });

  it('bcm: θM ← θM + (post² − θM)/τ, then Δw = η·pre·post·(post − θM), over two steps', async () => {
    const eta = 0.5;
    const tau = 4;
    // step 1: θM starts at 0 → 0.625²/4 = 0.09765625; Δw uses that new θM
    const p1 = 0.625;
    const th1 = 0 + (p1 * p1 - 0) / tau;
    expect(th1).toBe(0.09765625);
    const w1 = [0.5 + eta * 1 * p1 * (p1 - th1), 0.25 + eta * 0.5 * p1 * (p1 - th1)];
    const p2 = w1[0] * 0.4 + w1[1] * 0.8;
    const th2 = th1 + (p2 * p2 - th1) / tau;
    const w2 = [w1[0] + eta * 0.4 * p2 * (p2 - th2), w1[1] + eta * 0.8 * p2 * (p2 - th2)];
    const one = await tiny(bcm, { eta, tau }, w0, xs.slice(0, 1));
    close(one.w, w1);
    close([one.terms[UNIT]], [th1]);
    const two = await tiny(bcm, { eta, tau }, w0, xs);
    close([two.a[UNIT]], [p2]);
    close([two.terms[UNIT]], [th2]);
    close(two.w, w2);
    // below the threshold the update is depression: a weak post after a strong one
    const dep = await tiny(bcm, { eta, tau: 1 }, w0, [[1, 0.5], [0.1, 0]]);
    // τ = 1: θM = post², so post − θM = post·(1 − post) > 0 for post < 1, < 0 for post > 1
    const pA = 0.625;
    const wA = [0.5 + eta * 1 * pA * (pA - pA * pA), 0.25 + eta * 0.5 * pA * (pA - pA * pA)];
    const pB = wA[0] * 0.1;
    close(dep.w, [wA[0] + eta * 0.1 * pB * (pB - pB * pB), wA[1]]);
    close([dep.terms[UNIT]], [pB * pB]);
  });

  it('cubic-hebbian: capped cubic LTP, fan-in scaled rate, weight down-scaling above 1.25 (two steps)', async () => {
    const eta = 0.2; // fan-in 2, faninExp 1 → rate 0.1
    const lr = eta / 2;
    const cube = (y: number) => (3 * Math.min(Math.max(y, -1), 1)) ** 3;
    const ltp = (c: number) => Math.min(Math.max(c, 0), 2);
    const ltd = (c: number) => Math.min(Math.max(c, -2), 0);
    // step 1: input (1, 0.5), post = 0.625; ⟨post⟩ = 0.5 + 0.005·(0.625 − 0.5) = 0.500625
    // pre·post = 0.625 → (1.875)³ = 6.59 capped at 2; 0.3125 → (0.9375)³ = 0.823974609375
    const p1 = 0.625;
    const avg1 = 0.5 + 0.005 * (p1 - 0.5);
    expect(cube(0.3125)).toBeCloseTo(0.823974609375, 12);
    const w1 = [0.5 + lr * 2, 0.25 + lr * 0.823974609375]; // no LTD, post ≤ 1.25: no down-scaling
    // step 2: input (2, 1) drives post above 1.25: both products ≥ 1 → cube 27, capped at 2
    const x2: [number, number] = [2, 1];
    const p2 = w1[0] * 2 + w1[1] * 1;
    expect(p2).toBeGreaterThan(1.25);
    const avg2 = avg1 + 0.005 * (p2 - avg1);
    const shrink = 1 - Math.exp(-0.06 * (p2 - 1.25));
    const w2 = [w1[0] + lr * ltp(cube(2 * p2)) - w1[0] * shrink, w1[1] + lr * ltp(cube(1 * p2)) - w1[1] * shrink];
    const one = await tiny(cubicHebbian, { eta }, w0, [xs[0]]);
    close(one.w, w1);
    close([one.terms[UNIT]], [avg1]);
    const two = await tiny(cubicHebbian, { eta }, w0, [xs[0], x2]);
    close([two.a[UNIT]], [p2]);
    close([two.terms[UNIT]], [avg2]);
    close(two.w, w2);
  });

  it('cubic-hebbian: LTD scaled by (0.9 + 1.5·⟨post⟩) when pre·post < 0, and the fan-in exponent', async () => {
    // bias −1 makes the linear unit negative: post = 0.625 − 1 = −0.375
    const eta = 0.2;
    const post = -0.375;
    const avg = 0.5 + 0.005 * (post - 0.5); // 0.495625
    const c1 = (3 * (1 * post)) ** 3; // −1.423828125
    const c2 = (3 * (0.5 * post)) ** 3; // −0.177978515625
    expect(c1).toBeCloseTo(-1.423828125, 12);
    const m = 0.9 + 1.5 * avg;
    const s = await tiny(cubicHebbian, { eta }, w0, [xs[0]], -1);
    close([s.a[UNIT]], [post]);
    close([s.terms[UNIT]], [avg]);
    close(s.w, [0.5 + (eta / 2) * c1 * m, 0.25 + (eta / 2) * c2 * m]);
    // faninExp 0.5: rate η/√2, and a stronger cube (gain 5) hits the LTD cap: 5·(−0.375) → −6.59 → −2
    const t = await tiny(cubicHebbian, { eta, faninExp: 0.5, gain: 5 }, w0, [xs[0]], -1);
    const lr = eta / Math.SQRT2;
    close(t.w, [0.5 + lr * -2 * m, 0.25 + lr * (5 * 0.5 * post) ** 3 * m]);
  });
});
