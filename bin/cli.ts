// The springtail CLI (SPEC §9). Every failure goes through handleFatal: bad input exits 2,
// runtime failures exit 1, neither prints a stack trace.
import yargs, { type Argv } from 'yargs';
import type { CompareConfig } from './config/compare-schema.ts';
import type { AnyConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { UserError, handleFatal } from './errors.ts';

// Config modules (zod, rules) load lazily so `--help` and bench stay fast.
const loadConfig = async (file: string, sets: string[]) => (await import('./config/load.ts')).loadConfig(file, sets);

const setOption = {
  type: 'string',
  // Not `array: true`: that would swallow the positional after it (`--set a=1 cfg.json`).
  coerce: (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
  default: [] as string[],
  describe: 'override a config field before validation, e.g. --set network.layers.1.size=32 (repeatable)',
} as const;

const configArg = (y: Argv) => y.positional('config', { type: 'string', demandOption: true, describe: 'path to a JSON config' });

function checkSeed(seed: number | undefined): number | undefined {
  if (seed === undefined) return undefined;
  if (!Number.isInteger(seed) || seed < 0) {
    throw new UserError('invalid flag', [{ path: '--seed', value: seed, expected: 'integer >= 0' }]);
  }
  return seed;
}

export function summarize(c: AnyConfig): string {
  return 'methods' in c ? summarizeCompare(c) : summarizeSim(c);
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
          .option('backend', { choices: ['cpu', 'webgpu', 'auto'] as const, describe: 'overrides the config backend' })
          .option('seed', { type: 'number', describe: 'overrides the config seed' })
          .option('out', { type: 'string', describe: 'run directory (default runs/<name>-<timestamp>)' })
          .option('set', setOption),
      async (argv) => {
        const seed = checkSeed(argv.seed);
        const sets = [...argv.set];
        // Flags go through the same validation as the file, after the --set overrides.
        if (argv.backend !== undefined) sets.push(`backend=${JSON.stringify(argv.backend)}`);
        if (seed !== undefined) sets.push(`seed=${seed}`);
        const config = await loadConfig(argv.config, sets);
        if ('methods' in config) {
          const { compareCommand } = await import('./commands/compare.ts');
          await compareCommand(config, { out: argv.out });
        } else {
          const { runCommand } = await import('./commands/run.ts');
          await runCommand(config, { out: argv.out });
        }
      },
    )
    .command(
      'validate <config>',
      'check a config against the schema without running it',
      (y) => configArg(y).option('set', setOption),
      async (argv) => {
        const config = await loadConfig(argv.config, argv.set);
        process.stdout.write(`ok: ${argv.config}\n  ${summarize(config)}\n`);
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
    .demandCommand(1, 'give a command: run, validate or bench')
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // Errors thrown by handlers pass through; yargs' own parse errors become usage errors.
      if (err) throw err;
      throw new UserError(`${msg}\n(see springtail --help)`);
    });
}

/** Runs one command line; the outcome is process.exitCode (0, 1 or 2) and what was printed. */
export async function main(args: string[]): Promise<void> {
  try {
    await buildCli(args).parseAsync();
  } catch (err) {
    handleFatal(err);
  }
}
