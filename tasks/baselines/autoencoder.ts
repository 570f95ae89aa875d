// SGD autoencoder baseline (SPEC §6): one hidden layer of P relu units, sigmoid outputs, squared
// error, Adam, minibatches — the architecture, initialisation and schedule of the PyTorch model in
// ../shared/peers/baselines.py (nn.Linear init, Adam lr 1e-3, batch 64, 10 epochs, loss = per-
// sample sum of squares averaged over the minibatch), trained by the run's backend: the cpu's
// WebAssembly SIMD kernel or WGSL kernels on webgpu (sim/linalg/autoencoder-*.ts). The loop is the
// same for both: seeded init and per-epoch shuffles (sim/random.ts), one kernel call per epoch.
import { createAeCpu, prepareAeCpu } from '../../sim/linalg/autoencoder-cpu.ts';
import {
  ADAM_DEFAULTS,
  aeDecode,
  aeEncode,
  type AeKernel,
  type AeLoss,
  type AeParams,
  epochOrder,
  initAeParams,
} from '../../sim/linalg/autoencoder.ts';
import type { FitContext, Fitted } from './method.ts';

export interface AutoencoderSpec {
  /** P: hidden units = code dimension. */
  components: number;
  epochs: number;
  /** Minibatch size. */
  batch: number;
  /** Adam learning rate (β 0.9 / 0.999, eps 1e-8). */
  lr: number;
  /**
   * 'sse' (default): per-sample sum of squared errors averaged over the minibatch, as the peer
   * script baselines.py; 'mse': also averaged over pixels (PyTorch's nn.MSELoss default). Adam is
   * nearly invariant to the scale, so the two differ only through eps.
   */
  loss?: AeLoss;
}

/** As peers/baselines.py: 10 epochs of Adam at lr 1e-3 on minibatches of 64. */
export const AUTOENCODER_DEFAULTS: Omit<AutoencoderSpec, 'components'> = { epochs: 10, batch: 64, lr: 1e-3, loss: 'sse' };

export interface AutoencoderModel {
  params: AeParams;
  /** Mean per-sample squared error over each epoch (weights moving within the epoch). */
  epochSse: number[];
  /** Training seconds per epoch (kernel work and shuffling; not setup or data upload). */
  secondsPerEpoch: number;
  /** Seconds to create the kernel and upload the data (and, on the cpu, build the wasm once per shape). */
  setupSeconds: number;
  kernel: string;
}

/** Builds the cpu kernel for this shape ahead of time (binaryen takes ~1-2 s the first time). */
export async function prepareAutoencoder(dim: number, spec: Pick<AutoencoderSpec, 'components' | 'batch'>, ctx: FitContext): Promise<void> {
  if (ctx.backend === 'cpu') await prepareAeCpu(dim, spec.components, spec.batch);
}

async function createKernel(x: Float32Array, count: number, dim: number, spec: AutoencoderSpec, ctx: FitContext): Promise<AeKernel> {
  const cfg = { dim, hidden: spec.components, maxBatch: spec.batch, ...ADAM_DEFAULTS, lr: spec.lr, loss: spec.loss ?? 'sse' };
  if (ctx.backend === 'webgpu') {
    if (!ctx.gpu) throw new Error('autoencoder: backend webgpu without a GPU device in the context');
    const { createAeWebgpu } = await import('../../sim/linalg/autoencoder-webgpu.ts');
    return createAeWebgpu(ctx.gpu, x, count, cfg);
  }
  return createAeCpu(x, count, cfg);
}

/** Trains the autoencoder on x (count × dim) and returns its parameters with the training record. */
export async function trainAutoencoder(x: Float32Array, count: number, dim: number, spec: AutoencoderSpec, ctx: FitContext): Promise<AutoencoderModel> {
  if (!Number.isInteger(spec.components) || spec.components < 1) throw new Error(`autoencoder: components must be a positive integer, got ${spec.components}`);
  if (!Number.isInteger(spec.epochs) || spec.epochs < 0) throw new Error(`autoencoder: epochs must be a non-negative integer, got ${spec.epochs}`);
  const t0 = performance.now();
  const kernel = await createKernel(x, count, dim, spec, ctx);
  try {
    await kernel.writeParams(initAeParams(dim, spec.components, ctx.seed));
    const t1 = performance.now();
    const epochSse: number[] = [];
    for (let e = 0; e < spec.epochs; e++) {
      epochSse.push((await kernel.train(epochOrder(count, ctx.seed, e))) / count);
      ctx.curve?.({ epoch: e + 1, train_sse: epochSse[e] });
      ctx.progress?.(e + 1, spec.epochs, 'epoch');
    }
    const t2 = performance.now();
    return {
      params: await kernel.readParams(),
      epochSse,
      secondsPerEpoch: spec.epochs > 0 ? (t2 - t1) / 1000 / spec.epochs : 0,
      setupSeconds: (t1 - t0) / 1000,
      kernel: kernel.kind,
    };
  } finally {
    kernel.dispose();
  }
}

/** The method interface (method.ts): encode gives relu codes, decode sigmoid outputs (host-side). */
export async function fitAutoencoder(x: Float32Array, count: number, dim: number, spec: AutoencoderSpec, ctx: FitContext): Promise<Fitted> {
  const model = await trainAutoencoder(x, count, dim, spec, ctx);
  const { params } = model;
  return {
    codeDim: spec.components,
    encode: async (xs, n) => aeEncode(params, xs, n),
    decode: async (codes, n) => aeDecode(params, codes, n),
    info: {
      train_sse: model.epochSse.length ? model.epochSse[model.epochSse.length - 1] : NaN,
      seconds_per_epoch: model.secondsPerEpoch,
      kernel_setup_seconds: model.setupSeconds,
      kernel: model.kernel,
      epochs: spec.epochs,
      batch: spec.batch,
      lr: spec.lr,
      loss: spec.loss ?? 'sse',
    },
  };
}
