// Builders of synapse tensors: from explicit lists, from layer specs, and seeded random fan-in
// networks (the benchmark workloads). All randomness is counter-based (random.ts).
import { Counter, hash3, STREAM, uniform } from './random.ts';
import { allocTensor, checkTensor, findGroups, isGroupSoma, ROLE, SOMA, type RoleName, type SomaName, type SynapseTensor, type TensorCounts } from './tensor.ts';

export interface NeuronSpec {
  role?: RoleName;
  sign?: 1 | -1;
  type?: number;
  /** Group somas (kwta, softmax) act on a run of consecutive neurons with the same type and soma. */
  soma?: SomaName;
  gain?: number;
  /** kwta: active neurons per group. */
  k?: number;
  alpha?: number;
  bias?: number;
  theta?: number;
  etaTheta?: number;
  target?: number;
  a0?: number;
  pos?: [number, number, number];
  /** Dendritic segments (default 1). */
  segments?: number;
  /** Per segment: 0 = Dale, ±1 = own sign. */
  segSign?: number[];
  /** Per segment: plastic (default true). */
  segPlastic?: boolean[];
  /** Per segment: the projection's tag (integer 0..255, default 0). */
  segTag?: number[];
}

export interface SynapseSpec {
  pre: number;
  post: number;
  segment?: number;
  w: number;
}

export interface OrganismSpec {
  neurons: NeuronSpec[];
  synapses: SynapseSpec[];
}

/** Synapses as columns: 13 bytes each instead of an object (what development writes, many millions at a time). */
export interface SynapseColumns {
  pre: Uint32Array;
  post: Uint32Array;
  segment: Uint8Array;
  w: Float32Array;
}

export interface ColumnOrganismSpec {
  neurons: NeuronSpec[];
  synapses: SynapseColumns;
}

/** A tensor from explicit lists (neuron indices are within each organism). */
export function fromLists(organisms: OrganismSpec[]): SynapseTensor {
  for (const o of organisms) {
    for (const sy of o.synapses) {
      if (!(Number.isInteger(sy.pre) && sy.pre >= 0 && Number.isInteger(sy.post) && sy.post >= 0)) throw new Error(`synapse ${JSON.stringify(sy)}: neuron indices must be integers >= 0`);
    }
  }
  return fromColumns(
    organisms.map((o) => ({
      neurons: o.neurons,
      synapses: {
        pre: Uint32Array.from(o.synapses, (s) => s.pre),
        post: Uint32Array.from(o.synapses, (s) => s.post),
        segment: Uint8Array.from(o.synapses, (s) => Math.min(s.segment ?? 0, 255)),
        w: Float32Array.from(o.synapses, (s) => s.w),
      },
    })),
  );
}

/**
 * A tensor from synapse columns (neuron indices within each organism). Synapses are grouped by
 * (post, segment) keeping their order inside a segment: a counting sort over typed arrays, so a
 * population of millions of synapses takes a few bytes per synapse beyond the tensor.
 */
export function fromColumns(organisms: ColumnOrganismSpec[]): SynapseTensor {
  const N = organisms.reduce((s, o) => s + o.neurons.length, 0);
  const G = organisms.reduce((s, o) => s + o.neurons.reduce((t, n) => t + (n.segments ?? 1), 0), 0);
  const S = organisms.reduce((s, o) => s + o.synapses.w.length, 0);
  const t = allocTensor({ organisms: organisms.length, N, G, S, nGroups: 0 });
  let n0 = 0;
  let g0 = 0;
  let s0 = 0;
  organisms.forEach((o, oi) => {
    t.orgNeuronStart[oi] = n0;
    t.orgSynStart[oi] = s0;
    const n = o.neurons.length;
    const { pre, post, segment, w } = o.synapses;
    // each neuron's first segment within the organism
    const segBase = new Uint32Array(n + 1);
    o.neurons.forEach((spec, i) => (segBase[i + 1] = segBase[i] + (spec.segments ?? 1)));
    const nSeg = segBase[n];
    const count = new Uint32Array(nSeg + 1);
    // the message is made only for a bad synapse: this loop runs over every synapse of a population
    const bad = (j: number, why: string) => new Error(`synapse ${j} (pre ${pre[j]}, post ${post[j]}): ${why}`);
    for (let j = 0; j < w.length; j++) {
      if (post[j] >= n) throw bad(j, `no neuron ${post[j]}`);
      if (pre[j] >= n) throw bad(j, `no neuron ${pre[j]}`);
      const segs = segBase[post[j] + 1] - segBase[post[j]];
      if (segment[j] >= segs) throw bad(j, `neuron ${post[j]} has ${segs} segment(s)`);
      count[segBase[post[j]] + segment[j] + 1]++;
    }
    for (let k = 0; k < nSeg; k++) count[k + 1] += count[k];
    const next = count.slice(0, nSeg);
    for (let j = 0; j < w.length; j++) {
      const at = s0 + next[segBase[post[j]] + segment[j]]++;
      t.pre[at] = pre[j];
      t.w[at] = w[j];
    }
    let inputs = 0;
    o.neurons.forEach((spec, i) => {
      setNeuron(t, n0 + i, oi, spec, spec.role === 'input' ? inputs++ : -1);
      t.neuronSegStart[n0 + i] = g0 + segBase[i];
      for (let k = 0; k < (spec.segments ?? 1); k++) {
        const g = g0 + segBase[i] + k;
        t.segSynStart[g] = s0 + count[segBase[i] + k];
        t.segSign[g] = spec.segSign?.[k] ?? 0;
        t.segPlastic[g] = spec.segPlastic?.[k] === false ? 0 : 1;
        t.segTag[g] = spec.segTag?.[k] ?? 0;
      }
    });
    n0 += n;
    g0 += nSeg;
    s0 += w.length;
  });
  return finish(t);
}

export interface LayerSpec {
  name: string;
  size: number;
  role: RoleName;
  sign?: 1 | -1;
  segments?: number;
  /** kwta needs k (1..size): the k neurons of the layer (per organism) with the largest u − θ stay active. */
  soma?: { f?: SomaName; gain?: number; k?: number; alpha?: number; bias?: number; theta?: number };
  homeostasis?: { eta: number; target: number };
  /** 3D position of each neuron (default: a grid in the plane z = the layer's index). */
  pos?: [number, number, number][];
}

/**
 * oneToOne: neuron i of `to` receives neuron i of `from` (the layers have the same size). list: the
 * synapses given one by one as [pre in `from`, post in `to`], with their weights when `w` is given
 * (else drawn from init), e.g. a developed organism written out (evolve/).
 */
export type ConnectSpec = { kind: 'full' } | { kind: 'fanIn'; k: number } | { kind: 'prob'; p: number } | { kind: 'oneToOne' } | { kind: 'list'; pairs: [number, number][]; w?: number[] };

export interface ProjectionSpec {
  from: string;
  to: string;
  connect: ConnectSpec;
  init: { min: number; max: number };
  segment?: number;
  sign?: 1 | -1;
  plastic?: boolean;
  /** Integer 0..255 that rule expressions read as `tag` (e.g. key-query's key synapses); default 0. */
  tag?: number;
}

export interface LayersSpec {
  organisms: number;
  layers: LayerSpec[];
  projections: ProjectionSpec[];
}

/** Synapses one post neuron receives from a projection whose source layer has `fromSize` neurons (prob: the expected number). */
function synapsesPerPost(c: ConnectSpec, fromSize: number): number {
  switch (c.kind) {
    case 'full':
      return fromSize;
    case 'oneToOne':
      return 1;
    case 'fanIn':
      return c.k;
    case 'prob':
      return c.p * fromSize;
    case 'list':
      return NaN; // counted whole by layersCounts
  }
}

/**
 * The counts of fromLayers(spec) without building it, for estimating memory before allocating:
 * exact, except that a `prob` projection contributes its expected number of synapses.
 */
export function layersCounts(spec: LayersSpec): TensorCounts {
  const size = new Map(spec.layers.map((l) => [l.name, l.size]));
  let N = 0;
  let G = 0;
  let S = 0;
  let groups = 0;
  for (const l of spec.layers) {
    N += l.size;
    G += l.size * (l.segments ?? 1);
    if (l.size > 0 && isGroupSoma(SOMA[l.soma?.f ?? 'relu'])) groups++;
  }
  for (const p of spec.projections) S += p.connect.kind === 'list' ? p.connect.pairs.length : (size.get(p.to) ?? 0) * synapsesPerPost(p.connect, size.get(p.from) ?? 0);
  const O = spec.organisms;
  return { organisms: O, N: O * N, G: O * G, S: O * S, nGroups: O * groups };
}

/**
 * A tensor from layer specs: every organism has the same layers; connectivity and initial weights
 * are drawn per organism from the seed. Synapses of each segment are sorted by presynaptic index.
 * Written straight into the tensor's arrays (no per-synapse objects), so the memory it takes is
 * what layersCounts predicts.
 */
export function fromLayers(spec: LayersSpec, seed: number): SynapseTensor {
  const layerStart: number[] = [];
  let perOrg = 0;
  const byName = new Map<string, number>();
  spec.layers.forEach((l, i) => {
    if (byName.has(l.name)) throw new Error(`layer '${l.name}' is defined twice`);
    byName.set(l.name, i);
    layerStart.push(perOrg);
    perOrg += l.size;
  });
  const layerOf = (name: string, what: string) => {
    const i = byName.get(name);
    if (i === undefined) throw new Error(`${what}: no layer '${name}'`);
    return i;
  };
  // projections into each (layer, segment)
  const into = spec.layers.map((l) => Array.from({ length: l.segments ?? 1 }, () => [] as ProjectionSpec[]));
  for (const p of spec.projections) {
    const to = layerOf(p.to, `projection ${p.from}->${p.to}`);
    layerOf(p.from, `projection ${p.from}->${p.to}`);
    const seg = p.segment ?? 0;
    if (seg >= into[to].length) throw new Error(`projection ${p.from}->${p.to}: segment ${seg} but layer '${p.to}' has ${into[to].length}`);
    const others = into[to][seg];
    if (others.some((q) => (q.sign ?? 0) !== (p.sign ?? 0))) throw new Error(`projection ${p.from}->${p.to}: segment ${seg} mixes projections with different signs`);
    if (others.some((q) => (q.plastic ?? true) !== (p.plastic ?? true))) throw new Error(`projection ${p.from}->${p.to}: segment ${seg} mixes plastic and fixed projections`);
    if (others.some((q) => (q.tag ?? 0) !== (p.tag ?? 0))) throw new Error(`projection ${p.from}->${p.to}: segment ${seg} mixes projections with different tags`);
    others.push(p);
  }

  for (const l of spec.layers) {
    const { f, k } = l.soma ?? {};
    if (f === 'kwta' && (k === undefined || !Number.isInteger(k) || k < 1 || k > l.size)) throw new Error(`layer '${l.name}': kwta needs k, an integer 1..${l.size} (the layer size), got ${k}`);
    if (f !== 'kwta' && k !== undefined) throw new Error(`layer '${l.name}': k is only for soma 'kwta' (soma is '${f ?? 'relu'}')`);
    if (l.pos && l.pos.length !== l.size) throw new Error(`layer '${l.name}': ${l.pos.length} positions for ${l.size} neurons`);
  }
  // list projections: the synapses of each post neuron, checked once
  const listed = new Map<ProjectionSpec, { pre: number; w?: number }[][]>();
  for (const p of spec.projections) {
    if (p.connect.kind !== 'list') continue;
    const fsize = spec.layers[byName.get(p.from)!].size;
    const tsize = spec.layers[byName.get(p.to)!].size;
    const { pairs, w } = p.connect;
    if (w && w.length !== pairs.length) throw new Error(`projection ${p.from}->${p.to}: ${w.length} weights for ${pairs.length} pairs`);
    const byPost = Array.from({ length: tsize }, () => [] as { pre: number; w?: number }[]);
    pairs.forEach(([pre, post], i) => {
      if (!(Number.isInteger(pre) && pre >= 0 && pre < fsize && Number.isInteger(post) && post >= 0 && post < tsize)) throw new Error(`projection ${p.from}->${p.to}: pair ${i} [${pre}, ${post}] is outside the layers (${fsize} → ${tsize} neurons)`);
      byPost[post].push({ pre, w: w?.[i] });
    });
    listed.set(p, byPost);
  }
  into.forEach((segs, li) => {
    for (const p of segs.flat()) {
      const fsize = spec.layers[byName.get(p.from)!].size;
      const tsize = spec.layers[li].size;
      if (tsize === 0) continue;
      if (p.connect.kind === 'oneToOne' && fsize !== tsize) throw new Error(`projection ${p.from}->${p.to}: oneToOne needs layers of the same size (${fsize} and ${tsize})`);
      if (p.connect.kind === 'fanIn' && p.connect.k > fsize) throw new Error(`projection ${p.from}->${p.to}: fan-in ${p.connect.k} is larger than layer '${p.from}' (${fsize})`);
    }
  });

  const counts = layersCounts(spec);
  // synapse arrays below; finish() finds the groups
  const t = allocTensor({ ...counts, S: 0, nGroups: 0 });
  // exact unless a prob projection makes the count random; then the arrays grow as needed
  let pre = new Uint32Array(Math.ceil(counts.S));
  let w = new Float32Array(pre.length);
  let s = 0;
  const push = (p: number, x: number) => {
    if (s === pre.length) {
      const grown = Math.max(1024, 2 * pre.length);
      const p2 = new Uint32Array(grown);
      const w2 = new Float32Array(grown);
      p2.set(pre);
      w2.set(w);
      pre = p2;
      w = w2;
    }
    pre[s] = p;
    w[s++] = x;
  };
  /** Sorts synapses s0..s−1 by presynaptic index, keeping draw order among equal ones. */
  const sortSegment = (s0: number) => {
    const idx = Array.from({ length: s - s0 }, (_, j) => s0 + j).sort((a, b) => pre[a] - pre[b] || a - b);
    const ps = idx.map((j) => pre[j]);
    const ws = idx.map((j) => w[j]);
    pre.set(ps, s0);
    w.set(ws, s0);
  };

  let g = 0;
  for (let o = 0; o < spec.organisms; o++) {
    const rng = new Counter(hash3(seed, o, STREAM.connect), STREAM.connect);
    const wr = new Counter(hash3(seed, o, STREAM.weight), STREAM.weight);
    const n0 = o * perOrg;
    t.orgNeuronStart[o] = n0;
    t.orgSynStart[o] = s;
    let inputs = 0;
    spec.layers.forEach((l, li) => {
      const side = Math.ceil(Math.sqrt(l.size));
      const soma = SOMA[l.soma?.f ?? 'relu'];
      for (let i = 0; i < l.size; i++) {
        const n = n0 + layerStart[li] + i;
        t.org[n] = o;
        t.role[n] = ROLE[l.role];
        t.type[n] = li;
        t.sign[n] = l.sign ?? 1;
        t.inputIndex[n] = l.role === 'input' ? inputs++ : -1;
        t.soma[n] = soma;
        t.gain[n] = l.soma?.gain ?? 1;
        t.k[n] = l.soma?.k ?? 0;
        t.alpha[n] = l.soma?.alpha ?? 1;
        t.bias[n] = l.soma?.bias ?? 0;
        t.theta[n] = l.soma?.theta ?? 0;
        t.etaTheta[n] = l.homeostasis?.eta ?? 0;
        t.target[n] = l.homeostasis?.target ?? 0;
        t.pos.set(l.pos?.[i] ?? [side > 1 ? (i % side) / (side - 1) - 0.5 : 0, side > 1 ? Math.floor(i / side) / (side - 1) - 0.5 : 0, li], 3 * n);
        t.neuronSegStart[n] = g;
        for (const projs of into[li]) {
          t.segSynStart[g] = s;
          t.segSign[g] = projs[0]?.sign ?? 0;
          t.segPlastic[g] = projs[0]?.plastic === false ? 0 : 1;
          t.segTag[g] = projs[0]?.tag ?? 0;
          g++;
          const s0 = s;
          for (const p of projs) {
            const f0 = layerStart[byName.get(p.from)!];
            const fsize = spec.layers[byName.get(p.from)!].size;
            const draw = () => p.init.min + (p.init.max - p.init.min) * wr.next();
            if (p.connect.kind === 'full') for (let j = 0; j < fsize; j++) push(f0 + j, draw());
            else if (p.connect.kind === 'oneToOne') push(f0 + i, draw());
            else if (p.connect.kind === 'list') for (const x of listed.get(p)![i]) push(f0 + x.pre, x.w ?? draw());
            else if (p.connect.kind === 'prob') {
              for (let j = 0; j < fsize; j++) if (rng.next() < p.connect.p) push(f0 + j, draw());
            } else for (const j of sampleDistinct(rng, fsize, p.connect.k)) push(f0 + j, draw());
          }
          // each projection's synapses come in presynaptic order; several into one segment interleave
          if (projs.length > 1 || projs[0]?.connect.kind === 'list') sortSegment(s0);
        }
      }
    });
  }
  t.pre = s === pre.length ? pre : pre.slice(0, s);
  t.w = s === w.length ? w : w.slice(0, s);
  return finish(t);
}

/** k distinct integers in [0, n), sorted (Floyd's algorithm: O(k) draws). */
function sampleDistinct(rng: Counter, n: number, k: number): number[] {
  const set = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    set.add(set.has(t) ? j : t);
  }
  return [...set].sort((a, b) => a - b);
}

export interface RandomSpec {
  organisms: number;
  neurons: number;
  fanIn: number;
  seed: number;
  /** Initial weights uniform in [0, wInit). */
  wInit: number;
  soma?: SomaName;
  gain?: number;
  theta?: number;
  /** Sort each row's presynaptic indices (better locality of the gather). */
  sortPre?: boolean;
}

/**
 * Every neuron hidden, excitatory, one segment with `fanIn` presynaptic neurons drawn uniformly
 * (with replacement, as the peer workload does); initial activity uniform in [0, 1).
 * Written straight into typed arrays: the benchmark sizes reach 10^7 synapses.
 */
export function randomTensor(r: RandomSpec): SynapseTensor {
  const N = r.organisms * r.neurons;
  const S = N * r.fanIn;
  const t = allocTensor({ organisms: r.organisms, N, G: N, S, nGroups: 0 });
  const soma = SOMA[r.soma ?? 'sigmoid'];
  for (let o = 0; o < r.organisms; o++) {
    t.orgNeuronStart[o] = o * r.neurons;
    t.orgSynStart[o] = o * r.neurons * r.fanIn;
  }
  const row = new Uint32Array(r.fanIn);
  for (let n = 0; n < N; n++) {
    const o = Math.floor(n / r.neurons);
    t.org[n] = o;
    t.role[n] = ROLE.hidden;
    t.sign[n] = 1;
    t.inputIndex[n] = -1;
    t.soma[n] = soma;
    t.gain[n] = r.gain ?? 4;
    t.alpha[n] = 1;
    t.theta[n] = r.theta ?? 0.5;
    t.a0[n] = uniform(r.seed, STREAM.activity, n);
    t.pos[3 * n] = uniform(r.seed, STREAM.position, 3 * n);
    t.pos[3 * n + 1] = uniform(r.seed, STREAM.position, 3 * n + 1);
    t.pos[3 * n + 2] = uniform(r.seed, STREAM.position, 3 * n + 2);
    t.neuronSegStart[n] = n;
    t.segSynStart[n] = n * r.fanIn;
    t.segPlastic[n] = 1;
    for (let k = 0; k < r.fanIn; k++) row[k] = Math.floor(uniform(r.seed, STREAM.connect, n * r.fanIn + k) * r.neurons);
    if (r.sortPre) row.sort();
    t.pre.set(row, n * r.fanIn);
  }
  for (let s = 0; s < S; s++) t.w[s] = uniform(r.seed, STREAM.weight, s) * r.wInit;
  return finish(t);
}

function setNeuron(t: SynapseTensor, n: number, org: number, s: NeuronSpec, inputIndex: number): void {
  t.org[n] = org;
  t.role[n] = ROLE[s.role ?? 'hidden'];
  t.type[n] = s.type ?? 0;
  t.sign[n] = s.sign ?? 1;
  t.inputIndex[n] = inputIndex;
  t.soma[n] = SOMA[s.soma ?? 'relu'];
  t.gain[n] = s.gain ?? 1;
  t.k[n] = s.k ?? 0;
  t.alpha[n] = s.alpha ?? 1;
  t.bias[n] = s.bias ?? 0;
  t.theta[n] = s.theta ?? 0;
  t.etaTheta[n] = s.etaTheta ?? 0;
  t.target[n] = s.target ?? 0;
  t.a0[n] = s.a0 ?? 0;
  t.pos.set(s.pos ?? [0, 0, 0], 3 * n);
}

function finish(t: SynapseTensor): SynapseTensor {
  const O = t.organisms;
  t.orgNeuronStart[O] = t.role.length;
  t.orgSynStart[O] = t.w.length;
  t.neuronSegStart[t.role.length] = t.segSign.length;
  t.segSynStart[t.segSign.length] = t.w.length;
  Object.assign(t, findGroups(t));
  checkTensor(t);
  return t;
}
