// `springtail evolve <config> [--resume DIR]` (issue 10 §6): the run directory, per-generation
// records and atomic checkpoints, progress, and SIGINT/SIGTERM finishing the current generation.
//
// Commit order per generation: generations.jsonl gets its line, best-genome.json and
// best-network.json are replaced, then checkpoint.json is replaced last. The checkpoint is the
// commit point: a resume trims generations.jsonl back to the checkpoint's generation count, so a
// kill at any moment loses at most the generation in flight and never duplicates a line.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BackendUnavailable } from '../../sim/backend.ts';
import { fromLayers } from '../../sim/build.ts';
import { developOrganism, organismSeed } from '../../evolve/develop.ts';
import { organismNetwork, type NetworkJson } from '../../evolve/export.ts';
import { descriptorLength } from '../../evolve/behaviour.ts';
import { genomeToJson } from '../../evolve/genome.ts';
import { initialCheckpoint, localEvaluator, step, type Checkpoint, type EvolveSetup, type Evaluator } from '../../evolve/run.ts';
import { getStrategy } from '../../evolve/strategies/index.ts';
import { FEWSHOT_N } from '../../tasks/compare.ts';
import { setupOf, type EvolveConfig } from '../config/evolve-schema.ts';
import { RunFailure, UserError } from '../errors.ts';
import { appendLine, fsCause, makeRunDir, writeFileAtomic, writeJsonAtomic } from '../fsutil.ts';
import { vizHint } from '../hint.ts';
import { writeLayout } from '../layout.ts';
import { createProgress } from '../progress.ts';

export interface EvolveOptions {
  out?: string;
  force?: boolean;
  /** An existing evolution run directory to continue. */
  resume?: string;
  /** Total generations (overrides the config's). */
  generations?: number;
  /** The executor flags this run was started with (`--executor bullmq --redis URL`), for the resume hint. */
  executor?: string;
}

const CHECKPOINT = 'checkpoint.json';
const GENERATIONS = 'generations.jsonl';

/** Reads and checks a checkpoint; every problem names the file and the field. */
export function readCheckpoint(file: string, setup: EvolveSetup): Checkpoint {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot read checkpoint ${file}: ${e instanceof SyntaxError ? `invalid JSON (${e.message})` : fsCause(e)}`);
  }
  const bad = (field: string, expected: string, value?: unknown): never => {
    throw new UserError(`invalid checkpoint ${file}`, [{ path: field, value, expected }]);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('(root)', 'an object', raw);
  const c = raw as Record<string, unknown>;
  if (c.format !== 'springtail-evolve-checkpoint/1') bad('format', '"springtail-evolve-checkpoint/1"', c.format);
  if (!Number.isInteger(c.generation) || (c.generation as number) < 0) bad('generation', 'integer >= 0', c.generation);
  if (!Number.isInteger(c.evaluations) || (c.evaluations as number) < 0) bad('evaluations', 'integer >= 0', c.evaluations);
  if (!Number.isInteger(c.failures) || (c.failures as number) < 0) bad('failures', 'integer >= 0', c.failures);
  const s = c.strategy as Record<string, unknown> | undefined;
  if (typeof s !== 'object' || s === null) return bad('strategy', 'the strategy state (object)', s);
  if (s.strategy !== setup.strategy.name) bad('strategy.strategy', `"${setup.strategy.name}" (the config's strategy)`, s.strategy);
  const dim = setup.genes.filter((g) => g.evolve).length;
  if (s.dim !== dim) bad('strategy.dim', `${dim} (the genes the config evolves)`, s.dim);
  if (s.generation !== c.generation) bad('strategy.generation', `${c.generation} (the checkpoint's generation)`, s.generation);
  if (c.best !== null && (typeof c.best !== 'object' || !Number.isFinite((c.best as Record<string, unknown>).fitness))) bad('best.fitness', 'finite number', (c.best as Record<string, unknown> | undefined)?.fitness);
  checkArchive(c.novelty, setup, bad);
  // the strategy's own shape: one ask must work on it
  try {
    getStrategy(setup.strategy.name).ask(c.strategy as Checkpoint['strategy']);
  } catch (e) {
    bad('strategy', `a state ${setup.strategy.name} can continue from (${e instanceof Error ? e.message : String(e)})`);
  }
  return raw as Checkpoint;
}

/** The novelty archive a checkpoint carries exactly when the config has the bonus, of the config's shape. */
function checkArchive(a: unknown, setup: EvolveSetup, bad: (field: string, expected: string, value?: unknown) => never): void {
  const spec = setup.novelty;
  if (!spec) {
    if (a !== undefined) bad('novelty', 'absent (the config has no novelty bonus)', '(an archive)');
    return;
  }
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return bad('novelty', 'the novelty archive (object): the config has a novelty bonus', a);
  const n = a as Record<string, unknown>;
  if (n.capacity !== spec.archive) bad('novelty.capacity', `${spec.archive} (the config's novelty.archive)`, n.capacity);
  const length = descriptorLength(setup.fitness.probes!);
  if (!Array.isArray(n.descriptors) || n.descriptors.length > spec.archive) bad('novelty.descriptors', `an array of at most ${spec.archive} descriptors`, Array.isArray(n.descriptors) ? `${n.descriptors.length} descriptors` : n.descriptors);
  (n.descriptors as unknown[]).forEach((d, i) => {
    if (!Array.isArray(d) || d.length !== length || !d.every(Number.isFinite)) bad(`novelty.descriptors[${i}]`, `${length} finite numbers (novelty.probes ${setup.fitness.probes})`, Array.isArray(d) ? `${d.length} values` : d);
  });
  if (!Number.isInteger(n.added) || (n.added as number) < (n.descriptors as unknown[]).length) bad('novelty.added', `integer >= ${(n.descriptors as unknown[]).length} (the descriptors kept)`, n.added);
}

/** Keeps the first `n` lines of generations.jsonl (a kill may have left one line past the checkpoint). */
function trimGenerations(file: string, n: number): void {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // no file yet: nothing to trim
  }
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines.length < n) throw new UserError(`${file} has ${lines.length} generation records, the checkpoint ${n}: the run directory was changed by hand`);
  if (lines.length !== n || !text.endsWith('\n')) writeFileAtomic(file, lines.slice(0, n).map((l) => l + '\n').join(''));
}

function bestNetworkConfig(config: EvolveConfig, setup: EvolveSetup, ck: Checkpoint): { config: unknown; network: NetworkJson } {
  const best = ck.best!;
  const org = developOrganism(setup.skeleton, best.genome, organismSeed(setup.seed, best.generation, best.member, 0));
  const network = organismNetwork(setup.skeleton, best.genome, org);
  const params: Record<string, number> = { ...config.rule.params };
  for (const k of Object.keys(setup.skeleton.ruleParams)) params[k] = best.genome[`rule.${k}`];
  const { evolve: _evolve, ...rule } = config.rule;
  const out = {
    name: `${config.name}-best`,
    seed: config.seed,
    backend: config.backend,
    task: config.task,
    // the few-shot readout needs 200 training samples: a smaller task leaves it out
    ...(config.task.train < FEWSHOT_N ? { metrics: ['recon_sse', 'r2', 'knn_acc', 'code_quality'] } : {}),
    methods: [
      { kind: 'pixels' },
      { kind: 'pca', components: setup.skeleton.code.size },
      {
        kind: 'bio',
        name: 'evolved',
        network,
        rule: { ...rule, params },
        plasticity: config.plasticity,
        steps: config.fitness.childhood,
        chunk: config.fitness.chunk,
        hold: config.fitness.hold,
        settle: config.fitness.settle,
        code: 'code',
      },
    ],
  };
  return { config: out, network };
}

/** Makes the run's evaluator; the bullmq one needs the run's config (sent to workers) and directory (its run id and log). */
export type EvaluatorFactory = (setup: EvolveSetup, run: { config: EvolveConfig; dir: string }) => Evaluator;

export async function evolveCommand(config: EvolveConfig, opts: EvolveOptions, evaluatorOf: EvaluatorFactory = localEvaluator): Promise<void> {
  const total = opts.generations ?? config.generations;
  let dir: string;
  let setup: EvolveSetup;
  let ck: Checkpoint;
  if (opts.resume !== undefined) {
    dir = opts.resume;
    setup = setupOf(config);
    const file = join(dir, CHECKPOINT);
    try {
      statSync(file);
    } catch {
      throw new UserError(`--resume ${dir}: no ${CHECKPOINT} there (not an evolution run directory)`);
    }
    ck = readCheckpoint(file, setup);
    trimGenerations(join(dir, GENERATIONS), ck.generation);
    // a new total is the run's from now on: a later --resume without --generations keeps it
    if (total !== config.generations) writeJsonAtomic(join(dir, 'config.json'), { ...config, generations: total });
  } else {
    setup = setupOf(config);
    dir = makeRunDir({ name: config.name, kind: 'evolution', out: opts.out, force: opts.force });
    writeJsonAtomic(join(dir, 'config.json'), { ...config, generations: total });
    writeFileAtomic(join(dir, GENERATIONS), '');
    ck = initialCheckpoint(setup);
    // generation 0's checkpoint at once: a run killed before its first generation can be resumed too
    writeJsonAtomic(join(dir, CHECKPOINT), ck);
  }
  const dim = setup.genes.filter((g) => g.evolve).length;
  process.stderr.write(
    `${config.name}: ${config.strategy.name}${config.novelty ? ` + novelty bonus × ${config.novelty.weight}` : ''}, population ${config.strategy.popSize} × ${config.replicates} replicate(s), ${dim} evolving genes, backend ${config.backend}; ` +
      `generation ${ck.generation}/${total}; writing ${dir}\n`,
  );

  let stop = false;
  const onSignal = (sig: string) => {
    if (stop) return;
    stop = true;
    process.stderr.write(`\n${sig}: finishing generation ${ck.generation}, then a checkpoint and exit\n`);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const evaluator = evaluatorOf(setup, { config: { ...config, generations: total }, dir });
  const progress = createProgress(total, `${config.name} generation`, undefined, ck.generation, true);
  try {
    while (ck.generation < total && !stop) {
      const { checkpoint, record } = await step(setup, evaluator, ck).catch((e: unknown) => {
        // a generation larger than this device holds: the run stops with the last checkpoint intact
        if (e instanceof BackendUnavailable) throw new RunFailure(`generation ${ck.generation}: ${e.message}; the checkpoint in ${dir} is intact (generation ${ck.generation}): continue with springtail evolve --resume ${dir} --backend cpu`);
        throw e;
      });
      try {
        appendLine(join(dir, GENERATIONS), JSON.stringify(record));
        if (checkpoint.best && checkpoint.best !== ck.best) {
          writeJsonAtomic(join(dir, 'best-genome.json'), { ...genomeToJson(setup.genes, checkpoint.best.genome), fitness: checkpoint.best.fitness, generation: checkpoint.best.generation, member: checkpoint.best.member, scores: checkpoint.best.scores });
          const bestNet = bestNetworkConfig(config, setup, checkpoint);
          writeJsonAtomic(join(dir, 'best-network.json'), bestNet.config);
          // the organism as grown (initial weights), for the dashboard's 3D view
          writeLayout(dir, 'best-organism', fromLayers(bestNet.network, config.seed), bestNet.network.layers.map((l) => l.name), 'initial');
        }
        writeJsonAtomic(join(dir, CHECKPOINT), checkpoint);
      } catch (e) {
        throw new RunFailure(`cannot write the generation ${ck.generation} files in ${dir}: ${fsCause(e)} (the previous checkpoint is intact)`);
      }
      ck = checkpoint;
      progress.update(ck.generation, { best: ck.best?.fitness ?? NaN, median: record.fitness.median, failures: record.failures });
      // the cpu backend can finish a whole generation in microtasks: let signal events in
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    progress.stop();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    await evaluator.close();
  }
  const b = ck.best;
  process.stdout.write(
    `${config.name}: ${ck.generation}/${total} generations, ${ck.evaluations} evaluations, ${ck.failures} failed\n` +
      (b ? `  best fitness ${b.fitness.toFixed(4)} (generation ${b.generation}, member ${b.member}): ${Object.entries(b.scores ?? {}).map(([k, v]) => `${k} ${Number(v).toFixed(4)}`).join(', ')}\n` : '') +
      `run directory: ${dir}\n` +
      vizHint(dir) +
      (b ? `compare the best organism with pixels and PCA: springtail run ${join(dir, 'best-network.json')}\n` : '') +
      (ck.generation < total ? `continue with: springtail evolve --resume ${dir}${opts.executor ? ` ${opts.executor}` : ''}\n` : ''),
  );
}
