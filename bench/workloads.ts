// The benchmark workloads of SPEC §10: seeded random fan-in networks, sigmoid soma
// (gain 4, θ 0.5), Hebbian plasticity (η 1e-3, λ 1e-4) with weights clipped to [0, 1].
import { hebbian } from '../rules/hebbian.ts';
import type { PlasticityOptions } from '../sim/backend.ts';
import { randomTensor } from '../sim/build.ts';
import { compileRule, type CompiledRule } from '../sim/compiler/compile.ts';
import type { SynapseTensor } from '../sim/tensor.ts';

export const WORKLOAD_NAMES = ['W1', 'W2'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

export interface Workload {
  name: WorkloadName;
  description: string;
  organisms: number;
  /** Neurons per organism. */
  neurons: number;
  fanIn: number;
  /** Total synapses S (synapse-steps per step). */
  synapses: number;
}

function workload(name: WorkloadName, description: string, organisms: number, neurons: number, fanIn: number): Workload {
  return { name, description, organisms, neurons, fanIn, synapses: organisms * neurons * fanIn };
}

export const WORKLOADS: Record<WorkloadName, Workload> = {
  W1: workload('W1', 'sim-step: 1 organism × 100,000 neurons × fan-in 100', 1, 100_000, 100),
  W2: workload('W2', 'population: 256 organisms × 512 neurons × fan-in 64', 256, 512, 64),
};

/**
 * The workload's tensor: presynaptic neurons drawn uniformly with replacement, each row's
 * indices sorted (synapse order within a neuron is not part of the model), w₀ uniform in
 * [0, 3/K), a₀ uniform in [0, 1), sigmoid soma with gain 4 and θ 0.5.
 */
export function buildWorkload(w: Workload, seed = 1): SynapseTensor {
  return randomTensor({
    organisms: w.organisms,
    neurons: w.neurons,
    fanIn: w.fanIn,
    seed,
    wInit: 3 / w.fanIn,
    soma: 'sigmoid',
    gain: 4,
    theta: 0.5,
    sortPre: true,
  });
}

/** `hebbian`: Δw = η·pre·post − λ·w with η = 1e-3, λ = 1e-4. */
export function workloadRule(): CompiledRule {
  return compileRule(hebbian, { eta: 1e-3, decay: 1e-4 });
}

export const WORKLOAD_PLASTICITY: PlasticityOptions = { wMin: 0, wMax: 1, normalize: 'none', normalizeTarget: 0 };
