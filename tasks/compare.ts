// A comparison run (issue 3 §4): fit each method on the task's train split, encode train and test,
// and score every method with the same metrics (metrics.ts), so the numbers are comparable.
import { type FitContext, type Fitted } from './baselines/method.ts';
import { fitMethod, type MethodSpec, prepareMethod } from './baselines/index.ts';
import { SYMBOLS } from './glider.ts';
import { codeQuality, fewshot, knnAcc, r2PerLatent, reconSse, rows, type Real } from './metrics.ts';
import type { Task } from './task.ts';

export type MetricGroup = 'recon_sse' | 'r2' | 'fewshot' | 'knn_acc' | 'code_quality';
export const FEWSHOT_N = 200;
/** Test samples whose reconstructions a comparison run keeps (the first ones), for the viz grid. */
export const RECON_SAMPLES = 16;

export type MetricValue = number | Record<string, number>;

export interface MethodResult {
  /** Metric name → value (r2 is {latent: r²}), plus fit_seconds. */
  metrics: Record<string, MetricValue>;
  details: {
    kind: string;
    backend: string;
    code_dim: number;
    setup_seconds: number;
    fit_seconds: number;
    encode_seconds: number;
    score_seconds: number;
    [k: string]: number | string;
  };
  /** Test-split codes (test.count × code_dim), for embedding views. */
  testCodes: Float32Array;
  /** Reconstructions of the first min(RECON_SAMPLES, test.count) test samples (rows × task.dim), when the method decodes. */
  recon?: Float32Array;
}

export interface CompareHooks {
  /** Called before each method starts. */
  start?(key: string, spec: MethodSpec): void;
  progress?(key: string, done: number, total: number, label: string): void;
}

const clock = () => performance.now() / 1000;

/** Which metric groups apply to a task and method. */
export function applicable(task: Task, fitted: Fitted, wanted?: readonly MetricGroup[]): MetricGroup[] {
  const all: MetricGroup[] = [];
  if (fitted.decode) all.push('recon_sse');
  if (task.latentNames.length > 0) all.push('r2');
  if (task.classes > 0 && task.train.count >= FEWSHOT_N) all.push('fewshot');
  if (task.classes > 0) all.push('knn_acc');
  if (task.name === 'glider-checker') all.push('code_quality');
  return wanted ? all.filter((g) => wanted.includes(g)) : all;
}

async function score(task: Task, fitted: Fitted, groups: MetricGroup[]): Promise<{ metrics: Record<string, MetricValue>; testCodes: Real; encodeSeconds: number }> {
  const t0 = clock();
  const P = fitted.codeDim;
  const codeTrain = await fitted.encode(task.train.x, task.train.count);
  const codeTest = await fitted.encode(task.test.x, task.test.count);
  const encodeSeconds = clock() - t0;
  const tr = rows(codeTrain, task.train.count, P);
  const te = rows(codeTest, task.test.count, P);
  const m: Record<string, MetricValue> = {};
  for (const g of groups) {
    switch (g) {
      case 'recon_sse': {
        const xhat = await fitted.decode!(codeTest, task.test.count);
        m.recon_sse = reconSse(task.test.x, xhat, task.test.count, task.dim);
        break;
      }
      case 'r2': {
        const L = task.latentNames.length;
        m.r2 = r2PerLatent(tr, rows(task.train.latents, task.train.count, L), te, rows(task.test.latents, task.test.count, L), task.latentNames);
        break;
      }
      case 'fewshot': {
        const f = fewshot(tr, task.train.labels, te, task.test.labels, task.classes, FEWSHOT_N);
        m.fewshot_mse = f.mse;
        m.fewshot_acc = f.acc;
        break;
      }
      case 'knn_acc':
        m.knn_acc = knnAcc(tr, task.train.labels, te, task.test.labels, 5);
        break;
      case 'code_quality': {
        const sym = new Float32Array(SYMBOLS.length * task.dim);
        SYMBOLS.forEach((s, i) => sym.set(s, i * task.dim));
        const symCodes = await fitted.encode(sym, SYMBOLS.length);
        Object.assign(m, codeQuality(rows(symCodes, SYMBOLS.length, P), te, task.test.labels));
        // reconstruction error per pixel of the noiseless symbols (the journal's criterion for glider-checker)
        if (fitted.decode) m.symbol_mse = reconSse(sym, await fitted.decode(symCodes, SYMBOLS.length), SYMBOLS.length, task.dim) / task.dim;
        break;
      }
    }
  }
  return { metrics: m, testCodes: codeTest, encodeSeconds };
}

const f32 = (a: Real): Float32Array => (a instanceof Float32Array ? a : Float32Array.from(a));

/** Fits and scores one method. */
export async function compareOne(task: Task, spec: MethodSpec, ctx: FitContext, wanted?: readonly MetricGroup[]): Promise<MethodResult> {
  const t0 = clock();
  await prepareMethod(spec, task, ctx);
  const t1 = clock();
  const fitted = await fitMethod(spec, task, ctx);
  const t2 = clock();
  try {
    const { metrics, testCodes, encodeSeconds } = await score(task, fitted, applicable(task, fitted, wanted));
    const t3 = clock();
    const R = Math.min(RECON_SAMPLES, task.test.count);
    const recon = fitted.decode ? await fitted.decode(testCodes.subarray(0, R * fitted.codeDim), R) : undefined;
    return {
      metrics: { ...metrics, fit_seconds: t2 - t1 },
      details: {
        ...fitted.info,
        kind: spec.kind,
        backend: ctx.backend,
        code_dim: fitted.codeDim,
        setup_seconds: t1 - t0,
        fit_seconds: t2 - t1,
        encode_seconds: encodeSeconds,
        score_seconds: t3 - t2 - encodeSeconds,
      },
      testCodes: f32(testCodes),
      recon: recon && f32(recon),
    };
  } finally {
    fitted.dispose?.();
  }
}
