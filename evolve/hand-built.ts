// A hand-built network (a config's layers and projections) scored by the evolution's own fitness,
// so an evolved skeleton can be compared with what a person wired (issue 10's acceptance).
import type { PlasticityOptions } from '../sim/backend.ts';
import { fromLayers, type LayersSpec } from '../sim/build.ts';
import type { CompiledRule } from '../sim/compiler/compile.ts';
import type { BackendChoice } from '../sim/select.ts';
import type { Task } from '../tasks/task.ts';
import { layerRange, scorePopulation, type FitnessSpec, type OrganismScore } from './fitness.ts';

/** Scores `organisms` copies of the network (one per seed draw of its random projections). */
export async function scoreNetwork(task: Task, network: LayersSpec, codeLayer: string, rule: CompiledRule, plasticity: PlasticityOptions, spec: FitnessSpec, backend: BackendChoice, seed: number): Promise<OrganismScore[]> {
  const tensor = fromLayers(network, seed);
  const [c0, c1] = layerRange(network.layers, codeLayer);
  const O = tensor.organisms;
  const code = Array.from({ length: O }, (_, o): [number, number] => [tensor.orgNeuronStart[o] + c0, tensor.orgNeuronStart[o] + c1]);
  const synapses = Array.from({ length: O }, (_, o) => tensor.orgSynStart[o + 1] - tensor.orgSynStart[o]);
  return scorePopulation(task, { tensor, code, rule, plasticity, synapses, wiring: synapses.map(() => 0) }, spec, backend, seed);
}
