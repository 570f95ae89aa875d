// The probabilistic skeleton (SPEC §7, journal lines 548-640): a vector of developmental genes that
// gives neuron types and type-to-type connection probabilities, from which development samples
// networks. A genome is both a typed object (values by gene name) and an unconstrained real vector
// over the genes that evolve, mapped through bounded transforms both ways.
import type { SomaName } from '../sim/tensor.ts';

/** How a gene's unconstrained real z maps to its value in [min, max]. */
export type Transform = 'sigmoid' | 'log' | 'softplus' | 'clip';

export interface GeneDef {
  name: string;
  transform: Transform;
  min: number;
  max: number;
  /** Value of a fixed gene, and the starting value of an evolving one. */
  init: number;
  evolve: boolean;
  /** Integer gene (value rounded after the transform), e.g. a segment index or a sign bit. */
  integer?: boolean;
  doc: string;
}

/** What the config says about the skeleton; the gene table follows from it (geneTable). */
export interface SkeletonSpec {
  /** Evolvable hidden neuron types (1..16). */
  types: number;
  /** Hidden neurons shared among the hidden types by their `share` genes. */
  budget: number;
  /** Input neurons: the task's values per sample (fixed type 'in'). */
  inputs: number;
  /** The code (output) type: its size is fixed by the config. */
  code: { size: number; soma: SomaName };
  /** Soma nonlinearity of the hidden types. */
  soma: SomaName;
  /** Most dendritic segments a neuron may have (segment genes pick one of them per type pair). */
  segments: number;
  /** Homeostasis of every non-input neuron (fixed). */
  homeostasis?: { eta: number; target: number };
  /** Rule parameters that evolve, with their bounds; the others keep the config's values. */
  ruleParams: Record<string, { min: number; max: number; init: number; log?: boolean }>;
  /** Overrides of the default gene table: a name or a pattern with `*` → what changes. */
  genes?: Record<string, Partial<Pick<GeneDef, 'evolve' | 'min' | 'max' | 'init' | 'transform'>>>;
  /** Synapses per organism above which it is not simulated (worst fitness). */
  maxSynapses: number;
}

/** Type names: 'in', 'h1'..'hK', 'code'. */
export function typeNames(spec: Pick<SkeletonSpec, 'types'>): string[] {
  return ['in', ...Array.from({ length: spec.types }, (_, i) => `h${i + 1}`), 'code'];
}

/** Ordered pairs (from → to) that can connect: every type into every non-input type. */
export function pairNames(spec: Pick<SkeletonSpec, 'types'>): [string, string][] {
  const names = typeNames(spec);
  const out: [string, string][] = [];
  for (const to of names.slice(1)) for (const from of names) out.push([from, to]);
  return out;
}

const gene = (name: string, transform: Transform, min: number, max: number, init: number, doc: string, extra: Partial<GeneDef> = {}): GeneDef => ({
  name,
  transform,
  min,
  max,
  init,
  evolve: true,
  doc,
  ...extra,
});

/** The default gene table of a skeleton, then the config's overrides applied in order. */
export function geneTable(spec: SkeletonSpec): GeneDef[] {
  const genes: GeneDef[] = [];
  const hidden = typeNames(spec).slice(1, -1);
  for (const t of [...hidden, 'code']) {
    const isCode = t === 'code';
    if (!isCode) genes.push(gene(`type.${t}.share`, 'sigmoid', 0, 1, 0.5, 'share of the hidden neuron budget'));
    genes.push(gene(`type.${t}.excitatory`, 'sigmoid', 0, 1, 1, 'sign: 1 excitatory, 0 inhibitory (Dale)', { integer: true }));
    genes.push(gene(`type.${t}.alpha`, 'sigmoid', 0.05, 1, 0.5, 'leak α of the soma'));
    genes.push(gene(`type.${t}.gain`, 'log', 0.25, 8, 1, 'soma gain (sigmoid, softmax)', { evolve: ['sigmoid', 'softmax'].includes(isCode ? spec.code.soma : spec.soma) }));
    genes.push(gene(`type.${t}.theta`, 'sigmoid', -1, 1, 0, 'soma threshold θ'));
    // inputs lie on the plane z = −1; hidden types start at the centre, the code type above it
    for (const axis of ['x', 'y', 'z']) genes.push(gene(`type.${t}.pos.${axis}`, 'sigmoid', -1, 1, isCode && axis === 'z' ? 0.8 : 0, `mean ${axis} of the type's positions`));
    genes.push(gene(`type.${t}.spread`, 'log', 0.01, 1, 0.3, "spread of the type's positions"));
  }
  for (const [from, to] of pairNames(spec)) {
    const p = `conn.${from}>${to}`;
    const self = from === to;
    const fromIn = from === 'in';
    genes.push(gene(`${p}.p`, 'clip', 0, 1, fromIn ? 0.5 : self ? 0 : 0.2, 'connection probability (absolute; 0 = no connection)'));
    genes.push(gene(`${p}.wMean`, 'sigmoid', 0, 1, 0.2, 'mean initial weight magnitude'));
    genes.push(gene(`${p}.wSpread`, 'sigmoid', 0, 0.5, 0.05, 'spread of the initial weight magnitudes'));
    genes.push(gene(`${p}.sigma`, 'log', 0.05, 10, 2, 'distance length scale σ: P = p·exp(−d²/σ²)'));
    genes.push(gene(`${p}.plastic`, 'sigmoid', 0, 1, 1, '1: the rule updates these synapses; 0: fixed', { integer: true, evolve: false }));
    genes.push(gene(`${p}.segment`, 'sigmoid', 0, spec.segments - 1, 0, 'dendritic segment of the target neuron', { integer: true, evolve: spec.segments > 1 }));
  }
  for (const [k, r] of Object.entries(spec.ruleParams)) genes.push(gene(`rule.${k}`, r.log ? 'log' : 'sigmoid', r.min, r.max, r.init, `rule parameter ${k}`));
  const byName = new Map(genes.map((g) => [g.name, g]));
  for (const [pattern, o] of Object.entries(spec.genes ?? {})) {
    const hits = matchGenes(pattern, genes);
    if (hits.length === 0) throw new GenomeError(`genome.genes: '${pattern}' matches no gene`, `genes.${pattern}`);
    for (const g of hits) Object.assign(byName.get(g.name)!, o);
  }
  for (const g of genes) checkGene(g);
  return genes;
}

export function matchGenes(pattern: string, genes: GeneDef[]): GeneDef[] {
  const re = new RegExp('^' + pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\>]/g, '\\$&')).join('.*') + '$');
  return genes.filter((g) => re.test(g.name));
}

/** A genome file or vector that does not fit its gene table; `field` names where. */
export class GenomeError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

function checkGene(g: GeneDef): void {
  const bad = (m: string) => {
    throw new GenomeError(`gene ${g.name}: ${m}`, `genes.${g.name}`);
  };
  if (!(Number.isFinite(g.min) && Number.isFinite(g.max) && g.min <= g.max)) bad(`bounds [${g.min}, ${g.max}] must be finite with min ≤ max`);
  if (g.transform === 'log' && !(g.min > 0)) bad(`a log-scale gene needs min > 0, got ${g.min}`);
  if (!(Number.isFinite(g.init) && g.init >= g.min && g.init <= g.max)) bad(`init ${g.init} is outside [${g.min}, ${g.max}]`);
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
// logit of a unit value kept 1e-3 inside (0, 1): a value at a bound maps to |z| ≈ 7, where a
// strategy's steps can still move it (a saturated z would freeze the gene)
const logit = (u: number) => {
  const v = Math.min(1 - 1e-3, Math.max(1e-3, u));
  return Math.log(v / (1 - v));
};

/** The gene's value for an unconstrained z. */
export function toValue(g: GeneDef, z: number): number {
  let v: number;
  if (g.min === g.max) v = g.min;
  else if (g.transform === 'sigmoid') v = g.min + (g.max - g.min) * sigmoid(z);
  else if (g.transform === 'log') v = Math.min(g.max, Math.max(g.min, Math.exp(Math.log(g.min) + (Math.log(g.max) - Math.log(g.min)) * sigmoid(z))));
  else if (g.transform === 'softplus') v = Math.min(g.max, g.min + (z > 30 ? z : Math.log1p(Math.exp(z))));
  else v = Math.min(g.max, Math.max(g.min, z));
  return g.integer ? Math.round(v) : v;
}

/** An unconstrained z whose value is v (the inverse of toValue within the bounds). */
export function toReal(g: GeneDef, v: number): number {
  if (g.min === g.max) return 0;
  let c = Math.min(g.max, Math.max(g.min, v));
  // an integer gene starts a quarter step inside its rounding interval, not at the edge of the transform
  if (g.integer && g.max - g.min >= 1) c = Math.min(g.max - 0.25, Math.max(g.min + 0.25, c));
  if (g.transform === 'sigmoid') return logit((c - g.min) / (g.max - g.min));
  if (g.transform === 'log') return logit((Math.log(c) - Math.log(g.min)) / (Math.log(g.max) - Math.log(g.min)));
  if (g.transform === 'softplus') {
    const y = Math.max(1e-12, c - g.min);
    return y > 30 ? y : Math.log(Math.expm1(y));
  }
  return c;
}

/** A genome as values by gene name (every gene, fixed ones included). */
export type Genome = Record<string, number>;

/** The evolving genes, in vector order. */
export function evolving(genes: GeneDef[]): GeneDef[] {
  return genes.filter((g) => g.evolve);
}

export function initialGenome(genes: GeneDef[]): Genome {
  return Object.fromEntries(genes.map((g) => [g.name, g.init]));
}

/** The unconstrained vector of a genome's evolving genes. */
export function genomeToVector(genes: GeneDef[], genome: Genome): number[] {
  return evolving(genes).map((g) => toReal(g, genome[g.name]));
}

/** The genome of an unconstrained vector: evolving genes from x, fixed genes at their init. */
export function vectorToGenome(genes: GeneDef[], x: ArrayLike<number>): Genome {
  const ev = evolving(genes);
  if (x.length !== ev.length) throw new GenomeError(`genome vector has ${x.length} values, the skeleton evolves ${ev.length} genes`, 'vector');
  const out: Genome = Object.create(null);
  for (const g of genes) out[g.name] = g.init;
  ev.forEach((g, i) => {
    if (!Number.isFinite(x[i])) throw new GenomeError(`genome vector: value ${i} (${g.name}) is ${x[i]}`, `vector[${i}]`);
    out[g.name] = toValue(g, x[i]);
  });
  return out;
}

/** The JSON form: `{ format, genes: { name: value } }`; every gene of the table, nothing else. */
export function genomeToJson(genes: GeneDef[], genome: Genome): { format: 'springtail-genome/1'; genes: Record<string, number> } {
  return { format: 'springtail-genome/1', genes: Object.fromEntries(genes.map((g) => [g.name, genome[g.name]])) };
}

/** Reads and checks a genome's JSON form against the gene table; errors name the field. */
export function genomeFromJson(genes: GeneDef[], json: unknown): Genome {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new GenomeError('a genome is an object { format, genes }', '');
  const o = json as Record<string, unknown>;
  if (o.format !== 'springtail-genome/1') throw new GenomeError(`format must be "springtail-genome/1", got ${JSON.stringify(o.format)?.slice(0, 40)}`, 'format');
  const gs = o.genes;
  if (typeof gs !== 'object' || gs === null || Array.isArray(gs)) throw new GenomeError('genes must be an object of numbers by gene name', 'genes');
  const table = new Map(genes.map((g) => [g.name, g]));
  for (const k of Object.keys(gs)) if (!table.has(k)) throw new GenomeError(`unknown gene '${k.slice(0, 60)}' for this skeleton`, `genes.${k.slice(0, 60)}`);
  const out: Genome = Object.create(null);
  for (const g of genes) {
    if (!Object.hasOwn(gs, g.name)) throw new GenomeError(`gene ${g.name} is missing`, `genes.${g.name}`);
    const v = (gs as Record<string, unknown>)[g.name];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new GenomeError(`gene ${g.name} must be a finite number`, `genes.${g.name}`);
    if (v < g.min || v > g.max) throw new GenomeError(`gene ${g.name} = ${v} is outside [${g.min}, ${g.max}]`, `genes.${g.name}`);
    if (g.integer && !Number.isInteger(v)) throw new GenomeError(`gene ${g.name} must be an integer, got ${v}`, `genes.${g.name}`);
    out[g.name] = v;
  }
  return out;
}
