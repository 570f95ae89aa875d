// Development (SPEC §7): genome + organism seed → one network, neurons at sampled 3D positions,
// synapses drawn with P(n→m) = p_ij·exp(−d²/σ²); a population → one batched synapse tensor along
// the organisms axis. Every draw is counter-based (sim/random.ts) from (organism seed, stream,
// index), so the same genome and seed give the same network whatever evaluates it.
import { fromColumns, type ColumnOrganismSpec, type NeuronSpec, type SynapseColumns } from '../sim/build.ts';
import { hash3, STREAM, uniform } from '../sim/random.ts';
import type { SynapseTensor } from '../sim/tensor.ts';
import { pairNames, typeNames, type Genome, type SkeletonSpec } from './genome.ts';

/** Where each type's neurons lie in an organism (local neuron indices). */
export interface TypeSpan {
  name: string;
  start: number;
  count: number;
}

export interface DevelopedOrganism {
  spec: ColumnOrganismSpec;
  types: TypeSpan[];
  /** Local neuron range of the code type. */
  code: [number, number];
  synapses: number;
  /** Summed Euclidean length of every synapse (a wiring cost). */
  wiring: number;
  /** Set when the organism is not simulated (e.g. more synapses than the skeleton allows). */
  failed?: string;
}

/**
 * Bytes a developed synapse takes until the population is batched: its columns (pre, post, segment,
 * w). Typed arrays, outside the JavaScript heap; one organism's columns are briefly up to 3× this
 * while they grow and are sorted.
 */
export const LIST_BYTES_PER_SYNAPSE = 13;

/** Stream ids of development (beside sim/random.ts's), so its draws never share numbers with a run's. */
const DEV = { position: 0x64657601, connect: 0x64657602, weight: 0x64657603 } as const;

/** Standard normal from two counter draws (Box-Muller), a pure function of (seed, stream, i). */
function normal(seed: number, stream: number, i: number): number {
  const u = 1 - uniform(seed, stream, 2 * i);
  const v = uniform(seed, stream, 2 * i + 1);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Hidden neuron counts from the share genes: the budget split by largest remainder (ties to the lower type). */
export function typeCounts(spec: SkeletonSpec, g: Genome): number[] {
  const hidden = typeNames(spec).slice(1, -1);
  const shares = hidden.map((t) => Math.max(0, g[`type.${t}.share`]));
  const total = shares.reduce((a, b) => a + b, 0);
  const want = shares.map((s) => (total > 0 ? (spec.budget * s) / total : spec.budget / hidden.length));
  const counts = want.map(Math.floor);
  let left = spec.budget - counts.reduce((a, b) => a + b, 0);
  const order = want.map((w, i) => [w - Math.floor(w), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) if (left-- > 0) counts[i]++;
  return counts;
}

/** One organism of the genome, from its seed. */
export function developOrganism(spec: SkeletonSpec, g: Genome, seed: number): DevelopedOrganism {
  const names = typeNames(spec);
  const counts = [spec.inputs, ...typeCounts(spec, g), spec.code.size];
  const types: TypeSpan[] = [];
  let n0 = 0;
  names.forEach((name, i) => {
    types.push({ name, start: n0, count: counts[i] });
    n0 += counts[i];
  });
  const N = n0;
  const pos = new Float64Array(3 * N);
  const side = Math.ceil(Math.sqrt(spec.inputs));
  for (const [ti, t] of types.entries()) {
    for (let k = 0; k < t.count; k++) {
      const n = t.start + k;
      if (ti === 0) {
        // the input is an image: a fixed grid on the plane z = −1
        pos[3 * n] = side > 1 ? (2 * (k % side)) / (side - 1) - 1 : 0;
        pos[3 * n + 1] = side > 1 ? (2 * Math.floor(k / side)) / (side - 1) - 1 : 0;
        pos[3 * n + 2] = -1;
      } else {
        const spread = g[`type.${t.name}.spread`];
        for (let a = 0; a < 3; a++) pos[3 * n + a] = g[`type.${t.name}.pos.${'xyz'[a]}`] + spread * normal(seed, DEV.position, 3 * n + a);
      }
    }
  }

  // Segments of a target type: one per distinct (segment gene, plastic) among the pairs that can
  // connect into it, so a segment never mixes plastic and fixed synapses (a tensor invariant).
  const pairs = pairNames(spec);
  const segOfPair = new Map<string, number>();
  const segsOfType = new Map<string, { plastic: boolean }[]>();
  for (const to of names.slice(1)) {
    const keys: string[] = [];
    for (const [from, t] of pairs) {
      if (t !== to || !(g[`conn.${from}>${to}.p`] > 0)) continue;
      const key = `${g[`conn.${from}>${to}.segment`]}/${g[`conn.${from}>${to}.plastic`]}`;
      if (!keys.includes(key)) keys.push(key);
      segOfPair.set(`${from}>${to}`, keys.indexOf(key));
    }
    segsOfType.set(to, keys.length === 0 ? [{ plastic: true }] : keys.map((k) => ({ plastic: k.endsWith('/1') })));
  }

  const neurons: NeuronSpec[] = [];
  for (const [ti, t] of types.entries()) {
    const isIn = ti === 0;
    const segs = isIn ? [{ plastic: true }] : segsOfType.get(t.name)!;
    const soma = isIn ? 'linear' : t.name === 'code' ? spec.code.soma : spec.soma;
    for (let k = 0; k < t.count; k++) {
      const n = t.start + k;
      neurons.push({
        role: isIn ? 'input' : t.name === 'code' ? 'output' : 'hidden',
        sign: isIn || g[`type.${t.name}.excitatory`] >= 0.5 ? 1 : -1,
        type: ti,
        soma,
        gain: isIn ? 1 : g[`type.${t.name}.gain`],
        alpha: isIn ? 1 : g[`type.${t.name}.alpha`],
        theta: isIn ? 0 : g[`type.${t.name}.theta`],
        etaTheta: isIn ? 0 : (spec.homeostasis?.eta ?? 0),
        target: isIn ? 0 : (spec.homeostasis?.target ?? 0),
        pos: [pos[3 * n], pos[3 * n + 1], pos[3 * n + 2]],
        segments: segs.length,
        segPlastic: segs.map((s) => s.plastic),
      });
    }
  }

  const cols = new Columns();
  let wiring = 0;
  for (const [from, to] of pairs) {
    const p = g[`conn.${from}>${to}.p`];
    if (!(p > 0)) continue;
    const src = types[names.indexOf(from)];
    const dst = types[names.indexOf(to)];
    const sigma2 = g[`conn.${from}>${to}.sigma`] ** 2;
    const wMean = g[`conn.${from}>${to}.wMean`];
    const wSpread = g[`conn.${from}>${to}.wSpread`];
    const segment = segOfPair.get(`${from}>${to}`)!;
    for (let m = dst.start; m < dst.start + dst.count; m++) {
      for (let n = src.start; n < src.start + src.count; n++) {
        if (n === m) continue;
        const dx = pos[3 * n] - pos[3 * m];
        const dy = pos[3 * n + 1] - pos[3 * m + 1];
        const dz = pos[3 * n + 2] - pos[3 * m + 2];
        const d2 = dx * dx + dy * dy + dz * dz;
        // one draw per (post, pre) pair of neurons: which pairs connect does not depend on the others
        const index = m * N + n;
        if (uniform(seed, DEV.connect, index) >= p * Math.exp(-d2 / sigma2)) continue;
        // magnitudes within the wMean gene's bound
        cols.push(n, m, segment, Math.min(1, Math.abs(wMean + wSpread * normal(seed, DEV.weight, index))));
        wiring += Math.sqrt(d2);
      }
    }
  }
  const synapses = cols.byPost(N);
  const count = synapses.w.length;
  const code = types[types.length - 1];
  const out: DevelopedOrganism = { spec: { neurons, synapses }, types, code: [code.start, code.start + code.count], synapses: count, wiring };
  if (count > spec.maxSynapses) out.failed = `${count} synapses, above the skeleton's maxSynapses ${spec.maxSynapses}`;
  return out;
}

/** Synapse columns that grow as development draws them. */
class Columns {
  private n = 0;
  private c: SynapseColumns = { pre: new Uint32Array(256), post: new Uint32Array(256), segment: new Uint8Array(256), w: new Float32Array(256) };

  push(pre: number, post: number, segment: number, w: number): void {
    if (this.n === this.c.w.length) {
      const grow = <T extends Uint32Array | Uint8Array | Float32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(2 * a.length);
        b.set(a);
        return b;
      };
      this.c = { pre: grow(this.c.pre), post: grow(this.c.post), segment: grow(this.c.segment), w: grow(this.c.w) };
    }
    const k = this.n++;
    this.c.pre[k] = pre;
    this.c.post[k] = post;
    this.c.segment[k] = segment;
    this.c.w[k] = w;
  }

  /**
   * The synapses ordered by post neuron, keeping the drawing order among a neuron's own (a stable
   * counting sort). Drawn type pair by type pair with source types in neuron order, so a neuron's
   * synapses come out by ascending pre: each segment's gather in the tensor walks forward.
   */
  byPost(neurons: number): SynapseColumns {
    const { pre, post, segment, w } = this.c;
    const start = new Uint32Array(neurons + 1);
    for (let k = 0; k < this.n; k++) start[post[k] + 1]++;
    for (let i = 0; i < neurons; i++) start[i + 1] += start[i];
    const out: SynapseColumns = { pre: new Uint32Array(this.n), post: new Uint32Array(this.n), segment: new Uint8Array(this.n), w: new Float32Array(this.n) };
    for (let k = 0; k < this.n; k++) {
      const at = start[post[k]]++;
      out.pre[at] = pre[k];
      out.post[at] = post[k];
      out.segment[at] = segment[k];
      out.w[at] = w[k];
    }
    return out;
  }
}

/** The seed of organism `replicate` of population member `member` in `generation` (counter-based). */
export function organismSeed(runSeed: number, generation: number, member: number, replicate: number): number {
  return hash3(hash3(runSeed, STREAM.connect, generation), member, replicate);
}

export interface Population {
  /** The organisms that were developed without failure, as one tensor (organism o = alive[o]). */
  tensor: SynapseTensor | null;
  organisms: DevelopedOrganism[];
  /** Index into `organisms` of each tensor organism. */
  alive: number[];
}

/** Develops every (genome, seed) and batches the ones that did not fail into one tensor. */
export function developPopulation(spec: SkeletonSpec, genomes: Genome[], seeds: number[]): Population {
  if (genomes.length !== seeds.length) throw new Error(`developPopulation: ${genomes.length} genomes, ${seeds.length} seeds`);
  const organisms = genomes.map((g, i) => developOrganism(spec, g, seeds[i]));
  const alive = organisms.flatMap((o, i) => (o.failed ? [] : [i]));
  const tensor = alive.length === 0 ? null : fromColumns(alive.map((i) => organisms[i].spec));
  return { tensor, organisms, alive };
}
