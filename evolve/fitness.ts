// Fitness (SPEC §7, the journal's PS2 plan, lines 556-590): a childhood (the task's sample stream
// with plasticity on), then a compression test (ridge readouts of labels and latents from the code
// neurons) and a prediction test (codes of corrupted inputs → clean inputs), plus optional costs.
// The whole population runs as one tensor: one set of dispatches per chunk for every organism.
import type { BackendInit, PlasticityOptions } from '../sim/backend.ts';
import type { CompiledRule } from '../sim/compiler/compile.ts';
import { hash3, uniform } from '../sim/random.ts';
import type { BackendChoice } from '../sim/select.ts';
import { createBackend } from '../sim/select.ts';
import type { SynapseTensor } from '../sim/tensor.ts';
import { encodeRanges, feedStream, freeze } from '../tasks/baselines/bio.ts';
import { selfSimilarity } from './behaviour.ts';
import { SYMBOLS } from '../tasks/glider.ts';
import { codeQuality, fewshot, r2PerLatent, ridgeFit, rows } from '../tasks/metrics.ts';
import type { Task } from '../tasks/task.ts';

export interface FitnessSpec {
  /** Childhood steps with plasticity on. */
  childhood: number;
  /** Steps each childhood sample is held for. */
  hold: number;
  /** Steps each test sample is clamped before its code is read (plasticity off). */
  settle: number;
  chunk: number;
  /** Samples of the train split the readouts are fit on, and of the test split they are scored on. */
  train: number;
  test: number;
  /** Prediction test: each input value is replaced by a uniform draw with this probability. */
  corruption: number;
  /** fitness = readout·R + prediction·P − rate·mean activity − wiring·mean length − synapses·(synapses / 1000). */
  weights: { readout: number; prediction: number; rate: number; wiring: number; synapses: number };
  /** With the novelty bonus: the first `probes` test inputs give each organism its behaviour descriptor (behaviour.ts). */
  probes?: number;
}

export interface OrganismScore {
  fitness: number;
  /** Label readout accuracy (classes > 0), else the mean r² of the latents. */
  readout: number;
  /** Prediction test: 1 − MSE / variance of the clean test inputs. */
  prediction: number;
  /** Mean squared error per input value of the prediction test. */
  prediction_mse: number;
  /** Mean activity of the code neurons over the test codes. */
  rate: number;
  /** glider-checker: how many of the 8 symbols get different binary codes. */
  distinct_codes?: number;
  /** With `spec.probes`: the self-similarity of its codes over the probe inputs (behaviour.ts). */
  descriptor?: number[];
  /** Why the organism got the worst fitness (non-finite state, over budget). */
  failed?: string;
}

/** What the population evaluation needs beside the tensor. */
export interface PopulationInput {
  tensor: SynapseTensor;
  /** Global neuron range of each organism's code neurons. */
  code: [number, number][];
  rule: CompiledRule;
  /** Per-organism rule parameters (organism-major, rule.orgParamNames), if the rule has any. */
  orgParams?: Float32Array;
  plasticity: PlasticityOptions;
  /** Per organism: synapse count and summed wiring length, for the cost terms. */
  synapses: number[];
  wiring: number[];
}

export const WORST = -Infinity;

/** The score of an organism that is not scored: worst fitness, and why. */
export const failed = (why: string): OrganismScore => ({ fitness: WORST, readout: NaN, prediction: NaN, prediction_mse: NaN, rate: NaN, failed: why });

/** Corrupted copy of the first `count` rows: value i of row k replaced with probability c (counter-based from seed). */
export function corrupt(x: Float32Array, count: number, dim: number, c: number, seed: number): Float32Array {
  const out = x.slice(0, count * dim);
  for (let i = 0; i < count * dim; i++) if (uniform(seed, 0x636f7272, 2 * i) < c) out[i] = uniform(seed, 0x636f7272, 2 * i + 1);
  return out;
}

function allFinite(a: Float32Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/**
 * Scores every organism of `pop.tensor`: childhood, readouts, prediction test, costs. An organism
 * whose activity or weights are not finite gets fitness WORST with `failed` set; the others are
 * unaffected (organisms never share state).
 */
export async function scorePopulation(task: Task, pop: PopulationInput, spec: FitnessSpec, choice: BackendChoice, seed: number, progress?: (done: number, total: number) => void): Promise<OrganismScore[]> {
  const { tensor } = pop;
  const O = tensor.organisms;
  const extra: Partial<BackendInit> = pop.orgParams ? { orgParams: pop.orgParams } : {};
  const chunk = Math.min(spec.chunk, spec.childhood);
  const { backend } = await createBackend(choice, { tensor, rule: pop.rule, plasticity: pop.plasticity, maxChunk: chunk, ...extra });
  let state;
  try {
    await feedStream(backend, task, spec.childhood, spec.hold, chunk, (t) => progress?.(t, spec.childhood));
    state = await backend.readState();
  } finally {
    await backend.dispose();
  }
  const scores: (OrganismScore | undefined)[] = new Array(O);
  for (let o = 0; o < O; o++) {
    const n0 = tensor.orgNeuronStart[o];
    const n1 = tensor.orgNeuronStart[o + 1];
    if (!allFinite(state.a, n0, n1) || !allFinite(state.w, tensor.orgSynStart[o], tensor.orgSynStart[o + 1]) || !allFinite(state.theta, n0, n1)) {
      scores[o] = failed('non-finite activity or weights in childhood');
    }
  }
  // Non-finite organisms stay in the tensor (their NaNs cannot reach the others) and are skipped below.
  const nTrain = Math.min(spec.train, task.train.count);
  const nTest = Math.min(spec.test, task.test.count);
  const dim = task.dim;
  const corrupted = corrupt(task.test.x, nTest, dim, spec.corruption, hash3(seed, 0x636f7272, 1));
  const glider = task.name === 'glider-checker';
  const symbols = glider ? Float32Array.from(SYMBOLS.flatMap((s) => [...s])) : new Float32Array(0);
  const nSym = glider ? SYMBOLS.length : 0;
  const x = new Float32Array((nTrain + 2 * nTest + nSym) * dim);
  x.set(task.train.x.subarray(0, nTrain * dim), 0);
  x.set(task.test.x.subarray(0, nTest * dim), nTrain * dim);
  x.set(corrupted, (nTrain + nTest) * dim);
  x.set(symbols, (nTrain + 2 * nTest) * dim);
  const total = nTrain + 2 * nTest + nSym;
  const codes = await encodeRanges(choice, { tensor: freeze(tensor, state), rule: pop.rule, plasticity: pop.plasticity, initial: { slots: state.slots, terms: state.terms }, ...extra }, dim, x, total, spec.settle, pop.code);

  const cleanTrain = rows(task.train.x.subarray(0, nTrain * dim), nTrain, dim);
  const cleanTest = task.test.x.subarray(0, nTest * dim);
  let mean = 0;
  for (let i = 0; i < nTest * dim; i++) mean += cleanTest[i];
  mean /= nTest * dim;
  let variance = 0;
  for (let i = 0; i < nTest * dim; i++) variance += (cleanTest[i] - mean) ** 2;
  variance /= nTest * dim;

  const w = spec.weights;
  const L = task.latentNames.length;
  const average = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return Array.from({ length: O }, (_, o) => {
    if (scores[o]) return scores[o]!;
    const P = pop.code[o][1] - pop.code[o][0];
    const c = codes[o];
    if (!allFinite(c, 0, c.length)) return failed('non-finite code in the tests');
    const part = (from: number, count: number) => rows(c.subarray(from * P, (from + count) * P), count, P);
    const train = part(0, nTrain);
    const test = part(nTrain, nTest);
    const noisy = part(nTrain + nTest, nTest);
    // labels: accuracy of the ridge readout fit on every train row; else the latents' mean r²
    const readout =
      task.classes > 0
        ? fewshot(train, task.train.labels.subarray(0, nTrain), test, task.test.labels.subarray(0, nTest), task.classes, nTrain).acc
        : average(Object.values(r2PerLatent(train, rows(task.train.latents.subarray(0, nTrain * L), nTrain, L), test, rows(task.test.latents.subarray(0, nTest * L), nTest, L), task.latentNames)));
    const recon = ridgeFit(train, cleanTrain).predict(noisy);
    let se = 0;
    for (let i = 0; i < nTest * dim; i++) se += (recon[i] - cleanTest[i]) ** 2;
    const mse = se / (nTest * dim);
    const prediction = variance > 0 ? 1 - mse / variance : 0;
    let rate = 0;
    for (let i = 0; i < nTest * P; i++) rate += c[nTrain * P + i];
    rate /= Math.max(1, nTest * P);
    const syn = pop.synapses[o];
    const fitness = w.readout * readout + w.prediction * prediction - w.rate * rate - w.wiring * (syn > 0 ? pop.wiring[o] / syn : 0) - w.synapses * (syn / 1000);
    const score: OrganismScore = { fitness, readout, prediction, prediction_mse: mse, rate };
    if (glider) {
      const q = codeQuality(part(nTrain + 2 * nTest, nSym), test, task.test.labels.subarray(0, nTest));
      score.distinct_codes = q.distinct_codes;
    }
    if (spec.probes) score.descriptor = selfSimilarity(c.subarray(nTrain * P), Math.min(spec.probes, nTest), P);
    return Number.isFinite(fitness) ? score : failed('non-finite fitness');
  });
}

/** Global neuron range of layer `name` in organism 0 of a fromLayers tensor. */
export function layerRange(layers: readonly { name: string; size: number }[], name: string): [number, number] {
  let start = 0;
  for (const l of layers) {
    if (l.name === name) return [start, start + l.size];
    start += l.size;
  }
  throw new Error(`no layer '${name}'`);
}
