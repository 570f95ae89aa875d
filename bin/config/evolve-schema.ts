// Evolution config (issue 10, SPEC §7): a task, a skeleton (which genes, their bounds), a rule with
// the parameters that evolve, a fitness and a strategy. A config with a "genome" key is an evolution.
import * as z from 'zod';
import { geneTable, GenomeError, type GeneDef, type SkeletonSpec } from '../../evolve/genome.ts';
import type { EvolveSetup } from '../../evolve/run.ts';
import { getStrategy, STRATEGY_NAMES, StrategyError } from '../../evolve/strategies/index.ts';
import { makeTask } from '../../tasks/registry.ts';
import type { TaskSpec } from '../../tasks/registry.ts';
import type { Problem } from '../errors.ts';
import { Task, taskDim } from './compare-schema.ts';
import { Plasticity, Rule, ruleDef } from './schema.ts';
import { finite, int, isRec, nonNegative, obj, oneOf, positive, seed, unitInterval } from './zod-helpers.ts';

const somaF = () => oneOf(['relu', 'clamp01', 'sigmoid', 'linear']);

const GeneOverride = obj({
  evolve: z.boolean({ error: 'boolean' }).optional(),
  min: finite().optional(),
  max: finite().optional(),
  init: finite().optional(),
  transform: oneOf(['sigmoid', 'log', 'softplus', 'clip']).optional(),
});

const Genome = obj({
  types: int(1, 16),
  budget: int(1, 1_000_000),
  code: obj({ size: int(1, 4096), soma: somaF().default('clamp01') }),
  soma: somaF().default('clamp01'),
  segments: int(1, 8).default(1),
  homeostasis: obj({ eta: nonNegative(), target: finite() }).optional(),
  maxSynapses: int(1).default(1_000_000),
  genes: z.record(z.string(), GeneOverride, { error: 'object: gene name or pattern with * → { evolve?, min?, max?, init?, transform? }' }).optional(),
});

const EvolvingParam = obj({ min: finite(), max: finite(), init: finite().optional(), log: z.boolean({ error: 'boolean' }).default(false) });

const Fitness = obj({
  childhood: int(1),
  hold: int(1).default(1),
  settle: int(1).default(10),
  chunk: int(1, 1000).default(50),
  train: int(10).default(500),
  test: int(10).default(200),
  corruption: unitInterval().default(0.1),
  weights: obj({
    readout: nonNegative().default(1),
    prediction: nonNegative().default(1),
    rate: nonNegative().default(0),
    wiring: nonNegative().default(0),
    synapses: nonNegative().default(0),
  }).prefault({}),
});

const Strategy = obj({
  name: oneOf(STRATEGY_NAMES),
  popSize: int(2, 100_000),
  sigma0: positive().default(0.5),
  options: z.record(z.string(), z.unknown(), { error: 'object of strategy options' }).default({}),
});

// the novelty bonus (journal May 6 2022): the strategy is told fitness + weight · novelty
const Novelty = obj({
  weight: positive(),
  k: int(1, 10_000).default(10),
  probes: int(2, 256).default(16),
  archive: int(0, 100_000).default(500),
  perGeneration: int(0, 100_000).default(2),
});

export const EvolveSchema = obj({
  name: z.string({ error: 'string' }).regex(/^[A-Za-z0-9._-]+$/, { error: 'string matching /^[A-Za-z0-9._-]+$/' }),
  seed: seed().default(1),
  backend: oneOf(['cpu', 'webgpu', 'auto']).default('cpu'),
  task: Task,
  genome: Genome,
  rule: Rule.extend({ evolve: z.record(z.string(), EvolvingParam, { error: 'object: parameter → { min, max, init?, log? }' }).default({}) }),
  plasticity: Plasticity.prefault({}),
  fitness: Fitness,
  strategy: Strategy,
  replicates: int(1, 64).default(1),
  generations: int(1, 10_000_000),
  novelty: Novelty.optional(),
});

export type EvolveConfig = z.output<typeof EvolveSchema>;

/** The skeleton of a validated config. */
export function skeletonOf(c: EvolveConfig): SkeletonSpec {
  const rd = ruleDef(c);
  const ruleParams: SkeletonSpec['ruleParams'] = {};
  for (const [k, r] of Object.entries(c.rule.evolve)) ruleParams[k] = { min: r.min, max: r.max, log: r.log, init: r.init ?? c.rule.params[k] ?? rd.params[k]?.default ?? r.min };
  return { ...c.genome, inputs: taskDim(c.task)!, ruleParams };
}

/** Cross-field checks: evolving rule parameters exist and lie in the rule's ranges; the gene table builds; strategy options. */
export function crossCheckEvolve(c: EvolveConfig): Problem[] {
  const problems: Problem[] = [];
  const rd = ruleDef(c);
  for (const [k, r] of Object.entries(c.rule.evolve)) {
    const at = `rule.evolve.${k}`;
    const p = Object.hasOwn(rd.params, k) ? rd.params[k] : undefined;
    if (!p) {
      problems.push({ path: at, value: k, expected: `a parameter of rule '${rd.name}' (${Object.keys(rd.params).join(', ') || 'it has none'})` });
      continue;
    }
    if (!(r.min <= r.max)) problems.push({ path: `${at}.max`, value: r.max, expected: `>= min (${r.min})` });
    if ((p.min !== undefined && r.min < p.min) || (p.max !== undefined && r.max > p.max)) problems.push({ path: at, value: [r.min, r.max], expected: `bounds within the rule's range [${p.min ?? '-inf'}, ${p.max ?? 'inf'}]` });
    if (r.log && !(r.min > 0)) problems.push({ path: `${at}.min`, value: r.min, expected: 'number > 0 (log scale)' });
  }
  if (c.novelty) {
    // the descriptors come from the codes of the first test inputs the fitness scores
    const tests = Math.min(c.fitness.test, c.task.test);
    if (c.novelty.probes > tests) problems.push({ path: 'novelty.probes', value: c.novelty.probes, expected: `integer <= ${tests} (the test inputs the fitness encodes: min of fitness.test and task.test)` });
  }
  if (problems.length) return problems;
  let genes: GeneDef[] = [];
  try {
    genes = geneTable(skeletonOf(c));
  } catch (e) {
    if (!(e instanceof GenomeError)) throw e;
    return [{ path: `genome.${e.field}`, value: undefined, expected: '', message: e.message }];
  }
  const dim = genes.filter((g) => g.evolve).length;
  if (dim === 0) problems.push({ path: 'genome.genes', value: undefined, expected: '', message: 'no gene evolves: set evolve: true on some gene or give rule.evolve' });
  else {
    try {
      getStrategy(c.strategy.name).init({ dim, seed: c.seed, popSize: c.strategy.popSize, sigma0: c.strategy.sigma0, ...c.strategy.options });
    } catch (e) {
      if (!(e instanceof StrategyError)) throw e;
      problems.push({ path: `strategy.options.${e.path}`, value: undefined, expected: '', message: e.message });
    }
  }
  return problems;
}

export function isEvolve(raw: unknown): boolean {
  return isRec(raw) && 'genome' in raw;
}

/** What the evolution loop needs; builds the task (loads MNIST when asked for). */
export function setupOf(c: EvolveConfig): EvolveSetup {
  const skeleton = skeletonOf(c);
  const rd = ruleDef(c);
  const plasticity = { wMin: c.plasticity.wMin ?? -Infinity, wMax: c.plasticity.wMax ?? Infinity, normalize: c.plasticity.normalize, normalizeTarget: c.plasticity.normalizeTarget };
  return {
    task: makeTask(c.task as TaskSpec, c.seed),
    skeleton,
    genes: geneTable(skeleton),
    rule: rd,
    ruleParams: c.rule.params,
    plasticity,
    fitness: c.novelty ? { ...c.fitness, probes: c.novelty.probes } : c.fitness,
    ...(c.novelty ? { novelty: { weight: c.novelty.weight, k: c.novelty.k, archive: c.novelty.archive, perGeneration: c.novelty.perGeneration } } : {}),
    strategy: { name: c.strategy.name, popSize: c.strategy.popSize, sigma0: c.strategy.sigma0, options: c.strategy.options },
    replicates: c.replicates,
    seed: c.seed,
    backend: c.backend,
  };
}
