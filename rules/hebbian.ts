// Hebbian family (SPEC §4): plain Hebbian, Oja, BCM, and the journal's cubic nonlinear Hebbian.
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

/**
 * BCM (Bienenstock, Cooper & Munro 1982; Intrator & Cooper 1992): Δw = η·pre·post·(post − θM),
 * with a per-neuron sliding threshold θM, a running mean of post² over about τ steps:
 * θM ← θM + (post² − θM)/τ. The threshold is updated after the neuron's activity and before the
 * weights (sim/README.md, step 4 then 5), so Δw sees θM including this step's post.
 * θM must move faster than the weights (τ·η·E[pre²·post²] ≪ 1) for the selective fixed points to
 * be stable; then a unit trained on a few patterns ends up responding to one of them.
 */
export const bcm: RuleDef = {
  name: 'bcm',
  doc: 'BCM with a sliding threshold θM = running mean of post² (a per-neuron term)',
  params: {
    eta: { default: 1e-3, min: 0, max: 100, doc: 'learning rate η' },
    tau: { default: 100, min: 1, max: 1e7, doc: 'time constant of θM in steps (θM averages post² over ~τ steps)' },
  },
  terms: {
    thetaM: { init: 0, update: 'thetaM + (post * post - thetaM) / tau' },
  },
  update: 'eta * pre * post * (post - thetaM)',
};

// The journal's cubic nonlinear Hebbian rule (journal: ../shared/seeds/002_523932046a70d126.txt).
// Journal lines used: the "cube learning rule" (36); the "cubic hebbian learning rule" that solved
// the XOR and 2-axis tasks where the linear rule does not (101-108); "infrequent strong LTP
// compensates for frequent small LTD" (231); the learning rate depends on the number of inputs
// (217, 224, 235) — "scale the learning rate by the 1/(number of inputs)" (237-238); the rule
// favours sparse representations (357); "changing the scaling on the cube nonlinearity does not
// seem to change much" (361); cortex_mnist.py, where it runs (1230-1236).
// The journal gives no formula. Its author's cortex_mnist.py (github.com/tlh24/cortex, hebb_update)
// computes per synapse c = (3·clamp(pre·post, −1, 1))³, LTP = clamp(c, 0, 2), LTD = clamp(c, −2, 0),
// Δw = lr·LTP + lr·LTD·(0.9 + 1.5·⟨post⟩) with ⟨post⟩ a running mean of post (rate 0.005, from 0.5)
// and lr = η / fan-in^0.35, then scales the weights of units with post > 1.25 by
// exp(−0.06·(post − 1.25)). This is that rule, with the fan-in exponent a parameter (default 1: the
// journal's 1/fan-in, line 237) and the down-scaling folded into Δw (applied to the old weight).
// SPEC §4 summarizes it as "LTP ∝ post³": the script keeps that variant (pow(post, 3)·pre) commented
// out and cubes the product pre·post, which is what runs here. LTD needs pre·post < 0, so with
// non-negative activities (relu, sigmoid, clamp01 units) only the LTP part and the down-scaling act.
const x = 'clamp(gain * pre * post, -gain, gain)'; // gain·clamp(pre·post, −1, 1) for gain ≥ 0
const cube = `(${x} * ${x} * ${x})`; // a product, not pow(): WGSL's pow is undefined for x < 0
export const cubicHebbian: RuleDef = {
  name: 'cubic-hebbian',
  doc: "the journal's cubic nonlinear Hebbian rule (cortex_mnist): LTP ∝ (pre·post)³, LTD scaled by the running mean of post, learning rate ∝ 1/fan-in",
  params: {
    eta: { default: 5e-3, min: 0, max: 100, doc: 'learning rate η before fan-in scaling (cortex_mnist: 0.005)' },
    faninExp: { default: 1, min: 0, max: 2, doc: 'learning rate = η / fanin^faninExp (journal line 237: 1; cortex_mnist.py used 0.35)' },
    gain: { default: 3, min: 0, max: 100, doc: 'scale of pre·post (clamped to ±1) before the cube' },
    ltpMax: { default: 2, min: 0, max: 1e6, doc: 'cap of the LTP (positive) part of the cube' },
    ltdMax: { default: 2, min: 0, max: 1e6, doc: 'cap of the LTD (negative) part of the cube' },
    ltdBase: { default: 0.9, min: 0, max: 100, doc: 'LTD multiplier at zero mean activity' },
    ltdAvg: { default: 1.5, min: 0, max: 100, doc: 'LTD multiplier per unit of mean activity ⟨post⟩ (LTP/LTD asymmetry)' },
    avgRate: { default: 5e-3, min: 0, max: 1, doc: 'rate of the running mean ⟨post⟩' },
    shrink: { default: 0.06, min: 0, max: 100, doc: 'weight down-scaling rate of units above shrinkAbove (0 disables it)' },
    shrinkAbove: { default: 1.25, min: 0, max: 1e6, doc: 'activity above which the weights of a unit are scaled down' },
  },
  terms: {
    avg: { init: 0.5, update: 'avg + avgRate * (post - avg)' },
  },
  update: `eta / pow(fanin, faninExp) * (clamp(${cube}, 0, ltpMax) + clamp(${cube}, -ltdMax, 0) * (ltdBase + ltdAvg * avg)) - w * (1 - exp(-shrink * max(post - shrinkAbove, 0)))`,
};
