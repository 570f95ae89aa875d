// The memory a validated config needs, estimated before anything is built (sim/budget.ts has the
// formulas), and the refusal, as a config problem at the field that drives the size, of what
// exceeds the backend's limits or this machine's memory (SPEC §9: exit 2, never a crash mid-run).
import { LIST_BYTES_PER_SYNAPSE } from '../../evolve/develop.ts';
import type { BackendName } from '../../sim/backend.ts';
import { layersCounts, type LayersSpec } from '../../sim/build.ts';
import { describeMachine, formatBytes, machineBytes, networkNeed, type BackendNeed } from '../../sim/budget.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import { encodeBatch } from '../../tasks/baselines/bio.ts';
import { UserError } from '../errors.ts';
import { taskDim, type CompareConfig } from './compare-schema.ts';
import type { EvolveConfig } from './evolve-schema.ts';
import { formatPath, isEvolveConfig, type AnyConfig, type LoadedConfig } from './load.ts';
import { ruleDef, type Config } from './schema.ts';

/** A share of a run's host memory. */
interface Part {
  what: string;
  bytes: number;
}

export interface BackendEstimate {
  backend: BackendName;
  /** Host bytes, by part. */
  parts: Part[];
  total: number;
  /** The largest network's own limit on this backend (WebAssembly memory, a storage buffer). */
  device?: BackendNeed['device'];
  /** Limits the config breaks on this backend; empty when it fits. */
  over: string[];
}

/** What the rule adds per synapse and neuron: compiled once, reused for every size tried. */
type RuleSizes = { nSlots: number; nTerms: number; nOrgParams: number };

function ruleSizes(c: Pick<Config, 'rule'>, perOrganism: string[] = []): RuleSizes {
  const rule = compileRule(ruleDef(c), c.rule.params, { perOrganism });
  return { nSlots: rule.slotNames.length, nTerms: rule.termNames.length, nOrgParams: rule.orgParamNames.length };
}

/** A simulation's rule, each bio method's (by method index), or an evolution's (its evolving parameters per organism). */
function rulesOf(c: LoadedConfig): RuleSizes[] {
  if (isEvolveConfig(c)) return [ruleSizes(c, Object.keys(c.rule.evolve))];
  return 'methods' in c ? c.methods.map((m) => (m.kind === 'bio' ? ruleSizes(m) : { nSlots: 0, nTerms: 0, nOrgParams: 0 })) : [ruleSizes(c)];
}

/** One estimate per backend the config may run on (both for `auto`). */
export function estimate(config: LoadedConfig): BackendEstimate[] {
  return estimateWith(config, rulesOf(config));
}

function estimateWith(c: LoadedConfig, rules: RuleSizes[]): BackendEstimate[] {
  const backends: BackendName[] = c.backend === 'auto' ? ['cpu', 'webgpu'] : [c.backend];
  return backends.map((b) => (isEvolveConfig(c) ? evolveEstimate(c, rules[0], b) : 'methods' in c ? compareEstimate(c, rules, b) : simEstimate(c, rules[0], b)));
}

function simEstimate(c: Config, rule: RuleSizes, backend: BackendName): BackendEstimate {
  // c.chunk bounds the chunk run.ts steps by (the smallest of chunk, logEvery and steps)
  const need = networkNeed(sizes(c.network, rule, c.chunk, c.record?.capacity ?? 0), backend);
  const parts: Part[] = [{ what: 'network', bytes: need.host - need.recording }];
  if (c.record) parts.push({ what: `recording (${c.record.capacity} frames)`, bytes: need.recording });
  return withMachine(backend, parts, need.device, need.over);
}

function compareEstimate(c: CompareConfig, rules: RuleSizes[], backend: BackendName): BackendEstimate {
  const dim = taskDim(c.task)!;
  const parts: Part[] = [{ what: `task data (${c.task.train + c.task.test} samples × ${dim} values)`, bytes: 4 * (c.task.train + c.task.test) * dim }];
  // methods run one after another: the largest network counts, with its backend's limits
  let network: { part: Part; device: BackendNeed['device'] } | undefined;
  const over: string[] = [];
  c.methods.forEach((m, i) => {
    if (m.kind !== 'bio') return;
    // its codes are read from a recording of every neuron, a batch of samples at a time
    const recording = encodeBatch(layersCounts(m.network).N, Math.max(c.task.train, c.task.test));
    const need = networkNeed(sizes(m.network, rules[i], m.chunk, recording), backend);
    over.push(...need.over.map((o) => `methods[${i}]: ${o}`));
    if (!network || need.host > network.part.bytes) network = { part: { what: `methods[${i}] network`, bytes: need.host }, device: need.device };
  });
  if (network) parts.push(network.part);
  return withMachine(backend, parts, network?.device, over);
}

/**
 * A generation evaluated by the local executor: every member's replicates in one tensor, each
 * organism at its upper bounds (all neurons of the budget, every non-input neuron with a segment per
 * (segment gene, plastic) pair, min(maxSynapses, every pair) synapses), and the codes of the tests.
 */
function evolveEstimate(c: EvolveConfig, rule: RuleSizes, backend: BackendName): BackendEstimate {
  const dim = taskDim(c.task)!;
  const O = c.strategy.popSize * c.replicates;
  const n = dim + c.genome.budget + c.genome.code.size;
  const synapses = Math.min(c.genome.maxSynapses, (n - dim) * n);
  const counts = { organisms: O, N: O * n, G: O * (dim + (n - dim) * 2 * c.genome.segments), S: O * synapses, nGroups: 0 };
  // train, clean and corrupted test inputs, and glider-checker's 8 symbols, through every organism's
  // code: read from a recording of every neuron, a batch of samples at a time
  const encoded = Math.min(c.fitness.train, c.task.train) + 2 * Math.min(c.fitness.test, c.task.test) + (c.task.kind === 'glider-checker' ? 8 : 0);
  const need = networkNeed({ ...counts, ...rule, nIn: dim, maxChunk: Math.min(c.fitness.chunk, c.fitness.childhood), recCapacity: encodeBatch(counts.N, encoded) }, backend);
  // development keeps every organism's synapse columns until the population is batched
  const lists = LIST_BYTES_PER_SYNAPSE * O * synapses;
  const parts: Part[] = [
    { what: `task data (${c.task.train + c.task.test} samples × ${dim} values)`, bytes: 4 * (c.task.train + c.task.test) * dim },
    { what: `a generation (${O} organisms of ≤ ${n} neurons, ≤ ${synapses} synapses each)`, bytes: need.host },
    { what: 'its development', bytes: lists },
    { what: 'test codes', bytes: 4 * O * encoded * c.genome.code.size },
  ];
  return withMachine(backend, parts, need.device, need.over);
}

function sizes(network: LayersSpec, rule: RuleSizes, maxChunk: number, recCapacity: number) {
  const nIn = network.layers.filter((l) => l.role === 'input').reduce((n, l) => n + l.size, 0);
  return { ...layersCounts(network), ...rule, nIn, maxChunk, recCapacity };
}

function withMachine(backend: BackendName, parts: Part[], device: BackendNeed['device'] | undefined, over: string[]): BackendEstimate {
  const total = parts.reduce((s, p) => s + p.bytes, 0);
  const all = [...over];
  if (total > machineBytes()) all.push(`needs ${formatBytes(total)} of memory, above ${describeMachine()}`);
  return { backend, parts, total, ...(device ? { device } : {}), over: all };
}

// ---- the field to blame ---------------------------------------------------------------

type Key = string | number;

/** The integer fields a config's memory grows with. */
function sizeFields(c: AnyConfig): Key[][] {
  const net = (n: LayersSpec, at: Key[]) => [[...at, 'organisms'], ...n.layers.map((_, j) => [...at, 'layers', j, 'size'])];
  if (!('methods' in c)) return [...net(c.network, ['network']), ...(c.record ? [['record', 'capacity']] : [])];
  return [['task', 'train'], ['task', 'test'], ...c.methods.flatMap((m, i) => (m.kind === 'bio' ? net(m.network, ['methods', i, 'network']) : []))];
}

const get = (c: unknown, path: Key[]) => path.reduce((o: any, k) => o[k], c) as number;
function withField<C>(c: C, path: Key[], v: number): C {
  const copy = structuredClone(c);
  const parent = path.slice(0, -1).reduce((o: any, k) => o[k], copy);
  parent[path[path.length - 1]] = v;
  return copy;
}

/**
 * The estimates, or a config problem when no backend the config may use can hold it. The problem
 * is at the size field whose reduction to 1 shrinks the need most, and gives the largest value of
 * it that fits on each backend, when there is one.
 */
export function checkBudget(config: LoadedConfig, source: string): BackendEstimate[] {
  const rules = rulesOf(config);
  const est = estimateWith(config, rules);
  // an evolution's estimate is a bound its organisms rarely reach (measured: a tenth of it on
  // glider-checker), so it is shown, never a refusal; organisms above maxSynapses fail on their own
  if (est.some((e) => e.over.length === 0) || isEvolveConfig(config)) return est;
  const fields = sizeFields(config);
  let blame = fields[0];
  let best = Infinity;
  for (const path of fields) {
    const need = Math.min(...estimateWith(withField(config, path, 1), rules).map((e) => e.total));
    if (need < best) [blame, best] = [path, need];
  }
  const value = get(config, blame);
  /** The largest value of the blamed field that fits on backend `i`, by bisection (sizes only grow with it); 0: none. */
  const most = (i: number) => {
    const fits = (v: number) => estimateWith(withField(config, blame, v), rules)[i].over.length === 0;
    if (!fits(1)) return 0;
    let [lo, hi] = [1, value];
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  const limits = est.map((e, i) => ({ backend: e.backend, most: most(i) })).filter((l) => l.most > 0);
  const top = Math.max(0, ...limits.map((l) => l.most));
  const expected =
    top === 0 ? 'a smaller size' : `integer <= ${top} (the most that fits${limits.length > 1 || est.length > 1 ? `: ${limits.map((l) => `${l.most} on ${l.backend}`).join(', ')}` : ''})`;
  const reasons = est.map((e) => `${e.backend}: ${e.over.join('; ')}`).join('; ');
  throw new UserError(`invalid config ${source}: 1 problem`, [{ path: formatPath(blame), value, expected: `${expected}; as given, ${reasons}` }]);
}

/** The estimate for `validate`'s summary, one line (an evolution's says it is an upper bound). */
export function describeEstimate(est: BackendEstimate[], evolution = false): string {
  const one = (e: BackendEstimate) => {
    const parts = e.parts.map((p) => `${p.what} ${formatBytes(p.bytes)}`).join(', ');
    const dev = e.device ? `; ${e.device.what} ${formatBytes(e.device.bytes)} of ${formatBytes(e.device.limit)}` : '';
    return `${e.backend} ${formatBytes(e.total)} (${parts}${dev})${e.over.length ? `, ${evolution ? 'may not fit at that bound' : 'does not fit'}: ${e.over.join('; ')}` : ''}`;
  };
  const what = evolution ? 'memory at most (every organism at min(genome.maxSynapses, all pairs); lower genome.maxSynapses to bound it)' : 'memory';
  return `${what}: ${est.map(one).join('; ')}; ${describeMachine()}`;
}
