// The evolution loop (SPEC §7): ask → evaluate (develop, childhood, tests) → tell, one generation at
// a time, with a checkpoint after each. Everything the next generation depends on is in the
// checkpoint (the strategy's plain state, the best so far), and every random draw is keyed by
// (run seed, generation, member), so a run resumed from any checkpoint continues bit-identically.
import type { PlasticityOptions } from '../sim/backend.ts';
import { compileRule, type CompiledRule } from '../sim/compiler/compile.ts';
import type { RuleDef } from '../sim/compiler/rule.ts';
import type { BackendChoice } from '../sim/select.ts';
import type { Task } from '../tasks/task.ts';
import { meanDescriptor } from './behaviour.ts';
import { developPopulation, organismSeed } from './develop.ts';
import { failed, scorePopulation, WORST, type FitnessSpec, type OrganismScore } from './fitness.ts';
import { genomeToVector, initialGenome, vectorToGenome, type GeneDef, type Genome, type SkeletonSpec } from './genome.ts';
import { getStrategy, type BaseState } from './strategies/index.ts';
import { emptyArchive, noveltyBonus, updateArchive, type NoveltyArchive } from './strategies/novelty.ts';

export interface EvolveSetup {
  task: Task;
  skeleton: SkeletonSpec;
  genes: GeneDef[];
  rule: RuleDef;
  /** The config's fixed rule parameter values. */
  ruleParams: Record<string, number>;
  plasticity: PlasticityOptions;
  fitness: FitnessSpec;
  strategy: { name: string; popSize: number; sigma0: number; options: Record<string, unknown> };
  /** Networks developed per genome (each from its own seed); a member's fitness is their mean. */
  replicates: number;
  seed: number;
  backend: BackendChoice;
  /** The optional novelty bonus: the strategy is told fitness + weight · novelty (fitness.probes gives the descriptors). */
  novelty?: NoveltySpec;
}

export interface NoveltySpec {
  weight: number;
  /** Nearest neighbours a member's novelty averages over. */
  k: number;
  /** Archive capacity (oldest dropped first). */
  archive: number;
  /** Most novel members archived per generation. */
  perGeneration: number;
}

/** One member's evaluation: the mean over its replicates, or WORST when any failed. */
export interface MemberResult {
  member: number;
  fitness: number;
  scores: Omit<OrganismScore, 'fitness' | 'failed'> | null;
  failed?: string;
  synapses: number;
  /** With the novelty bonus: the mean of its replicates' behaviour descriptors (absent when it failed). */
  descriptor?: number[];
}

export interface Checkpoint {
  format: 'springtail-evolve-checkpoint/1';
  /** Generations completed. */
  generation: number;
  strategy: BaseState;
  best: { fitness: number; generation: number; member: number; genome: Genome; scores: MemberResult['scores'] } | null;
  evaluations: number;
  failures: number;
  /** With the novelty bonus: the archive of behaviour descriptors. */
  novelty?: NoveltyArchive;
}

export interface GenerationRecord {
  generation: number;
  fitness: { min: number; median: number; max: number; mean: number };
  best_so_far: number;
  /** The strategy's step size (sigma) or temperature, as its metrics give it. */
  scale: Record<string, number>;
  failures: number;
  /** Each failed member and why (non-finite state, over budget), so a failure is never silent. */
  failed: { member: number; why: string }[];
  best: MemberResult['scores'];
  eval_seconds: number;
  evals_per_s: number;
  /** With the novelty bonus: the population's novelty and the archive's size after the generation. */
  novelty?: { mean: number; max: number; archive: number };
}

/** Evaluates a generation's members; local in-process, or a queue of workers. */
export interface Evaluator {
  evaluate(generation: number, members: { member: number; x: ArrayLike<number> }[], progress?: (done: number, total: number) => void): Promise<MemberResult[]>;
  close(): Promise<void>;
}

/** The rule compiled with every evolving parameter per organism (the others are constants). */
export function compileEvolvingRule(setup: Pick<EvolveSetup, 'rule' | 'ruleParams' | 'skeleton'>): CompiledRule {
  return compileRule(setup.rule, setup.ruleParams, { perOrganism: Object.keys(setup.skeleton.ruleParams) });
}

/**
 * Develops and scores members as one batched tensor (every replicate of every member). The same
 * members give the same results whichever process evaluates them and however they are chunked:
 * organisms never share state and each is developed from its own counter-based seed.
 */
export async function evaluateMembers(setup: EvolveSetup, rule: CompiledRule, generation: number, members: { member: number; x: ArrayLike<number> }[], progress?: (done: number, total: number) => void): Promise<MemberResult[]> {
  const R = setup.replicates;
  const genomes: Genome[] = [];
  const seeds: number[] = [];
  for (const m of members) {
    const g = vectorToGenome(setup.genes, m.x);
    for (let r = 0; r < R; r++) {
      genomes.push(g);
      seeds.push(organismSeed(setup.seed, generation, m.member, r));
    }
  }
  const pop = developPopulation(setup.skeleton, genomes, seeds);
  const scores: (OrganismScore | null)[] = pop.organisms.map((o) => (o.failed ? failed(o.failed) : null));
  if (pop.tensor) {
    const P = rule.orgParamNames.length;
    const orgParams = new Float32Array(pop.alive.length * P);
    pop.alive.forEach((i, o) => rule.orgParamNames.forEach((k, j) => (orgParams[o * P + j] = genomes[i][`rule.${k}`])));
    const code = pop.alive.map((i, o): [number, number] => {
      const n0 = pop.tensor!.orgNeuronStart[o];
      return [n0 + pop.organisms[i].code[0], n0 + pop.organisms[i].code[1]];
    });
    const got = await scorePopulation(
      setup.task,
      {
        tensor: pop.tensor,
        code,
        rule,
        orgParams: P > 0 ? orgParams : undefined,
        plasticity: setup.plasticity,
        synapses: pop.alive.map((i) => pop.organisms[i].synapses),
        wiring: pop.alive.map((i) => pop.organisms[i].wiring),
      },
      setup.fitness,
      setup.backend,
      // the test-input corruption is the same for every member of a generation
      organismSeed(setup.seed, generation, 0xffffffff, 0),
      progress,
    );
    pop.alive.forEach((i, o) => (scores[i] = got[o]));
  }
  return members.map((m, k) => {
    const rs = scores.slice(k * R, (k + 1) * R) as OrganismScore[];
    const synapses = pop.organisms.slice(k * R, (k + 1) * R).reduce((a, o) => a + o.synapses, 0) / R;
    const bad = rs.find((s) => s.failed);
    if (bad) return { member: m.member, fitness: WORST, scores: null, failed: bad.failed, synapses };
    const mean = (f: (s: OrganismScore) => number | undefined) => rs.reduce((a, s) => a + (f(s) ?? 0), 0) / R;
    const out: MemberResult['scores'] = { readout: mean((s) => s.readout), prediction: mean((s) => s.prediction), prediction_mse: mean((s) => s.prediction_mse), rate: mean((s) => s.rate) };
    if (rs[0].distinct_codes !== undefined) out.distinct_codes = mean((s) => s.distinct_codes);
    const result: MemberResult = { member: m.member, fitness: mean((s) => s.fitness), scores: out, synapses };
    if (rs[0].descriptor) result.descriptor = meanDescriptor(rs.map((s) => s.descriptor!));
    return result;
  });
}

export function localEvaluator(setup: EvolveSetup): Evaluator {
  const rule = compileEvolvingRule(setup);
  return {
    evaluate: (generation, members, progress) => evaluateMembers(setup, rule, generation, members, progress),
    close: async () => {},
  };
}

export function initialCheckpoint(setup: EvolveSetup): Checkpoint {
  const s = getStrategy(setup.strategy.name);
  const x0 = genomeToVector(setup.genes, initialGenome(setup.genes));
  const state = s.init({ dim: x0.length, seed: setup.seed, x0, sigma0: setup.strategy.sigma0, popSize: setup.strategy.popSize, ...setup.strategy.options });
  const ck: Checkpoint = { format: 'springtail-evolve-checkpoint/1', generation: 0, strategy: state, best: null, evaluations: 0, failures: 0 };
  if (setup.novelty) ck.novelty = emptyArchive(setup.novelty.archive);
  return ck;
}

function median(sorted: number[]): number {
  const n = sorted.length;
  return n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** One generation from a checkpoint: the next checkpoint and the generation's record. */
export async function step(setup: EvolveSetup, evaluator: Evaluator, ck: Checkpoint, progress?: (done: number, total: number) => void): Promise<{ checkpoint: Checkpoint; record: GenerationRecord; results: MemberResult[] }> {
  const strategy = getStrategy(ck.strategy.strategy);
  const { state, population } = strategy.ask(ck.strategy);
  const t0 = performance.now();
  const results = await evaluator.evaluate(ck.generation, population.map((x, member) => ({ member, x })), progress);
  const seconds = (performance.now() - t0) / 1000;
  if (results.length !== population.length || results.some((r, i) => r.member !== i)) throw new Error(`evaluator returned ${results.length} results for ${population.length} members`);
  const fitness = results.map((r) => r.fitness);
  const novelty = setup.novelty && ck.novelty ? withNovelty(setup.novelty, ck.novelty, results) : undefined;
  // the strategy is told the bonus; the records and the best so far keep the task's own fitness
  const next = strategy.tell(state, population, novelty ? novelty.told : fitness);
  const finite = fitness.filter(Number.isFinite).sort((a, b) => a - b);
  const failures = fitness.length - finite.length;
  let best = ck.best;
  results.forEach((r, i) => {
    // strictly better only: ties keep the earlier one, so the best is the same however results arrive
    if (Number.isFinite(r.fitness) && (best === null || r.fitness > best.fitness)) {
      best = { fitness: r.fitness, generation: ck.generation, member: i, genome: vectorToGenome(setup.genes, population[i]), scores: r.scores };
    }
  });
  const top = finite.length ? results.reduce((a, r) => (Number.isFinite(r.fitness) && (!Number.isFinite(a.fitness) || r.fitness > a.fitness) ? r : a)) : null;
  const record: GenerationRecord = {
    generation: ck.generation,
    fitness: { min: finite[0] ?? NaN, median: median(finite), max: finite[finite.length - 1] ?? NaN, mean: finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN },
    best_so_far: best?.fitness ?? NaN,
    scale: strategy.metrics(next),
    failures,
    failed: results.flatMap((r) => (Number.isFinite(r.fitness) ? [] : [{ member: r.member, why: r.failed ?? 'non-finite fitness' }])),
    best: top?.scores ?? null,
    eval_seconds: seconds,
    evals_per_s: (population.length * setup.replicates) / Math.max(seconds, 1e-9),
  };
  const checkpoint: Checkpoint = { ...ck, generation: ck.generation + 1, strategy: next, best, evaluations: ck.evaluations + population.length * setup.replicates, failures: ck.failures + failures };
  if (novelty) {
    checkpoint.novelty = novelty.archive;
    record.novelty = { mean: novelty.bonus.reduce((a, b) => a + b, 0) / novelty.bonus.length, max: Math.max(...novelty.bonus), archive: novelty.archive.descriptors.length };
  }
  return { checkpoint, record, results };
}

/** Each member's novelty against the archive and the rest of the generation, what the strategy is told, and the next archive. */
function withNovelty(spec: NoveltySpec, archive: NoveltyArchive, results: MemberResult[]): { bonus: number[]; told: number[]; archive: NoveltyArchive } {
  // a failed member has no descriptor: not finite, so novelty 0, nobody's neighbour, never archived
  const descriptors = results.map((r) => (Number.isFinite(r.fitness) && r.descriptor ? r.descriptor : [NaN]));
  const bonus = noveltyBonus(descriptors, archive, spec.k);
  return { bonus, told: results.map((r, i) => r.fitness + spec.weight * bonus[i]), archive: updateArchive(archive, descriptors, bonus, spec.perGeneration) };
}
