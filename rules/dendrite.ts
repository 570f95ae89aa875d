// Nonlinear dendrites (SPEC §2 step 3, §4 "dendrite"; issue 4): segment nonlinearities δ(v) —
// a thresholded plateau, a sigmoid, a multiplicative AND — and plasticity gated by the segment's
// plateau (segment active → its active synapses potentiate, otherwise they depress).
//
// Journal (../shared/seeds/002_523932046a70d126.txt), lines used:
// - 233: "synapses cluster together on dendrites ... to allow for the nonlinear interactions";
// - 262-263: conjunctive features = co-occurring signals, extracted with nonlinear Hebbian synapses,
//   "similar to a linear 'AND' gate";
// - 294: "nonlinear interaction of synapses in dendrites to be a critical element";
// - 297-306: the AND circuit as `weight * AND(outer(input_vector))`, "the number of terms in
//   individual AND expressions is two", "thinking this mostly spatially, in terms of dendritic
//   trees"; 297: "For the AND circuit, i guess log-transform? but then have to exponentiate.." —
//   `dendriteAnd` below is exactly that: contributions w·log(pre + ε), segment exp(v);
// - 316-317: if the local membrane potential exceeds a threshold, "emit a dendritic spike", then
//   forward it to the soma "for the 'OR' operation" — segments → soma sum (sim/README.md step 2);
// - 367-370: "If a AND-product is on, then it can instantly sum"; "In biology the weights are before
//   the AND; here we have the weights after" — here the weights are before the AND (biological);
// - 373: "the most trivial gating (e.g. which dendrite has residual calcium -> enable LTP/LTD)" —
//   the plateau gate of every update below;
// - 454: "dendrites have dendritic spikes / plateau potentials, which can change the way signals
//   are transmitted to the soma".
//
// Plateau-gated update, shared by the three rules (g = the segment's plateau gate, 0 or 1 for the
// thresholded forms, a soft value in (0, 1) for the sigmoid):
//   Δw = η · ( g · (target·pre − w)  −  ltd · (1 − g) · pre )
// With a plateau, the segment's synapses move toward target·pre (LTP of its active synapses up to
// target, heterosynaptic LTD of its silent ones: they did not take part in the conjunction).
// Without one, active synapses depress by η·ltd·pre (they fired without producing a plateau).
// Weights stay in [0, target·max(pre)] under plateaus, so target < thetaD keeps a single input
// below the plateau threshold while two co-active ones (2·target > thetaD) can reach it.
import type { RuleDef } from '../sim/compiler/rule.ts';

const gated = (g: string) => `eta * ((${g}) * (target * pre - w) - ltd * (1 - (${g})) * pre)`;

const learning = {
  eta: { default: 0.05, min: 0, max: 100, doc: 'learning rate η' },
  target: { default: 0.75, min: 0, max: 1e6, doc: 'weight an active synapse (pre = 1) moves toward while its segment plateaus' },
  ltd: { default: 0.1, min: 0, max: 1e6, doc: 'depression of active synapses of a segment without a plateau, relative to η' },
};

/**
 * Thresholded plateau: δ(v) = plateau if v > thetaD, else sub·v (sub = 0: a silent segment).
 * With thetaD between one and two active inputs' drive it is an AND of two inputs (journal 297-306).
 */
export const dendritePlateau: RuleDef = {
  name: 'dendrite-plateau',
  doc: 'segment plateau δ(v) = v > thetaD ? plateau : sub·v; plateau-gated plasticity Δw = η·(g·(target·pre − w) − ltd·(1 − g)·pre), g = [v > thetaD]',
  params: {
    thetaD: { default: 1, min: -1e6, max: 1e6, doc: 'plateau threshold θ_d of the segment potential v' },
    plateau: { default: 1, min: 0, max: 1e6, doc: 'segment output during a plateau' },
    sub: { default: 0, min: 0, max: 1e6, doc: 'slope of the segment output below threshold (0: silent)' },
    ...learning,
  },
  segment: 'v > thetaD ? plateau : sub * v',
  update: gated('v > thetaD'),
};

/** Sigmoid segment δ(v) = plateau·σ(gain·(v − thetaD)), with the soft gate g = d/plateau ∈ (0, 1). */
export const dendriteSigmoid: RuleDef = {
  name: 'dendrite-sigmoid',
  doc: 'sigmoid segment δ(v) = plateau·σ(gain·(v − thetaD)); plasticity gated softly by g = d/plateau',
  params: {
    thetaD: { default: 1, min: -1e6, max: 1e6, doc: 'half-activation potential θ_d' },
    gain: { default: 10, min: 0, max: 1e4, doc: 'steepness of the sigmoid (large: a threshold; an AND when θ_d lies between one and two inputs)' },
    plateau: { default: 1, min: 1e-6, max: 1e6, doc: 'saturated segment output' },
    ...learning,
  },
  segment: 'plateau * sigmoid(gain * (v - thetaD))',
  update: gated('d / plateau'),
};

/**
 * Multiplicative AND (journal 297: "log-transform ... then exponentiate"): contribution
 * c(s) = w·log(pre + eps), segment δ(v) = plateau·exp(v) = plateau·Π_s (pre_s + eps)^w_s — a
 * weighted geometric AND: near plateau·(1+eps)^Σw when every weighted input is on, ~eps^w when an
 * input of weight w is off. Weights are exponents: a synapse of weight 0 drops out of the AND (and a
 * segment without weight outputs plateau). The contribution ignores the sign (excitatory only).
 * Plateau gate g = [d > gate·plateau].
 */
export const dendriteAnd: RuleDef = {
  name: 'dendrite-and',
  doc: 'multiplicative AND segment δ = plateau·Π(pre + eps)^w (contributions w·log(pre + eps), segment plateau·exp(v)); plateau-gated plasticity, g = [d > gate·plateau]',
  params: {
    eps: { default: 0.01, min: 1e-12, max: 1e6, doc: 'floor ε of an input inside the log (an off input of weight w scales the AND by ε^w)' },
    plateau: { default: 1, min: 0, max: 1e6, doc: 'output scale of the segment' },
    gate: { default: 0.5, min: 0, max: 1e6, doc: 'the segment plateaus (gates LTP) when d > gate·plateau' },
    ...learning,
    target: { default: 1, min: 0, max: 1e6, doc: 'exponent an active synapse (pre = 1) moves toward while its segment plateaus' },
  },
  contribution: 'w * log(pre + eps)',
  segment: 'plateau * exp(v)',
  update: gated('d > gate * plateau'),
};

export const dendriteRules: RuleDef[] = [dendritePlateau, dendriteSigmoid, dendriteAnd];
