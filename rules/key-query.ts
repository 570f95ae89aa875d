// Key-query matching (SPEC §4 "key-query"; journal July 2022, lines 1498-1630).
import type { RuleDef } from '../sim/compiler/rule.ts';

/**
 * Each key-query unit j holds a key k_j over its inputs (the weights w of its key synapses) and a gate
 * g_j (a per-synapse slot). Its segment potential is the gated squared distance
 *
 *   v_j = −Σ_i g_ji · (x_i − k_ji)²
 *
 * and a `softmax` soma with gain 1/τ turns the layer's potentials into matches
 * m_j = exp(−‖g_j ⊙ (x − k_j)‖²/τ) / Σ_l exp(−‖g_l ⊙ (x − k_l)‖²/τ) (a `kwta` soma with a bias b
 * instead passes max(b − distance, 0) of the k nearest units). Plasticity of a key synapse:
 *
 *   keys   Δk = (etaK · m_j + [use_j < useMin] · etaA) · (x_i − k_ji)
 *   gates  g ← max(g + etaG · m_j · g · (D_j − (x_i − k_ji)²), 0),  D_j = −v_j / fanin
 *
 * Keys move toward the inputs they match. A unit whose usage, the running mean of its match
 * use ← use + (m − use)/tauU, fell below useMin is unused: its key moves toward the current input
 * at rate etaA until it wins inputs of its own (allocation, lines 1610-1630: "if some part of the
 * stimulus is unexplained, keys should move and/or unactive neurons should take up that space").
 * Gates grow where the input reliably sits near the key (deviation below the unit's gated mean
 * D_j) and shrink where it does not (lines 1536-1540: "if the input data consistently matches the
 * key, then increase to saturation. If it's unreliable, then decay to zero"). With gates starting
 * at 1 and fanin = the unit's key synapses, Σ_i g_ji·(D_j − (x_i − k_ji)²) = 0: the update is
 * subtractive normalization of the gates, their sum stays fanin (lines 1556-1559: divisive
 * normalization did not work, subtractive did, and made keys and gates focus on smaller regions).
 *
 * Key synapses are those of projections with `tag: 1`. Values are plastic synapses of sign −1
 * (from the key-query units onto linear error units e = x − Σ_j v_j·m_j, as in rules/predictive.ts)
 * and reconstruct the input with the delta rule Δv = etaV · m_j · e_i (pre = m_j, post = e_i):
 * "key-query indexes a value, which subsequently sums" (line 1516). Any other synapse is a plain
 * sign·w·pre and does not learn (e.g. the input onto the error units). Key synapses must be their
 * unit's only synapses (fanin is its key count); w is the key on key synapses, the value on values.
 */
export const keyQuery: RuleDef = {
  name: 'key-query',
  doc: 'key-query: on tag-1 (key) synapses v = −Σ g·(pre − w)² (w the key, g a gate), softmax/k-WTA soma across units; keys toward matched inputs, gates by subtractive normalization, values (sign −1) by the delta rule, unused units allocated',
  params: {
    etaK: { default: 0.05, min: 0, max: 1, doc: 'key learning rate (times the match)' },
    etaG: { default: 0, min: 0, max: 10, doc: 'gate learning rate; 0 keeps every gate at 1 (plain distance)' },
    etaV: { default: 0.01, min: 0, max: 10, doc: 'value learning rate (delta rule on sign −1 synapses)' },
    etaA: { default: 0.01, min: 0, max: 1, doc: 'allocation rate: key step of an unused unit toward the input' },
    useMin: { default: 0.01, min: 0, max: 1, doc: 'usage (running mean of the match) below which a unit is unused' },
    tauU: { default: 1000, min: 1, max: 1e9, doc: 'steps over which usage is averaged' },
  },
  slots: {
    g: { init: 1, update: 'tag == 1 ? max(g + etaG * post * g * (-v / fanin - (pre - w) * (pre - w)), 0) : g' },
  },
  terms: {
    use: { init: 1, update: 'use + (post - use) / tauU' },
  },
  update: 'tag == 1 ? (etaK * post + (use < useMin ? etaA : 0)) * (pre - w) : sign < 0 ? etaV * pre * post : 0',
  contribution: 'tag == 1 ? -g * (pre - w) * (pre - w) : sign * w * pre',
};
