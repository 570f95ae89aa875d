// The one-hidden-layer autoencoder of the baselines (SPEC §6), as kernels behind one interface so
// the training loop is written once (tasks/baselines/autoencoder.ts) for every backend:
//   code h = relu(W_f x + b_f)  (W_f: P×D),  output y = sigmoid(W_b h + b_b)  (W_b: D×P),
//   loss L = (1/n) Σ_i Σ_d (y − x)²  ('sse': the per-sample sum of squares averaged over the
//   minibatch, as ../shared/peers/baselines.py) or that divided by D as well ('mse': PyTorch's
//   nn.MSELoss default), minimised by Adam with PyTorch's update and bias correction.
// Kernels: autoencoder-cpu.ts (WebAssembly SIMD, and plain JS for comparison), autoencoder-webgpu.ts.
import { Counter, hash3, STREAM } from '../random.ts';

/** Parameters in PyTorch's nn.Linear layouts (row-major). */
export interface AeParams {
  /** P × D encoder weights. */
  wf: Float32Array;
  /** P encoder biases. */
  bf: Float32Array;
  /** D × P decoder weights. */
  wb: Float32Array;
  /** D decoder biases. */
  bb: Float32Array;
}

export type AeLoss = 'sse' | 'mse';

export interface AeConfig {
  /** D: values per sample. */
  dim: number;
  /** P: hidden units (code dimension). */
  hidden: number;
  /** Minibatch size: train() steps once per `maxBatch` samples (the last step may be smaller). */
  maxBatch: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  loss: AeLoss;
}

export const ADAM_DEFAULTS = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/**
 * Adam moments below this magnitude are set to 0 (every backend alike). Without it, the first
 * moment of a weight whose gradient stays 0 (a unit that went silent, a pixel that is always 0)
 * decays by β1 per step into the f32 subnormal range, where x86 arithmetic is ~100× slower:
 * measured on MNIST, epochs 7-10 took 0.17-0.21 s instead of 0.11 s. The weights cannot tell:
 * an update is at most lr/(1 − β1)·|m|/eps ≈ 1e-24 for |m| < 1e-30, and √v < 1e-15 ≪ eps.
 */
export const ADAM_FLUSH = 1e-30;

/** Forward and backward of one minibatch without an update (tests, parity). */
export interface AeProbe {
  /** n × P relu codes. */
  codes: Float32Array;
  /** n × D sigmoid outputs. */
  outputs: Float32Array;
  /** ∂L/∂θ for this minibatch. */
  grads: AeParams;
  /** Σ over the minibatch of the per-sample sum of squared errors. */
  sse: number;
}

/** Weights, Adam state and the training data live in the kernel (wasm memory or GPU buffers). */
export interface AeKernel {
  readonly config: AeConfig;
  /** 'wasm-simd', 'js' or 'webgpu'. */
  readonly kind: string;
  /** Adam steps taken so far. */
  readonly steps: number;
  writeParams(p: AeParams): Promise<void>;
  readParams(): Promise<AeParams>;
  /** Adam's first and second moments (same layouts as the parameters). */
  readAdam(): Promise<{ m: AeParams; v: AeParams }>;
  /**
   * Minibatches of `maxBatch` consecutive entries of `order` (indices into the training data),
   * each a forward pass, a backward pass and an Adam step. Returns Σ over every sample of its
   * squared error, each taken at the weights of its own minibatch (before its step).
   */
  train(order: Int32Array): Promise<number>;
  /** Forward and backward on the samples `indices` (at most maxBatch) without updating anything. */
  probe(indices: Int32Array): Promise<AeProbe>;
  /** Frees memory / GPU buffers. */
  dispose(): void;
}

/** Stream ids of the autoencoder's draws (distinct from sim/random.ts STREAM: 1..6). */

/**
 * PyTorch nn.Linear's initialisation (kaiming_uniform with a = √5, i.e. U(±1/√fan_in) for the
 * weights, and U(±1/√fan_in) for the biases), drawn in the order wf, bf, wb, bb from the seed.
 */
export function initAeParams(dim: number, hidden: number, seed: number): AeParams {
  const r = new Counter(seed, STREAM.aeInit);
  const fill = (n: number, bound: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (2 * r.next() - 1) * bound;
    return a;
  };
  const be = 1 / Math.sqrt(dim);
  const bd = 1 / Math.sqrt(hidden);
  const wf = fill(hidden * dim, be);
  const bf = fill(hidden, be);
  const wb = fill(dim * hidden, bd);
  const bb = fill(dim, bd);
  return { wf, bf, wb, bb };
}

/** Epoch `epoch`'s presentation order of `count` samples: a seeded Fisher–Yates shuffle. */
export function epochOrder(count: number, seed: number, epoch: number): Int32Array {
  const r = new Counter(hash3(seed, STREAM.aeShuffle, epoch), STREAM.aeShuffle);
  const p = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = r.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** The gradient scale 2/n ('sse') or 2/(n·D) ('mse') of a minibatch of n samples, as f32. */
export function gradScale(cfg: AeConfig, n: number): number {
  return Math.fround(cfg.loss === 'mse' ? 2 / (n * cfg.dim) : 2 / n);
}

/** Adam's scalars for step t (1-based), computed in f64 as PyTorch does and rounded to f32. */
export interface AdamScalars {
  b1: number;
  b2: number;
  /** 1 − β1, 1 − β2. */
  ob1: number;
  ob2: number;
  eps: number;
  /** lr / (1 − β1ᵗ). */
  step: number;
  /** √(1 − β2ᵗ). */
  bc2: number;
}

export function adamScalars(cfg: AeConfig, t: number): AdamScalars {
  const f = Math.fround;
  return {
    b1: f(cfg.beta1),
    b2: f(cfg.beta2),
    ob1: f(1 - cfg.beta1),
    ob2: f(1 - cfg.beta2),
    eps: f(cfg.eps),
    step: f(cfg.lr / (1 - cfg.beta1 ** t)),
    bc2: f(Math.sqrt(1 - cfg.beta2 ** t)),
  };
}

export function checkAeConfig(cfg: AeConfig, count: number, x: Float32Array): void {
  const { dim, hidden, maxBatch } = cfg;
  for (const [k, v] of Object.entries({ dim, hidden, maxBatch }))
    if (!Number.isInteger(v) || v < 1) throw new Error(`autoencoder: ${k} must be a positive integer, got ${v}`);
  if (!Number.isInteger(count) || count < 1) throw new Error(`autoencoder: ${count} training samples`);
  if (x.length < count * dim) throw new Error(`autoencoder: x holds ${x.length} values, expected ${count}×${dim}`);
  if (!(cfg.lr > 0) || !(cfg.beta1 >= 0 && cfg.beta1 < 1) || !(cfg.beta2 >= 0 && cfg.beta2 < 1) || !(cfg.eps >= 0))
    throw new Error(`autoencoder: bad Adam settings lr ${cfg.lr}, betas ${cfg.beta1}/${cfg.beta2}, eps ${cfg.eps}`);
}

export function checkIndices(indices: Int32Array, count: number, max: number): void {
  if (indices.length > max) throw new Error(`autoencoder: ${indices.length} indices, at most ${max} per minibatch`);
  for (const i of indices) if (!(i >= 0 && i < count)) throw new Error(`autoencoder: sample index ${i} outside 0..${count - 1}`);
}

export function checkParams(p: AeParams, dim: number, hidden: number): void {
  const want = { wf: hidden * dim, bf: hidden, wb: dim * hidden, bb: dim };
  for (const [k, n] of Object.entries(want))
    if (p[k as keyof AeParams].length !== n) throw new Error(`autoencoder: ${k} has ${p[k as keyof AeParams].length} values, expected ${n}`);
}

export function zeroParams(dim: number, hidden: number): AeParams {
  return { wf: new Float32Array(hidden * dim), bf: new Float32Array(hidden), wb: new Float32Array(dim * hidden), bb: new Float32Array(dim) };
}

/** Codes relu(W_f x + b_f) (count × P) of samples x, on the host (f64 sums, f32 result). */
export function aeEncode(p: AeParams, x: Float32Array, count: number): Float32Array {
  const P = p.bf.length;
  const D = p.bb.length;
  const out = new Float32Array(count * P);
  const acc = new Float64Array(P);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < P; k++) acc[k] = p.bf[k];
    for (let d = 0; d < D; d++) {
      const v = x[i * D + d];
      if (v === 0) continue;
      for (let k = 0; k < P; k++) acc[k] += v * p.wf[k * D + d];
    }
    for (let k = 0; k < P; k++) out[i * P + k] = acc[k] > 0 ? acc[k] : 0;
  }
  return out;
}

/** Outputs sigmoid(W_b h + b_b) (count × D) from codes h, on the host. */
export function aeDecode(p: AeParams, codes: Float32Array | Float64Array, count: number): Float32Array {
  const P = p.bf.length;
  const D = p.bb.length;
  const out = new Float32Array(count * D);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < D; d++) {
      let a = p.bb[d];
      for (let k = 0; k < P; k++) a += p.wb[d * P + k] * codes[i * P + k];
      out[i * D + d] = 1 / (1 + Math.exp(-a));
    }
  }
  return out;
}
