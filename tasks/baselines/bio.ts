// The simulator as a method (issue 4 §3): a network with a compiled rule is trained on the task's
// sample stream, then its code for a sample is the activity of one layer after the sample has been
// clamped to the inputs for `settle` steps, read with plasticity off so scoring never trains on
// the data it scores.
import type { BackendChoice } from '../../sim/select.ts';
import { createBackend } from '../../sim/select.ts';
import type { Backend, BackendInit, NetworkState, PlasticityOptions } from '../../sim/backend.ts';
import { fromLayers, type LayersSpec } from '../../sim/build.ts';
import type { CompiledRule } from '../../sim/compiler/compile.ts';
import { inputSize, neuronCount, type SynapseTensor } from '../../sim/tensor.ts';
import type { Task } from '../task.ts';
import type { FitContext, Fitted } from './method.ts';

export interface BioSpec {
  network: LayersSpec;
  rule: CompiledRule;
  plasticity: PlasticityOptions;
  /** Training steps; step t sees stream sample t. */
  steps: number;
  chunk: number;
  /** Name of the layer whose activity is the code. */
  code: string;
  settle: number;
  /** Steps each training sample is held for (a loop needs a few tens to settle). */
  hold?: number;
  /**
   * Error layer of a predictive loop (rules/predictive.ts): linear units e = w_in·x + bias − θ − Σ w·c
   * with one input synapse each (oneToOne) and the prediction from the code layer on sign −1
   * synapses. The method's decoder is then the network's own prediction x̂ = (Σ w·c + θ − bias)/w_in.
   */
  decoder?: string;
}

/** A training run that produced non-finite activity or weights (exit 1 in the CLI). */
export class MethodDiverged extends Error {}

/** Samples encoded per backend call. */
const ENCODE_BATCH = 256;
/** Bytes an encoding batch's recording may take: a frame of every neuron per sample, in the backend and read back. */
const ENCODE_RECORDING_BYTES = 64 * 2 ** 20;

/**
 * Samples encoded per batch: 256, fewer for a large network (a population of thousands of
 * organisms), so the recording stays within ENCODE_RECORDING_BYTES. The codes are the same for any
 * batch: the network runs on from sample to sample.
 */
export function encodeBatch(neurons: number, count: number): number {
  return Math.max(1, Math.min(ENCODE_BATCH, count, Math.floor(ENCODE_RECORDING_BYTES / (2 * 4 * neurons))));
}
/** About how many learning-curve points a fit records (one readState between chunks each; chunking never changes the result). */
const CURVE_POINTS = 32;

/**
 * Feeds `steps` steps of the task's sample stream, step t seeing stream sample ⌊t / hold⌋, in chunks.
 * Returns the first step whose state was not finite, or −1; with `stopOnBad` it stops there.
 */
export async function feedStream(backend: Backend, task: Task, steps: number, hold: number, chunk: number, progress?: (done: number) => void | Promise<void>, stopOnBad = false): Promise<number> {
  const buf = new Float32Array(chunk * task.dim);
  const samples = new Float32Array((Math.ceil(chunk / hold) + 1) * task.dim);
  let firstBad = -1;
  for (let t = 0; t < steps; ) {
    const T = Math.min(chunk, steps - t);
    const first = Math.floor(t / hold);
    const n = Math.floor((t + T - 1) / hold) - first + 1;
    task.fill(samples.subarray(0, n * task.dim), first, n);
    for (let k = 0; k < T; k++) {
      const p = Math.floor((t + k) / hold) - first;
      buf.set(samples.subarray(p * task.dim, (p + 1) * task.dim), k * task.dim);
    }
    const { firstBadStep } = await backend.run(T, buf.subarray(0, T * task.dim));
    if (firstBadStep >= 0 && firstBad < 0) firstBad = firstBadStep;
    t += T;
    await progress?.(t);
    if (firstBad >= 0 && stopOnBad) break;
  }
  return firstBad;
}

/**
 * The activity of neuron ranges `ranges` (global indices) after each of `count` samples has been
 * clamped to the inputs for `settle` steps, from a fresh backend over `init` (give it a frozen
 * tensor: no plasticity, no homeostasis). Every organism of the tensor sees the same samples, so one
 * pass encodes them all. Returns, per range, count × range-size values.
 */
export async function encodeRanges(
  choice: BackendChoice,
  init: Omit<BackendInit, 'record' | 'maxChunk'>,
  dim: number,
  x: Float32Array,
  count: number,
  settle: number,
  ranges: readonly (readonly [number, number])[],
  batch?: number,
): Promise<Float32Array[]> {
  const N = neuronCount(init.tensor);
  const outs = ranges.map(([a, b]) => new Float32Array(count * (b - a)));
  const B = batch ?? encodeBatch(N, count);
  const enc = await createBackend(choice, { ...init, record: { every: settle, capacity: B }, maxChunk: B * settle });
  try {
    const inputs = new Float32Array(B * settle * dim);
    for (let s0 = 0; s0 < count; s0 += B) {
      const b = Math.min(B, count - s0);
      for (let k = 0; k < b; k++) {
        const sample = x.subarray((s0 + k) * dim, (s0 + k + 1) * dim);
        for (let r = 0; r < settle; r++) inputs.set(sample, (k * settle + r) * dim);
      }
      await enc.backend.run(b * settle, inputs.subarray(0, b * settle * dim));
      // one frame after the last settle step of each sample; the newest b frames are this batch
      const rec = await enc.backend.readRecording();
      const frames = rec.steps.length;
      for (let k = 0; k < b; k++) {
        const f = frames - b + k;
        ranges.forEach(([c0, c1], r) => outs[r].set(rec.frames.subarray(f * N + c0, f * N + c1), (s0 + k) * (c1 - c0)));
      }
    }
  } finally {
    await enc.backend.dispose();
  }
  return outs;
}

/** Learned weights and thresholds, no plasticity and no homeostasis: a fixed encoder. */
export function freeze(tensor: SynapseTensor, state: Pick<NetworkState, 'w' | 'theta'>): SynapseTensor {
  return {
    ...tensor,
    w: state.w.slice(),
    theta: state.theta.slice(),
    etaTheta: new Float32Array(neuronCount(tensor)),
    segPlastic: new Uint8Array(tensor.segPlastic.length),
  };
}

function codeRange(net: LayersSpec, name: string): [number, number] {
  let start = 0;
  for (const l of net.layers) {
    if (l.name === name) return [start, start + l.size];
    start += l.size;
  }
  throw new Error(`bio: no layer '${name}'`);
}

export async function fitBio(task: Task, spec: BioSpec, ctx: FitContext): Promise<Fitted> {
  const tensor = fromLayers(spec.network, ctx.seed);
  if (inputSize(tensor) !== task.dim) throw new Error(`bio: the network has ${inputSize(tensor)} inputs, the task ${task.dim} values per sample`);
  const [c0, c1] = codeRange(spec.network, spec.code);
  const choice: BackendChoice = ctx.backend;
  const chunk = Math.min(spec.chunk, spec.steps, ctx.curve ? Math.max(1, Math.ceil(spec.steps / CURVE_POINTS)) : Infinity);
  const curveEvery = Math.ceil(Math.ceil(spec.steps / chunk) / CURVE_POINTS);
  const { backend } = await createBackend(choice, { tensor, rule: spec.rule, plasticity: spec.plasticity, maxChunk: chunk });
  let state;
  try {
    let chunks = 0;
    const afterChunk = async (t: number) => {
      ctx.progress?.(t, spec.steps, 'step');
      if (!ctx.curve || (++chunks % curveEvery !== 0 && t < spec.steps)) return;
      const s = await backend.readState();
      let a = 0;
      let a2 = 0;
      for (let n = c0; n < c1; n++) {
        a += s.a[n];
        a2 += s.a[n] * s.a[n];
      }
      const mean = a / (c1 - c0);
      let w2 = 0;
      for (let k = 0; k < s.w.length; k++) w2 += s.w[k] * s.w[k];
      // the spread across code units shows selectivity where the mean cannot (a softmax code's mean is fixed)
      ctx.curve({ step: t, code_mean: mean, code_sd: Math.sqrt(Math.max(0, a2 / (c1 - c0) - mean * mean)), w_norm: Math.sqrt(w2) });
    };
    const firstBadStep = await feedStream(backend, task, spec.steps, spec.hold ?? 1, chunk, afterChunk, true);
    if (firstBadStep >= 0) throw new MethodDiverged(`diverged at step ${firstBadStep}: non-finite activity or weight under rule '${spec.rule.name}'`);
    state = await backend.readState();
  } finally {
    await backend.dispose();
  }
  const frozen = freeze(tensor, state);
  const encode = async (x: Float32Array, count: number): Promise<Float32Array> =>
    (await encodeRanges(choice, { tensor: frozen, rule: spec.rule, plasticity: spec.plasticity, initial: { slots: state.slots, terms: state.terms } }, task.dim, x, count, spec.settle, [[c0, c1]]))[0];
  const decode = spec.decoder === undefined ? undefined : predictionDecoder(tensor, state.w, state.theta, codeRange(spec.network, spec.decoder), [c0, c1], task.dim);
  return { codeDim: c1 - c0, encode, decode, info: { steps: spec.steps, settle: spec.settle, code_layer: spec.code, hold: spec.hold ?? 1 } };
}

/** The decoder of a predictive loop: what its error layer [e0, e1) subtracts from its input, given the code. */
function predictionDecoder(t: SynapseTensor, w: Float32Array, theta: Float32Array, [e0, e1]: [number, number], [c0, c1]: [number, number], dim: number) {
  const P = c1 - c0;
  if (e1 - e0 !== dim) throw new Error(`bio: decoder layer has ${e1 - e0} units, the task ${dim} values per sample`);
  const W = new Float64Array(dim * P);
  const scale = new Float64Array(dim);
  const offset = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    const n = e0 + i;
    offset[i] = theta[n] - t.bias[n];
    for (let g = t.neuronSegStart[n]; g < t.neuronSegStart[n + 1]; g++) {
      for (let s = t.segSynStart[g]; s < t.segSynStart[g + 1]; s++) {
        const pre = t.pre[s];
        const sign = t.segSign[g] !== 0 ? t.segSign[g] : t.sign[pre];
        if (t.inputIndex[pre] === i) scale[i] += sign * w[s];
        else if (pre >= c0 && pre < c1 && sign < 0) W[i * P + pre - c0] += w[s];
        else throw new Error(`bio: decoder unit ${i} has an input from neuron ${pre}, neither its input ${i} nor the code layer's prediction (sign −1)`);
      }
    }
    if (scale[i] === 0) throw new Error(`bio: decoder unit ${i} has no synapse from input ${i}`);
  }
  return async (codes: Float32Array | Float64Array, count: number): Promise<Float32Array> => {
    const out = new Float32Array(count * dim);
    for (let q = 0; q < count; q++)
      for (let i = 0; i < dim; i++) {
        let x = offset[i];
        for (let j = 0; j < P; j++) x += W[i * P + j] * codes[q * P + j];
        out[q * dim + i] = x / scale[i];
      }
    return out;
  };
}
