// A developed organism written out as layers and explicit synapse lists, the network form every
// config accepts (sim/build.ts fromLayers, connect kind 'list'): the best organism of an evolution
// can then be run and compared with `springtail run`, without the skeleton that grew it.
import type { LayerSpec, ProjectionSpec } from '../sim/build.ts';
import type { DevelopedOrganism } from './develop.ts';
import { typeNames, type Genome, type SkeletonSpec } from './genome.ts';

export interface NetworkJson {
  organisms: 1;
  layers: (Omit<LayerSpec, 'soma'> & { soma: NonNullable<LayerSpec['soma']> })[];
  projections: ProjectionSpec[];
}

/**
 * The organism as one layer per non-empty type and one list projection per (type pair, segment).
 * fromLayers of it gives the same tensor as development: the same neuron order, and each segment's
 * synapses sorted by presynaptic index.
 */
export function organismNetwork(spec: SkeletonSpec, g: Genome, org: DevelopedOrganism): NetworkJson {
  const { neurons, synapses } = org.spec;
  const layers: NetworkJson['layers'] = [];
  for (const t of org.types) {
    if (t.count === 0) continue;
    const first = neurons[t.start];
    const layer: NetworkJson['layers'][number] = {
      name: t.name,
      size: t.count,
      role: first.role ?? 'hidden',
      sign: first.sign ?? 1,
      segments: first.segments ?? 1,
      soma: { f: first.soma ?? 'relu', gain: first.gain ?? 1, alpha: first.alpha ?? 1, theta: first.theta ?? 0 },
      pos: neurons.slice(t.start, t.start + t.count).map((n) => n.pos ?? [0, 0, 0]),
    };
    if (t.name !== 'in' && spec.homeostasis) layer.homeostasis = { ...spec.homeostasis };
    layers.push(layer);
  }
  const names = typeNames(spec);
  const typeOfNeuron = (n: number) => org.types.findIndex((t) => n >= t.start && n < t.start + t.count);
  const projections = new Map<string, ProjectionSpec & { connect: { kind: 'list'; pairs: [number, number][]; w: number[] } }>();
  for (let k = 0; k < synapses.w.length; k++) {
    const pre = synapses.pre[k];
    const post = synapses.post[k];
    const from = org.types[typeOfNeuron(pre)];
    const to = org.types[typeOfNeuron(post)];
    const segment = synapses.segment[k];
    const key = `${from.name}>${to.name}/${segment}`;
    let p = projections.get(key);
    if (!p) {
      const plastic = neurons[post].segPlastic?.[segment] ?? true;
      p = { from: from.name, to: to.name, connect: { kind: 'list', pairs: [], w: [] }, init: { min: 0, max: 0 }, segment, plastic };
      projections.set(key, p);
    }
    p.connect.pairs.push([pre - from.start, post - to.start]);
    p.connect.w.push(synapses.w[k]);
  }
  // a stable order: by target type, then source type, then segment
  const order = (p: ProjectionSpec) => names.indexOf(p.to) * 1e6 + names.indexOf(p.from) * 100 + (p.segment ?? 0);
  return { organisms: 1, layers, projections: [...projections.values()].sort((a, b) => order(a) - order(b)) };
}
