// PCA baseline (SPEC §6): the covariance from the backend's Gram kernel, then the top P
// eigenvectors by randomized subspace iteration (sim/linalg). ml-pca is the reference on small
// data only: at MNIST scale its full eigendecomposition is ~65 s here.
import { gramCpu } from '../../sim/linalg/cpu.ts';
import { topEigen } from '../../sim/linalg/topk.ts';

export interface PcaModel {
  dim: number;
  components: number;
  mean: Float64Array;
  /** components × dim, row-major, unit rows. */
  vectors: Float64Array;
  /** Variance along each component, descending. */
  variances: Float64Array;
}

export interface PcaOptions {
  seed?: number;
  /**
   * Subspace iterations (default 7, with 10 extra vectors: scikit-learn's randomized PCA uses the
   * same for fewer than 10 % of the dimensions). Raise it for flat spectra.
   */
  iters?: number;
  /** The covariance kernel (default gramCpu, centered): lets the run's backend compute it. */
  gram?: (x: Float32Array, count: number, dim: number, mean: Float64Array) => Promise<Float64Array>;
}

export async function fitPca(x: Float32Array, count: number, dim: number, components: number, opts: PcaOptions = {}): Promise<PcaModel> {
  if (!(components >= 1 && components <= dim)) throw new Error(`PCA: ${components} components for ${dim}-dimensional input`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] += x[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= count;
  const C = await (opts.gram ?? ((X, n, d, m) => gramCpu(X, n, d, { center: true, mean: m })))(x, count, dim, mean);
  const { values, vectors } = await topEigen(C, dim, components, { seed: opts.seed ?? 1, iters: opts.iters ?? 7 });
  return { dim, components, mean, vectors, variances: values };
}

/** Codes (count × components) of samples x. */
export function pcaEncode(m: PcaModel, x: Float32Array, count: number): Float64Array {
  const out = new Float64Array(count * m.components);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < m.components; c++) {
      let s = 0;
      for (let j = 0; j < m.dim; j++) s += (x[i * m.dim + j] - m.mean[j]) * m.vectors[c * m.dim + j];
      out[i * m.components + c] = s;
    }
  }
  return out;
}

/** Reconstructions (count × dim) from codes. */
export function pcaDecode(m: PcaModel, codes: Float32Array | Float64Array, count: number): Float32Array {
  const out = new Float32Array(count * m.dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < m.dim; j++) {
      let s = m.mean[j];
      for (let c = 0; c < m.components; c++) s += codes[i * m.components + c] * m.vectors[c * m.dim + j];
      out[i * m.dim + j] = s;
    }
  }
  return out;
}
