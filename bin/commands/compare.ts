// `springtail run` on a comparison config: builds the task, fits and scores each method in turn,
// writes the run directory and prints a methods × metrics table.
import { join } from 'node:path';
import { BackendUnavailable } from '../../sim/backend.ts';
import { selectDevice } from '../../sim/select.ts';
import { MethodDiverged } from '../../tasks/baselines/bio.ts';
import { methodBackends, type MethodSpec } from '../../tasks/baselines/index.ts';
import { compareOne, type MethodResult, type MetricValue, RECON_SAMPLES } from '../../tasks/compare.ts';
import { makeTask } from '../../tasks/registry.ts';
import type { Task } from '../../tasks/task.ts';
import { compileRule, RuleError } from '../../sim/compiler/compile.ts';
import { type CompareConfig, methodKey, type MethodConfig } from '../config/compare-schema.ts';
import { ruleDef } from '../config/schema.ts';
import { RunFailure, UserError } from '../errors.ts';
import { appendLine, checkRunDir, makeRunDir, makeSubdir, writeFileAtomic, writeJsonAtomic } from '../fsutil.ts';
import { vizHint } from '../hint.ts';
import { createProgress, type Progress } from '../progress.ts';

export interface CompareSummary {
  task: { kind: string; dim: number; train: number; test: number; latents: string[]; classes: number };
  seed: number;
  backend: string;
  device: string;
  methods: Record<string, Record<string, MetricValue>>;
  details: Record<string, MethodResult['details']>;
  timings: { task_s: number; total_s: number };
}

/** An f32 matrix file under codes/, as codes/index.json lists it. */
interface MatrixFile {
  file: string;
  rows: number;
  cols: number;
}

const clock = () => performance.now() / 1000;

function buildTask(config: CompareConfig): Task {
  try {
    return makeTask(config.task, config.seed);
  } catch (e) {
    // a missing or corrupt data file (IDX) is bad input, named by the task module
    throw new UserError(`task ${config.task.kind}: ${(e as Error).message}`);
  }
}

/** Config → what tasks/ runs: a bio method's rule is compiled here (tasks/ does not import rules/). */
function toMethodSpec(m: MethodConfig): MethodSpec {
  if (m.kind !== 'bio') return m;
  let rule;
  try {
    rule = compileRule(ruleDef(m), m.rule.params);
  } catch (e) {
    if (e instanceof RuleError) throw new UserError(`${methodKey(m)}: rule: ${e.message}`);
    throw e;
  }
  const pl = m.plasticity;
  return { ...m, rule, plasticity: { ...pl, wMin: pl.wMin ?? -Infinity, wMax: pl.wMax ?? Infinity } };
}

export async function compareCommand(config: CompareConfig, opts: { out?: string; force?: boolean; quiet?: boolean }): Promise<CompareSummary> {
  const t0 = clock();
  const dirOpts = { name: config.name, kind: 'comparison', out: opts.out, force: opts.force } as const;
  checkRunDir(dirOpts);
  const task = buildTask(config);
  const tTask = clock();
  let device;
  try {
    device = await selectDevice(config.backend);
  } catch (e) {
    if (e instanceof BackendUnavailable) throw new RunFailure(`backend ${config.backend}: ${e.message}`);
    throw e;
  }
  const summary: CompareSummary = {
    task: { kind: config.task.kind, dim: task.dim, train: task.train.count, test: task.test.count, latents: task.latentNames, classes: task.classes },
    seed: config.seed,
    backend: device.kind,
    device: device.kind === 'webgpu' ? device.gpu!.adapterInfo : 'cpu',
    methods: {},
    details: {},
    timings: { task_s: tTask - t0, total_s: 0 },
  };
  // codes/index.json lists only code files already complete: rewritten after each one, so a run
  // stopped at any point leaves an index that matches the files beside it
  const codesIndex: Record<string, MatrixFile & { recon?: MatrixFile }> = {};
  try {
    const dir = makeRunDir(dirOpts);
    writeJsonAtomic(join(dir, 'config.json'), config);
    makeSubdir(join(dir, 'codes'));
    process.stderr.write(
      `${config.name}: task ${task.name} (${task.train.count} train / ${task.test.count} test, ${task.dim} values), ${config.methods.length} methods; device ${device.note}; writing ${dir}\n`,
    );
    // the first test inputs (for the viz's reconstruction grid) and the test latents (its colouring)
    const R = Math.min(RECON_SAMPLES, task.test.count);
    const inputs = { file: 'codes/inputs.test.f32', rows: R, cols: task.dim, ...(task.shape && { shape: task.shape }) };
    writeFileAtomic(join(dir, inputs.file), task.test.x.subarray(0, R * task.dim));
    const L = task.latentNames.length;
    const latents = L > 0 ? { file: 'codes/latents.test.f32', rows: task.test.count, cols: L, names: task.latentNames } : undefined;
    if (latents) writeFileAtomic(join(dir, latents.file), task.test.latents);
    const writeIndex = () => writeJsonAtomic(join(dir, 'codes/index.json'), { dtype: 'float32', layout: 'rows x cols', labels: 'labels.test.i32', inputs, latents, methods: codesIndex });
    writeFileAtomic(join(dir, 'codes/labels.test.i32'), task.test.labels);
    writeIndex();
    for (const spec of config.methods) {
      const key = methodKey(spec);
      const backend = methodBackends(spec.kind).includes(device.kind) ? device.kind : 'cpu';
      process.stderr.write(`${config.name}: ${key} on ${backend}\n`);
      let bar: Progress | null = null;
      const result = await compareOne(
        task,
        toMethodSpec(spec),
        {
          seed: config.seed,
          backend,
          gpu: backend === 'webgpu' ? device.gpu : undefined,
          progress: (done, total, label) => {
            bar ??= createProgress(total, `${key} ${label}`);
            bar.update(done);
          },
          curve: (point) => appendLine(join(dir, 'metrics.jsonl'), JSON.stringify({ method: key, ...point })),
        },
        config.metrics,
      )
        .catch((e) => {
          // diverged, or its network larger than this device holds (the estimate cannot know the device's own limits)
          if (e instanceof MethodDiverged || e instanceof BackendUnavailable) throw new RunFailure(`${key}: ${e.message}; run directory ${dir} keeps the methods finished before it`);
          throw e;
        })
        .finally(() => (bar as Progress | null)?.stop());
      summary.methods[key] = result.metrics;
      summary.details[key] = result.details;
      const file = `codes/${key}.test.f32`;
      writeFileAtomic(join(dir, file), result.testCodes);
      let recon: MatrixFile | undefined;
      if (result.recon) {
        recon = { file: `codes/${key}.recon.f32`, rows: R, cols: task.dim };
        writeFileAtomic(join(dir, recon.file), result.recon);
      }
      codesIndex[key] = { file, rows: task.test.count, cols: result.details.code_dim, ...(recon && { recon }) };
      writeIndex();
      summary.timings.total_s = clock() - t0;
      // written after every method, so a run stopped part-way keeps what it finished
      writeJsonAtomic(join(dir, 'summary.json'), summary);
    }
    if (!opts.quiet) process.stdout.write(`${formatTable(summary)}\nrun directory: ${dir}\n${vizHint(dir)}`);
  } finally {
    device.gpu?.release();
  }
  return summary;
}

function fmt(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toPrecision(4);
}

/** Methods as rows, metrics as columns (r² expanded per latent). */
export function formatTable(s: CompareSummary): string {
  const cols: string[] = [];
  for (const m of Object.values(s.methods))
    for (const [k, v] of Object.entries(m)) {
      const names = typeof v === 'number' ? [k] : Object.keys(v).map((l) => `${k}.${l}`);
      for (const n of names) if (!cols.includes(n)) cols.push(n);
    }
  // fit_seconds last
  cols.sort((a, b) => Number(a === 'fit_seconds') - Number(b === 'fit_seconds'));
  const cell = (m: Record<string, MetricValue>, c: string): string => {
    const [k, l] = c.split('.');
    const v = m[k];
    if (v === undefined) return '-';
    if (typeof v === 'number') return fmt(v);
    return l !== undefined && v[l] !== undefined ? fmt(v[l]) : '-';
  };
  const header = ['method', ...cols];
  const body = Object.entries(s.methods).map(([name, m]) => [name, ...cols.map((c) => cell(m, c))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [`${s.task.kind} (${s.task.train} train / ${s.task.test} test), ${s.backend}`, line(header), ...body.map(line)].join('\n');
}
