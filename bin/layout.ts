// The layout files the browser panels read (viz/protocol.ts NetworkLayout): where each neuron is,
// its layer or type, and its incoming synapses with their signed weights.
import { join } from 'node:path';
import { ROLE, type SynapseTensor } from '../sim/tensor.ts';
import type { LayoutGroup, NetworkLayout } from '../viz/protocol.ts';
import { writeFileAtomic, writeJsonAtomic } from './fsutil.ts';

/** Above this the synapse files (12 bytes each) are left out: the panel then shows positions and activity only. */
export const MAX_LAYOUT_SYNAPSES = 4_000_000;

const ROLE_NAME = Object.fromEntries(Object.entries(ROLE).map(([k, v]) => [v, k])) as Record<number, LayoutGroup['role']>;

/** Contiguous neuron ranges of one (organism, type): a layer of `fromLayers`, an evolved type. */
export function layoutGroups(t: SynapseTensor, typeNames: readonly string[]): LayoutGroup[] {
  const groups: LayoutGroup[] = [];
  const N = t.role.length;
  for (let n = 0; n < N; n++) {
    const last = groups.at(-1);
    const name = typeNames[t.type[n]] ?? `type ${t.type[n]}`;
    if (last && last.organism === t.org[n] && last.name === name) last.count++;
    else groups.push({ name, organism: t.org[n], role: ROLE_NAME[t.role[n]] ?? 'hidden', start: n, count: 1 });
  }
  return groups;
}

/**
 * Writes `<prefix>.json` and its binary files into `dir`. `w` (default the tensor's) is the weight
 * state to show; Dale's sign is applied so the panel colours what the neuron actually receives.
 */
export function writeLayout(dir: string, prefix: string, t: SynapseTensor, typeNames: readonly string[], weights: NetworkLayout['weights'], w: Float32Array = t.w, maxSynapses = MAX_LAYOUT_SYNAPSES): NetworkLayout {
  const N = t.role.length;
  const S = t.w.length;
  const files: NetworkLayout['files'] = { pos: `${prefix}.pos.f32` };
  writeFileAtomic(join(dir, files.pos), t.pos);
  const layout: NetworkLayout = { format: 'springtail-layout/1', neurons: N, organisms: t.organisms, groups: layoutGroups(t, typeNames), synapses: S, weights, files };
  if (S > maxSynapses) {
    layout.omitted = `${S} synapses is more than the ${maxSynapses} the layout files hold`;
  } else {
    const start = new Uint32Array(N + 1);
    const pre = new Uint32Array(S);
    const ws = new Float32Array(S);
    // synapses are sorted by (organism, post neuron, segment): a neuron's are one contiguous range
    for (let n = 0; n <= N; n++) start[n] = t.segSynStart[t.neuronSegStart[n]];
    for (let n = 0; n < N; n++) {
      const base = t.orgNeuronStart[t.org[n]];
      const g0 = t.neuronSegStart[n];
      const g1 = t.neuronSegStart[n + 1];
      for (let g = g0; g < g1; g++) {
        const fixed = t.segSign[g];
        for (let s = t.segSynStart[g]; s < t.segSynStart[g + 1]; s++) {
          const p = base + t.pre[s];
          pre[s] = p;
          ws[s] = w[s] * (fixed !== 0 ? fixed : t.sign[p]);
        }
      }
    }
    files.incomingStart = `${prefix}.incoming-start.u32`;
    files.pre = `${prefix}.pre.u32`;
    files.w = `${prefix}.w.f32`;
    writeFileAtomic(join(dir, files.incomingStart), start);
    writeFileAtomic(join(dir, files.pre), pre);
    writeFileAtomic(join(dir, files.w), ws);
  }
  writeJsonAtomic(join(dir, `${prefix}.json`), layout);
  return layout;
}
