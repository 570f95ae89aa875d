// The journal's predictive feedback loop (SPEC §4 "ei-balance", cortex_2axis / cortex_mnist).
import type { RuleDef } from '../sim/compiler/rule.ts';

/**
 * Forward and backward weights of a predictive loop between an input layer and a code layer,
 * both learnt from error × activity:
 *
 *   error units   e = x − x̂,  x̂ = Σ_j w_ij · c_j (+ θ_i)   (x onto e: oneToOne, fixed, weight 1;
 *                                                       code onto e: a projection of sign −1)
 *   code units    c ← (1−α)·c + α·f(c + Σ_i w_ji · e_i)   (e onto c: plastic; c onto c: oneToOne,
 *                                                       fixed, weight 1, so the code integrates
 *                                                       the error it receives)
 *
 *   Δw = (sign < 0 ? etaB : etaF) · pre · post − decay · w
 *
 * On a backward synapse (code j → error unit i, sign −1) pre = c_j and post = e_i, the error after
 * this step's prediction: the delta rule, gradient descent on e². On a forward synapse (error i →
 * code j) pre = e_i and post = c_j: the same outer product, so the forward weights follow the
 * transpose of the backward ones ("feedback alignment" in the journal's local sense, line 1224);
 * the decay makes any initial difference between them fade. Homeostasis on the error units with
 * target 0 (θ ← θ + ηθ·e) learns the prediction's bias. Explain-away is the loop itself: once the
 * code predicts the input, the error it receives, and so its drive, is gone; units compete for
 * the error rather than for the input. etaF ≠ etaB are the journal's asymmetric rates (103, 1235).
 *
 * Journal (seeds/002_523932046a70d126.txt): the forward/backward loop and its update rule
 * (lines 760-790: "IF error is positive & output is positive, increase corresponding weights in
 * both w_f and w_b"), cortex_2axis and cortex_mnist (1198-1226: two-layer autoencoder topology,
 * explain-away sparsification, asymmetric rates), glider-checker with 4 and 3 output units (762-789).
 * The journal computed the code by nonlinear least squares; here the code units settle to it
 * through the loop over a few tens of steps (hold each sample that long when training).
 */
export const predictive: RuleDef = {
  name: 'predictive',
  doc: 'predictive loop: Δw = (sign < 0 ? etaB : etaF)·pre·post − decay·w; backward (sign −1, code → error units) is the delta rule, forward (error → code) the same outer product',
  params: {
    etaF: { default: 0.003, min: 0, max: 10, doc: 'learning rate of forward synapses (sign > 0: error → code)' },
    etaB: { default: 0.003, min: 0, max: 10, doc: 'learning rate of backward synapses (sign < 0: the prediction code → error)' },
    decay: { default: 1e-4, min: 0, max: 1, doc: 'weight decay per step' },
  },
  update: '(sign < 0 ? etaB : etaF) * pre * post - decay * w',
};
