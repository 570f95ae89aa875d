// Methods by kind: what a comparison run fits. Each returns a Fitted (method.ts); heavy libraries
// (umap-js, Dawn kernels) load only when their method is asked for.
import { gramCpu, prepareGramCpu } from '../../sim/linalg/cpu.ts';
import { gramWebgpu } from '../../sim/linalg/webgpu.ts';
import type { Task } from '../task.ts';
import type { AutoencoderSpec } from './autoencoder.ts';
import { type BioSpec, fitBio } from './bio.ts';
import type { FitContext, Fitted } from './method.ts';
import { fitPca, pcaDecode, pcaEncode } from './pca.ts';
import type { UmapSpec } from './umap.ts';

export type MethodSpec =
  | { kind: 'pixels'; name?: string }
  | { kind: 'pca'; components: number; name?: string }
  | ({ kind: 'umap'; name?: string } & Partial<UmapSpec>)
  | ({ kind: 'autoencoder'; name?: string } & Partial<AutoencoderSpec> & { components: number })
  | ({ kind: 'bio'; name?: string } & BioSpec);

/** Backends a method computes on; anything else runs on the cpu whatever the run's backend. */
export function methodBackends(kind: MethodSpec['kind']): readonly string[] {
  return kind === 'pca' || kind === 'autoencoder' || kind === 'bio' ? ['cpu', 'webgpu'] : ['cpu'];
}

/** One-time work (building and compiling kernels) kept out of fit_seconds, as library import is for the peers. */
export async function prepareMethod(spec: MethodSpec, task: Task, ctx: FitContext): Promise<void> {
  if (spec.kind === 'pca' && ctx.backend === 'cpu') {
    await prepareGramCpu();
    // a small fit compiles the JS of the eigensolver, as scikit-learn's is compiled ahead of time
    const x = new Float32Array(300 * 64).map((_, i) => Math.sin(i * 0.37));
    await fitPca(x, 300, 64, 8, { seed: 1 });
  }
  if (spec.kind === 'autoencoder') {
    const { prepareAutoencoder, AUTOENCODER_DEFAULTS } = await import('./autoencoder.ts');
    await prepareAutoencoder(task.dim, { ...AUTOENCODER_DEFAULTS, ...spec }, ctx);
  }
}

export async function fitMethod(spec: MethodSpec, task: Task, ctx: FitContext): Promise<Fitted> {
  const { x, count } = task.train;
  const dim = task.dim;
  switch (spec.kind) {
    case 'pixels':
      return {
        codeDim: dim,
        encode: async (xs) => xs,
        decode: async (codes) => codes,
      };
    case 'pca': {
      const gram =
        ctx.backend === 'webgpu'
          ? (X: Float32Array, n: number, d: number) => gramWebgpu(ctx.gpu!, X, n, d, { center: true })
          : (X: Float32Array, n: number, d: number, mean: Float64Array) => gramCpu(X, n, d, { center: true, mean });
      const model = await fitPca(x, count, dim, spec.components, { seed: ctx.seed, gram });
      return {
        codeDim: spec.components,
        encode: async (xs, n) => pcaEncode(model, xs, n),
        decode: async (codes, n) => pcaDecode(model, codes, n),
        info: { variance_top: model.variances[0], variance_last: model.variances[spec.components - 1] },
      };
    }
    case 'umap': {
      const { fitUmap, UMAP_DEFAULTS } = await import('./umap.ts');
      const { kind: _k, name: _n, ...rest } = spec;
      return fitUmap(x, count, dim, { ...UMAP_DEFAULTS, ...rest }, ctx);
    }
    case 'bio':
      return fitBio(task, spec, ctx);
    case 'autoencoder': {
      const { fitAutoencoder, AUTOENCODER_DEFAULTS } = await import('./autoencoder.ts');
      const { kind: _k, name: _n, ...rest } = spec;
      return fitAutoencoder(x, count, dim, { ...AUTOENCODER_DEFAULTS, ...rest }, ctx);
    }
  }
}
