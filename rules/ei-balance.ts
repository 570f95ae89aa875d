// E-I balance family (SPEC §4 "ei-balance"): inhibitory plasticity to a target rate.
import type { RuleDef } from '../sim/compiler/rule.ts';

/**
 * Rate form of Vogels & Sprekeler's inhibitory plasticity (Vogels, Sprekeler, Zenke, Clopath &
 * Gerstner 2011, Science 334:1569): on an inhibitory synapse (sign < 0, Dale's law from the
 * presynaptic neuron or the projection's own sign)
 *
 *   Δw = etaI · pre · (post − rho0)
 *
 * w is the magnitude of the inhibition (the contribution is sign·w·pre = −w·pre), so inhibition
 * onto a unit grows while the unit fires above the target rate ρ0 and shrinks below it. At the
 * fixed point E[pre · (post − ρ0)] = 0: the unit's rate, weighted by its inhibitory input, is ρ0
 * (exactly ρ0 when the inhibitory rate is steady). Clipping at wMin = 0 keeps w a magnitude: a unit
 * below target even with no inhibition stays below target.
 *
 * Excitatory synapses (sign > 0) follow Oja's rule Δw = etaE · post · (pre − post · w), off by
 * default (etaE = 0: the excitatory weights are fixed and only inhibition learns, as in Vogels et
 * al.). Oja rather than plain Hebbian because it is self-bounded, so turning it on does not need a
 * wMax to stop runaway excitation, and the inhibition then tracks an excitatory drive that changes
 * slowly. A projection can also be made fixed with `plastic: false`, whatever the rule says.
 *
 * Homeostatic thresholds (SPEC §2 step 5) are not part of the rule: they are a layer option
 * (`homeostasis: {eta, target}`, θ ← θ + ηθ·(a − target)) and combine with this rule.
 *
 * Journal (seeds/002_523932046a70d126.txt): "dynamic inhibition" learnt alongside forward and
 * backward weights, and the learning-rate asymmetry between them (lines 27-44); inhibition as
 * E-I balance, "a feedback control system (E-I balance) that uses only local learning" (450, 475);
 * plastic inhibition sensitive to tuning (212-216, 227-229); asymmetric learning rates (103, 1235).
 * The journal's inhibition was a learnt lateral/feedback matrix inside its predictive loop
 * (cortex_2axis / cortex_mnist, 1195-1236), not a target-rate rule; the target-rate form here is
 * SPEC §4's choice. The predictive loop itself (error units e = l1 − l1_pred, forward/backward
 * updates from error × activity, explain-away sparsification) is rules/predictive.ts.
 */
export const eiBalance: RuleDef = {
  name: 'ei-balance',
  doc: 'inhibitory plasticity to a target rate (rate Vogels–Sprekeler): Δw = etaI·pre·(post − rho0) on inhibitory synapses; Oja at rate etaE (default 0: fixed) on excitatory ones',
  params: {
    etaI: { default: 1e-3, min: 0, max: 100, doc: 'learning rate of inhibitory synapses (sign < 0)' },
    rho0: { default: 0.1, min: 0, max: 1e6, doc: 'target rate ρ0 of the postsynaptic unit' },
    etaE: { default: 0, min: 0, max: 100, doc: "learning rate of excitatory synapses (Oja's rule); 0 keeps them fixed" },
  },
  update: 'sign < 0 ? etaI * pre * (post - rho0) : etaE * post * (pre - post * w)',
};
