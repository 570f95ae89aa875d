// The springtail CLI (SPEC §9). Every failure goes through handleFatal: bad input exits 2,
// runtime failures exit 1, neither prints a stack trace.
import os from 'node:os';
import yargs, { type Argv } from 'yargs';
import type { CompareConfig } from './config/compare-schema.ts';
import type { AnyConfig, LoadedConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import type { EvolveConfig } from './config/evolve-schema.ts';
import type { EvaluatorFactory } from './commands/evolve.ts';
import { UserError, escapeText, handleFatal, showValue } from './errors.ts';

// Config modules (zod, rules) load lazily so `--help` and bench stay fast.
const loadConfig = async (...args: Parameters<typeof import('./config/load.ts').loadConfig>) => (await import('./config/load.ts')).loadConfig(...args);
const loadAnyConfig = async (...args: Parameters<typeof import('./config/load.ts').loadAnyConfig>) => (await import('./config/load.ts')).loadAnyConfig(...args);
const loadEvolveConfig = async (...args: Parameters<typeof import('./config/load.ts').loadEvolveConfig>) => (await import('./config/load.ts')).loadEvolveConfig(...args);

const setOption = {
  // Not `array: true`: that would swallow the positional after it (`--set a=1 cfg.json`). No
  // default: a bare `--set` must come through (as '') to be refused, not look like no --set.
  type: 'string',
  describe: 'override a config field before validation, e.g. --set network.layers.1.size=32 (repeatable)',
} as const;

// Flags are declared as strings and checked here, on what the user typed: as a number yargs would
// round `--seed 9007199254740993` to a double. A bare flag comes as '', a repeated one as an array.
const BACKENDS = ['cpu', 'webgpu', 'auto'];

const badFlag = (flag: string, value: unknown, expected: string, message?: string) =>
  new UserError('invalid flag', [{ path: flag, value, expected, ...(message === undefined ? {} : { message }) }]);

/** A single-valued flag: undefined when not given, else given once, with a value `parse` accepts. */
function flagValue<T>(flag: string, raw: unknown, expected: string, parse: (typed: string) => T | undefined): T | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw badFlag(flag, raw, expected, `given ${raw.length} times (${raw.map((v) => showValue(v)).join(', ')}); give it once`);
  const typed = String(raw);
  if (typed === '') throw badFlag(flag, undefined, expected); // "missing, expected ..."
  const v = parse(typed);
  if (v === undefined) throw badFlag(flag, typed, expected);
  return v;
}

/** The --set assignments, none of them empty. */
function setValues(raw: unknown): string[] {
  const all = raw === undefined ? [] : Array.isArray(raw) ? raw.map(String) : [String(raw)];
  if (all.includes('')) throw badFlag('--set', undefined, 'path=value, e.g. network.layers.1.size=32');
  return all;
}

async function runFlags(argv: { backend?: unknown; seed?: unknown; out?: unknown }) {
  const { SEED_MAX } = await import('./config/zod-helpers.ts');
  return {
    backend: flagValue('--backend', argv.backend, BACKENDS.map((b) => JSON.stringify(b)).join(' | '), (s) => (BACKENDS.includes(s) ? s : undefined)),
    seed: flagValue('--seed', argv.seed, `integer 0..${SEED_MAX}`, (s) => (/^\d+$/.test(s) && BigInt(s) <= SEED_MAX ? Number(s) : undefined)),
    out: flagValue('--out', argv.out, 'a directory path', (s) => s),
  };
}

const intFlag = (flag: string, raw: unknown, lo: number, hi: number, what = '') =>
  flagValue(flag, raw, `integer ${lo}..${hi}${what}`, (t) => (/^\d+$/.test(t) && Number(t) >= lo && Number(t) <= hi ? Number(t) : undefined));
/** run's --live, --port, --live-every, --live-hold: the live options, or undefined without --live. */
function liveFlags(argv: { live?: unknown; port?: unknown; liveEvery?: unknown; liveHold?: unknown }) {
  const port = intFlag('--port', argv.port, 0, 65535);
  const every = intFlag('--live-every', argv.liveEvery, 1, 1_000_000_000, ' (steps)');
  const hold = argv.liveHold === undefined ? undefined : Boolean(argv.liveHold);
  if (!argv.live) {
    for (const [flag, v] of [['--port', port], ['--live-every', every], ['--live-hold', hold]] as const) {
      if (v !== undefined) throw badFlag(flag, v, 'nothing without --live');
    }
    return undefined;
  }
  return { port, every: every ?? 1, hold: hold ?? false };
}
const redisFlag = (raw: unknown) => flagValue('--redis', raw, 'a Redis URL, e.g. redis://127.0.0.1:6379', (s) => s);

/** evolve's `--executor bullmq --redis URL [--chunk N] [--redis-timeout S]`: the evaluator factory once Redis answered (else exit 2), undefined for local; and the flags a resume of the run takes. */
async function executorFlags(argv: { executor?: unknown; redis?: unknown; chunk?: unknown; redisTimeout?: unknown }) {
  const executor = flagValue('--executor', argv.executor, '"local" | "bullmq"', (s) => (s === 'local' || s === 'bullmq' ? s : undefined)) ?? 'local';
  const redis = redisFlag(argv.redis);
  const chunk = intFlag('--chunk', argv.chunk, 1, 100_000, ' (members per job)');
  const redisTimeout = intFlag('--redis-timeout', argv.redisTimeout, 1, 7 * 24 * 3600, ' (seconds)');
  if (executor === 'local') {
    for (const [flag, v] of [['--redis', redis], ['--chunk', chunk], ['--redis-timeout', redisTimeout]] as const) {
      if (v !== undefined) throw badFlag(flag, v, 'nothing: it is only for --executor bullmq');
    }
    return { evaluatorOf: undefined, flags: undefined };
  }
  if (redis === undefined) throw badFlag('--redis', undefined, 'a Redis URL with --executor bullmq, e.g. redis://127.0.0.1:6379');
  const { parseRedisUrl, probeRedis, shownUrl } = await import('./executor/redis.ts');
  const { bullmqEvaluator } = await import('./executor/coordinator.ts');
  const url = parseRedisUrl('--redis', redis);
  await probeRedis(url);
  const opts = { url, chunk, redisTimeout: redisTimeout ?? 600 };
  const factory: EvaluatorFactory = (_setup, run) => bullmqEvaluator(opts, run);
  return { evaluatorOf: factory, flags: `--executor bullmq --redis ${shownUrl(url)}${chunk !== undefined ? ` --chunk ${chunk}` : ''}` };
}

/** `validate`'s memory line, or exit 2 when no backend the config may use can hold it (config/budget.ts). */
async function checkBudget(config: LoadedConfig, file: string): Promise<string> {
  const { checkBudget, describeEstimate } = await import('./config/budget.ts');
  const est = checkBudget(config, file);
  return est.length ? describeEstimate(est, 'genome' in config) : '';
}

const configArg = (y: Argv) => y.positional('config', { type: 'string', demandOption: true, describe: 'path to a JSON config' });

export function summarize(c: LoadedConfig): string {
  return 'genome' in c ? summarizeEvolve(c) : 'methods' in c ? summarizeCompare(c) : summarizeSim(c);
}

function summarizeEvolve(c: EvolveConfig): string {
  const g = c.genome;
  return (
    `${c.name}: evolve on task ${c.task.kind}: ${g.types} hidden types sharing ${g.budget} neurons, code ${g.code.size}; rule ${c.rule.name}` +
    `${Object.keys(c.rule.evolve).length ? ` (evolving ${Object.keys(c.rule.evolve).join(', ')})` : ''}; ${c.strategy.name} population ${c.strategy.popSize} × ${c.replicates}, ` +
    `${c.generations} generations, childhood ${c.fitness.childhood} steps; backend ${c.backend}, seed ${c.seed}`
  );
}

function summarizeCompare(c: CompareConfig): string {
  const methods = c.methods.map((m) => ('components' in m ? `${m.kind} P=${m.components}` : m.kind)).join(', ');
  return `${c.name}: compare on task ${c.task.kind} (${c.task.train} train / ${c.task.test} test): ${methods}; backend ${c.backend}, seed ${c.seed}`;
}

function summarizeSim(c: Config): string {
  const layers = c.network.layers.map((l) => `${l.name}:${l.size}${l.role === 'hidden' ? '' : ` ${l.role}`}`).join(', ');
  const params = Object.entries(c.rule.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const n = c.network.projections.length;
  return (
    `${c.name}: ${c.network.layers.length} layers (${layers}), ${n} projection${n === 1 ? '' : 's'}, ` +
    `rule ${c.rule.name}${params ? ` (${params})` : ''}${c.rule.define ? ` defined in the config: dw = ${c.rule.define.update}` : ''}, stimulus ${c.stimulus.kind} dim ${c.stimulus.kind === 'bars' ? c.stimulus.side ** 2 : c.stimulus.dim}, ` +
    `${c.steps} steps, backend ${c.backend}, seed ${c.seed}`
  );
}

export function buildCli(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('springtail')
    .usage('$0 <command> [options]')
    .command(
      'run <config>',
      'run an experiment or a comparison of methods from a config; writes runs/<name>-<timestamp>/',
      (y) =>
        configArg(y)
          .option('backend', { type: 'string', describe: 'overrides the config backend: cpu | webgpu | auto' })
          .option('seed', { type: 'string', describe: 'overrides the config seed: an integer 0..2^32-1' })
          .option('out', { type: 'string', describe: 'run directory (default runs/<name>-<timestamp>)' })
          .option('force', { type: 'boolean', default: false, describe: 'replace the springtail run already in --out (deleting all of its files)' })
          .option('set', setOption)
          .option('live', { type: 'boolean', default: false, describe: 'serve the viz app and stream activity frames to its live view while the run goes on (prints the URL); results are the same as without' })
          .option('port', { type: 'string', describe: 'with --live: port on 127.0.0.1 (default 0: any free port)' })
          .option('live-every', { type: 'string', describe: 'with --live: at least this many steps between frames (default 1: after every chunk); frames are also capped at 20/s and 5% of the run time' })
          .option('live-hold', { type: 'boolean', describe: 'with --live: keep serving after the run ends, until Ctrl-C (default: the server closes when the run ends)' }),
      async (argv) => {
        const { backend, seed, out } = await runFlags(argv);
        const live = liveFlags(argv);
        const config = await loadConfig(argv.config, setValues(argv.set), { backend, seed });
        await checkBudget(config, argv.config);
        if ('methods' in config) {
          if (live) throw badFlag('--live', true, 'nothing for a comparison config: --live streams a simulation run');
          const { compareCommand } = await import('./commands/compare.ts');
          await compareCommand(config, { out, force: argv.force });
        } else {
          const { runCommand } = await import('./commands/run.ts');
          await runCommand(config, { out, force: argv.force, live });
        }
      },
    )
    .command(
      'validate <config>',
      'check a config against the schema without running it',
      (y) => configArg(y).option('set', setOption),
      async (argv) => {
        const config = await loadAnyConfig(argv.config, setValues(argv.set));
        const memory = await checkBudget(config, argv.config);
        process.stdout.write(`${escapeText(`ok: ${argv.config}`)}\n  ${escapeText(summarize(config))}\n${memory ? `  ${memory}\n` : ''}`);
      },
    )
    .command(
      'evolve [config]',
      'evolve a population of probabilistic skeletons (SPEC §7); writes runs/<name>-<timestamp>/ with a checkpoint per generation',
      (y) =>
        y
          .positional('config', { type: 'string', describe: 'path to an evolution config (with --resume: optional, must match the run\'s config.json)' })
          .option('resume', { type: 'string', describe: 'continue the evolution run in this directory from its last checkpoint' })
          .option('generations', { type: 'string', describe: 'total generations (overrides the config)' })
          .option('backend', { type: 'string', describe: 'overrides the config backend: cpu | webgpu | auto' })
          .option('seed', { type: 'string', describe: 'overrides the config seed: an integer 0..2^32-1' })
          .option('out', { type: 'string', describe: 'run directory (default runs/<name>-<timestamp>)' })
          .option('force', { type: 'boolean', default: false, describe: 'replace the springtail run already in --out (deleting all of its files)' })
          .option('set', setOption)
          .option('executor', { type: 'string', describe: 'where members are evaluated: local (this process, the default) | bullmq (workers on a Redis queue: springtail worker)' })
          .option('redis', { type: 'string', describe: 'with --executor bullmq: the Redis URL, e.g. redis://127.0.0.1:6379' })
          .option('chunk', { type: 'string', describe: 'with --executor bullmq: members per job (default 4)' })
          .option('redis-timeout', { type: 'string', describe: 'with --executor bullmq: seconds without Redis before the run stops with exit 1, checkpoint intact (default 600)' }),
      async (argv) => {
        const { backend, seed, out } = await runFlags(argv);
        const generations = flagValue('--generations', argv.generations, 'integer >= 1', (t) => (/^\d+$/.test(t) && Number(t) >= 1 && Number(t) <= 10_000_000 ? Number(t) : undefined));
        const resume = flagValue('--resume', argv.resume, 'an evolution run directory', (t) => t);
        const sets = setValues(argv.set);
        const { evaluatorOf, flags: executor } = await executorFlags(argv);
        const { evolveCommand } = await import('./commands/evolve.ts');
        if (resume === undefined) {
          if (argv.config === undefined) throw badFlag('config', undefined, 'an evolution config file (or --resume DIR)');
          const config = await loadEvolveConfig(argv.config, sets, { backend, seed });
          await evolveCommand(config, { out, force: argv.force, generations, executor }, evaluatorOf);
          return;
        }
        for (const [flag, v] of [['--out', out], ['--seed', seed], ['--set', sets.length ? sets : undefined], ['--force', argv.force || undefined]] as const) {
          if (v !== undefined) throw badFlag(flag, v, `no ${flag} with --resume: a resumed run continues with the config in its directory`);
        }
        const { join } = await import('node:path');
        // the run's own config, so the stream continues; only the backend may change (results may then differ)
        const config = await loadEvolveConfig(join(resume, 'config.json'), [], { backend });
        if (argv.config !== undefined) {
          const given = await loadEvolveConfig(argv.config, [], { backend });
          const { generations: _a, ...x } = given;
          const { generations: _b, ...y } = config;
          if (JSON.stringify(x) !== JSON.stringify(y)) throw badFlag('config', argv.config, `the config of ${join(resume, 'config.json')} (or leave it out): it differs`);
        }
        await evolveCommand(config, { resume, generations, executor }, evaluatorOf);
      },
    )
    .command(
      'worker',
      'evaluate evolution jobs from Redis (springtail evolve --executor bullmq), on this machine or another',
      (y) =>
        y
          .option('redis', { type: 'string', describe: 'the Redis URL, e.g. redis://HOST:6379' })
          .option('concurrency', { type: 'string', describe: 'jobs evaluated at once, each in its own process (default 1, at most the cores)' })
          .option('backend', { type: 'string', describe: 'backend for runs whose config says auto: cpu | webgpu | auto (default auto); a run naming another backend is refused' })
          .option('lock-duration', { type: 'string', describe: 'ms a job stays locked after its worker stops renewing it (default 30000; evolve/README.md)' })
          .option('stalled-interval', { type: 'string', describe: 'ms between checks for jobs of dead workers (default 15000)' }),
      async (argv) => {
        const redis = redisFlag(argv.redis);
        if (redis === undefined) throw badFlag('--redis', undefined, 'a Redis URL, e.g. redis://127.0.0.1:6379');
        const backend = flagValue('--backend', argv.backend, BACKENDS.map((b) => JSON.stringify(b)).join(' | '), (s) => (BACKENDS.includes(s) ? (s as 'cpu' | 'webgpu' | 'auto') : undefined)) ?? 'auto';
        const cores = os.availableParallelism();
        const concurrency = intFlag('--concurrency', argv.concurrency, 1, cores, ` (this machine has ${cores} cores)`) ?? 1;
        const { parseRedisUrl } = await import('./executor/redis.ts');
        const { workerCommand, WORKER_DEFAULTS } = await import('./commands/worker.ts');
        const lockDuration = intFlag('--lock-duration', argv.lockDuration, 1000, 3_600_000, ' (ms)') ?? WORKER_DEFAULTS.lockDuration;
        const stalledInterval = intFlag('--stalled-interval', argv.stalledInterval, 500, 3_600_000, ' (ms)') ?? WORKER_DEFAULTS.stalledInterval;
        await workerCommand({ url: parseRedisUrl('--redis', redis), concurrency, backend, lockDuration, stalledInterval });
      },
    )
    .command(
      'viz [root]',
      'show runs in the browser: serves the panels for the run directories under ROOT (default runs/) on 127.0.0.1, or exports one run as an HTML file',
      (y) =>
        y
          .positional('root', { type: 'string', describe: 'a folder of run directories, or one run directory (default runs)' })
          .option('port', { type: 'string', describe: 'port to listen on (default 0: any free port; the URL is printed)' })
          .option('host', { type: 'string', describe: 'address to listen on instead of 127.0.0.1 (anyone who can reach it can read the runs)' })
          .option('export', { type: 'string', describe: 'write ROOT (one run directory) as a self-contained HTML report to this file instead of serving' }),
      async (argv) => {
        const port = intFlag('--port', argv.port, 0, 65535);
        const host = flagValue('--host', argv.host, 'an IP address or host name of this machine', (t) => (/^[A-Za-z0-9.:[\]-]+$/.test(t) ? t.replace(/^\[(.*)\]$/, '$1') : undefined));
        const out = flagValue('--export', argv.export, 'a file path for the HTML report', (t) => t);
        const { vizCommand } = await import('./commands/viz.ts');
        await vizCommand({ root: argv.root ?? 'runs', port, host, export: out });
      },
    )
    .command(
      'bench',
      'measure simulation throughput against the roofline (SPEC §10)',
      (y) =>
        y
          .option('suite', { choices: ['sim', 'baselines'] as const, default: 'sim' as const, describe: 'sim: simulation workloads; baselines: baseline fit times against their peers' })
          .option('peers', { type: 'boolean', default: true, describe: 'baselines: also time the peers (scikit-learn, ...) in /usr/bin/python3' })
          .option('baseline', { choices: ['pca', 'autoencoder', 'umap'] as const, describe: 'baselines: one baseline (default: all)' })
          .option('workload', { choices: ['W1', 'W2'] as const, describe: 'one workload (default: all)' })
          .option('backend', { choices: ['cpu', 'webgpu', 'all'] as const, default: 'all' as const })
          .option('json', { type: 'boolean', default: false, describe: 'one JSON line per (workload, backend) on stdout' })
          .option('steps', { type: 'number', describe: 'timed steps per repetition (default 20)' })
          .option('threads', { type: 'number', describe: 'cpu worker threads (default: all cores)' }),
      async (argv) => {
        for (const [flag, v] of [['--steps', argv.steps], ['--threads', argv.threads]] as const) {
          if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
            throw new UserError('invalid flag', [{ path: flag, value: v, expected: 'integer >= 1' }]);
          }
        }
        // more workers than cores only adds barrier waits; 100,000 would also exhaust the process
        const cores = os.availableParallelism();
        if (argv.threads !== undefined && argv.threads > cores) {
          throw new UserError('invalid flag', [{ path: '--threads', value: argv.threads, expected: `integer 1..${cores} (this machine has ${cores} cores)` }]);
        }
        if (argv.suite === 'baselines') {
          const { runBaselineBench, formatBaselines } = await import('../bench/baselines.ts');
          const rs = await runBaselineBench({ peers: argv.peers, only: argv.baseline, log: (l) => process.stderr.write(l + '\n') });
          process.stdout.write(argv.json ? rs.map((r) => JSON.stringify(r) + '\n').join('') : formatBaselines(rs));
          return;
        }
        const { benchCommand } = await import('../bench/index.ts');
        await benchCommand({ workload: argv.workload, backend: argv.backend, json: argv.json, steps: argv.steps, threads: argv.threads });
      },
    )
    .demandCommand(1, 'give a command: run, validate, evolve, worker, viz or bench')
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // Errors thrown by handlers pass through; yargs' own parse errors become usage errors.
      if (err) throw err;
      // one line: the message is escaped whole, and yargs' text quotes what the user typed
      throw new UserError(`${msg.replace(/\s*\n\s*/g, ' ')} (see springtail --help)`);
    });
}

/**
 * `--set X` → `--set=X` unless X is another long flag, so an assignment that starts with '-'
 * (`--set -1=1`) is not parsed as short flags, and a bare `--set` before a flag stays bare.
 */
function joinSetValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) out.push(args[i] === '--set' && i + 1 < args.length && !args[i + 1].startsWith('--') ? `--set=${args[++i]}` : args[i]);
  return out;
}

/** Runs one command line; the outcome is process.exitCode (0, 1 or 2) and what was printed. */
export async function main(args: string[]): Promise<void> {
  try {
    await buildCli(joinSetValues(args)).parseAsync();
  } catch (err) {
    handleFatal(err);
  }
}
