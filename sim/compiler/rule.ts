// A learning rule is data (SPEC §4). The compiler (compile.ts) turns it into code for every backend.

export interface RuleParam {
  default: number;
  min?: number;
  max?: number;
  doc?: string;
}

export interface RuleStateVar {
  init: number;
  /** New value, evaluated with the old values of every variable. */
  update: string;
}

export interface RuleDef {
  name: string;
  doc?: string;
  params: Record<string, RuleParam>;
  /** Per-synapse state slots (eligibility trace, key, gate, ...). */
  slots?: Record<string, RuleStateVar>;
  /** Per-neuron terms (e.g. BCM's sliding threshold), updated after the neuron's activity each step. */
  terms?: Record<string, RuleStateVar>;
  /** Δw of a plastic synapse. */
  update: string;
  /** Replaces the per-synapse contribution c(s) = sign · w · pre. */
  contribution?: string;
  /** Dendritic nonlinearity δ(v) of each segment; linear by default. */
  segment?: string;
}

/** Identifiers an expression may use, by where it is evaluated (besides params, slots, terms). */
export const CONTEXT_VARS = {
  /** Δw and slot updates: one plastic synapse after its post neuron's activity update. */
  synapse: {
    pre: 'activity of the presynaptic neuron (the value the step gathered)',
    post: 'new activity of the postsynaptic neuron',
    w: 'weight magnitude before the update',
    v: "potential of the synapse's segment",
    d: "output δ(v) of the synapse's segment",
    sign: 'sign the contribution used (Dale or projection)',
    fanin: 'number of synapses of the postsynaptic neuron',
    u: 'soma input of the postsynaptic neuron',
    theta: 'threshold θ of the postsynaptic neuron',
    tag: "tag of the synapse's projection (integer 0..255, 0 by default)",
  },
  contribution: {
    pre: 'activity of the presynaptic neuron',
    w: 'weight magnitude',
    sign: 'sign (Dale or projection)',
    tag: "tag of the synapse's projection (integer 0..255, 0 by default)",
  },
  segment: {
    v: 'segment potential Σ c(s)',
    sign: "the segment's projection sign: −1, +1, or 0 (none: each synapse uses its presynaptic neuron's sign, Dale)",
    tag: "the segment's projection tag (integer 0..255, 0 by default)",
  },
  term: {
    post: 'new activity of the neuron',
    u: 'soma input of the neuron',
    theta: 'threshold θ of the neuron',
  },
} as const;
export type ContextName = keyof typeof CONTEXT_VARS;
