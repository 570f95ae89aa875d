// The memory a validated config needs, estimated before anything is built (sim/budget.ts has the
// formulas), and the refusal, as a config problem at the field that drives the size, of what
// exceeds the backend's limits or this machine's memory (SPEC §9: exit 2, never a crash mid-run).
import type { BackendName } from '../../sim/backend.ts';
import { layersCounts, type LayersSpec } from '../../sim/build.ts';
import { describeMachine, formatBytes, machineBytes, networkNeed, type BackendNeed } from '../../sim/budget.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import { UserError } from '../errors.ts';
import { taskDim, type CompareConfig } from './compare-schema.ts';
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

function ruleSizes(c: Pick<Config, 'rule'>): RuleSizes {
  const rule = compileRule(ruleDef(c), c.rule.params);
  return { nSlots: rule.slotNames.length, nTerms: rule.termNames.length, nOrgParams: rule.orgParamNames.length };
}

/** A simulation's rule, or each bio method's (by method index). */
const rulesOf = (c: AnyConfig): RuleSizes[] => ('methods' in c ? c.methods.map((m) => (m.kind === 'bio' ? ruleSizes(m) : { nSlots: 0, nTerms: 0, nOrgParams: 0 })) : [ruleSizes(c)]);

/** One estimate per backend the config may run on (both for `auto`); none for an evolution, which sizes its own populations (evolve/). */
export function estimate(config: LoadedConfig): BackendEstimate[] {
  return isEvolveConfig(config) ? [] : estimateWith(config, rulesOf(config));
}

function estimateWith(c: AnyConfig, rules: RuleSizes[]): BackendEstimate[] {
  const backends: BackendName[] = c.backend === 'auto' ? ['cpu', 'webgpu'] : [c.backend];
  return backends.map((b) => ('methods' in c ? compareEstimate(c, rules, b) : simEstimate(c, rules[0], b)));
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
    const need = networkNeed(sizes(m.network, rules[i], m.chunk, 0), backend);
    over.push(...need.over.map((o) => `methods[${i}]: ${o}`));
    if (!network || need.host > network.part.bytes) network = { part: { what: `methods[${i}] network`, bytes: need.host }, device: need.device };
  });
  if (network) parts.push(network.part);
  return withMachine(backend, parts, network?.device, over);
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
  if (isEvolveConfig(config)) return [];
  const rules = rulesOf(config);
  const est = estimateWith(config, rules);
  if (est.some((e) => e.over.length === 0)) return est;
  let blame = sizeFields(config)[0];
  let best = Infinity;
  for (const path of sizeFields(config)) {
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

/** The estimate for `validate`'s summary, one line. */
export function describeEstimate(est: BackendEstimate[]): string {
  const one = (e: BackendEstimate) => {
    const parts = e.parts.map((p) => `${p.what} ${formatBytes(p.bytes)}`).join(', ');
    const dev = e.device ? `; ${e.device.what} ${formatBytes(e.device.bytes)} of ${formatBytes(e.device.limit)}` : '';
    return `${e.backend} ${formatBytes(e.total)} (${parts}${dev})${e.over.length ? `, does not fit: ${e.over.join('; ')}` : ''}`;
  };
  return `memory: ${est.map(one).join('; ')}; ${describeMachine()}`;
}
