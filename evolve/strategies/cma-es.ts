// CMA-ES with the defaults of Hansen's tutorial ("The CMA Evolution Strategy: A Tutorial",
// arXiv:1604.00772; positive recombination weights on the best ⌊λ/2⌋), full covariance for
// small genomes. Above 100 dimensions (or with `diagonal: true`) it is sep-CMA-ES (Ros & Hansen
// 2008): diagonal C, c1 and cμ scaled by (n + 2)/3, O(popSize × dim) per generation instead of
// O(popSize × dim²) plus an O(dim³) eigendecomposition.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { baseMetrics, canonical, checkTold, defaultPopSize, nextBase, resolve, StrategyDiverged, StrategyError } from './common.ts';
import { gaussianRow, generationKey, PURPOSE } from './noise.ts';
import { cmaWeights, isFailure, shape } from './shaping.ts';
import type { BaseState, InitParams, Strategy } from './types.ts';

/** Dimensions above which the default is the diagonal variant (full C costs O(dim²) memory and O(dim³) time). */
export const FULL_CMA_MAX_DIM = 100;

export interface CmaEsOptions {
  /** Diagonal covariance (sep-CMA-ES); default: dim > FULL_CMA_MAX_DIM. */
  diagonal?: boolean;
}

interface CmaCommon extends BaseState {
  mean: number[];
  sigma: number;
  /** Evolution paths of C and of σ. */
  pc: number[];
  ps: number[];
}

export interface CmaFullState extends CmaCommon {
  variant: 'full';
  C: number[][];
  /** C = B diag(D²) Bᵀ, refreshed every few generations (eigenGeneration: when last). */
  B: number[][];
  D: number[];
  eigenGeneration: number;
}

export interface CmaSepState extends CmaCommon {
  variant: 'sep';
  /** The diagonal of C. */
  diagC: number[];
}

export type CmaEsState = CmaFullState | CmaSepState;

/** The tutorial's constants, from dimension and population alone. */
function constants(n: number, lambda: number, sep: boolean) {
  const weights = cmaWeights(lambda);
  const mueff = 1 / weights.reduce((a, w) => a + w * w, 0);
  const cc = (4 + mueff / n) / (n + 4 + (2 * mueff) / n);
  const cs = (mueff + 2) / (n + mueff + 5);
  let c1 = 2 / ((n + 1.3) ** 2 + mueff);
  let cmu = Math.min(1 - c1, (2 * (mueff - 2 + 1 / mueff)) / ((n + 2) ** 2 + mueff));
  if (sep) {
    c1 *= (n + 2) / 3;
    cmu = Math.min(1 - c1, (cmu * (n + 2)) / 3);
  }
  const damps = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + cs;
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  return { weights, mueff, cc, cs, c1, cmu, damps, chiN };
}

export const cmaEs: Strategy<CmaEsState, InitParams & CmaEsOptions> = {
  name: 'cma-es',

  init(params) {
    const { base, x0, sigma0, options } = resolve('cma-es', params, ['diagonal'], defaultPopSize);
    const n = base.dim;
    const diagonal = options.diagonal ?? n > FULL_CMA_MAX_DIM;
    if (typeof diagonal !== 'boolean') throw new StrategyError('diagonal', `expected true or false, got ${JSON.stringify(diagonal)}`);
    const common = { ...base, mean: x0, sigma: sigma0, pc: new Array<number>(n).fill(0), ps: new Array<number>(n).fill(0) };
    if (diagonal) return canonical<CmaEsState>({ ...common, variant: 'sep', diagC: new Array<number>(n).fill(1) });
    const identity = () => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    return canonical<CmaEsState>({ ...common, variant: 'full', C: identity(), B: identity(), D: new Array<number>(n).fill(1), eigenGeneration: 0 });
  },

  ask(state) {
    const key = generationKey(state.seed, PURPOSE.sample, state.generation);
    const population: Float64Array[] = [];
    for (let k = 0; k < state.popSize; k++) {
      const y = sampleY(state, gaussianRow(key, k, state.dim));
      for (let j = 0; j < state.dim; j++) y[j] = state.mean[j] + state.sigma * y[j];
      population.push(y);
    }
    return { state, population };
  },

  tell(state, population, fitness) {
    checkTold(state, population, fitness);
    const n = state.dim;
    const { weights, mueff, cc, cs, c1, cmu, damps, chiN } = constants(n, state.popSize, state.variant === 'sep');
    // a failed evaluation gets no weight even when it falls among the best ⌊λ/2⌋ (fewer
    // successes than that): the mean does not move towards it and C shrinks instead
    const w = shape(fitness, weights).map((wk, k) => (isFailure(fitness[k]) ? 0 : wk));
    const key = generationKey(state.seed, PURPOSE.sample, state.generation);
    // regenerate the samples ask drew; only the weighted ones (about half) matter
    const ys: { w: number; y: Float64Array }[] = [];
    const zw = new Float64Array(n);
    const yw = new Float64Array(n);
    for (let k = 0; k < state.popSize; k++) {
      if (w[k] === 0) continue;
      const z = gaussianRow(key, k, n);
      const y = sampleY(state, z);
      for (let j = 0; j < n; j++) {
        zw[j] += w[k] * z[j];
        yw[j] += w[k] * y[j];
      }
      ys.push({ w: w[k], y });
    }
    // C^(−1/2) y_w = B z_w (full), = z_w (diagonal)
    const whitened = state.variant === 'full' ? matVec(state.B, zw) : zw;
    const ps = state.ps.map((p, j) => (1 - cs) * p + Math.sqrt(cs * (2 - cs) * mueff) * whitened[j]);
    const psNorm = Math.sqrt(ps.reduce((a, p) => a + p * p, 0));
    const hsig = psNorm / Math.sqrt(1 - (1 - cs) ** (2 * (state.generation + 1))) / chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    const pc = state.pc.map((p, j) => (1 - cc) * p + hsig * Math.sqrt(cc * (2 - cc) * mueff) * yw[j]);
    const keep = 1 - c1 - cmu + (1 - hsig) * c1 * cc * (2 - cc);
    const common = {
      ...nextBase(state, population, fitness),
      mean: state.mean.map((m, j) => m + state.sigma * yw[j]),
      sigma: state.sigma * Math.exp((cs / damps) * (psNorm / chiN - 1)),
      pc,
      ps,
    };
    if (state.variant === 'sep') {
      const diagC = state.diagC.map((c, j) => {
        let rankMu = 0;
        for (const { w: wk, y } of ys) rankMu += wk * y[j] * y[j];
        return keep * c + c1 * pc[j] * pc[j] + cmu * rankMu;
      });
      return canonical<CmaEsState>({ ...common, variant: 'sep', diagC });
    }
    const C = Array.from({ length: n }, () => new Array<number>(n));
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let rankMu = 0;
        for (const { w: wk, y } of ys) rankMu += wk * y[i] * y[j];
        const c = keep * state.C[i][j] + c1 * pc[i] * pc[j] + cmu * rankMu;
        C[i][j] = c;
        C[j][i] = c;
      }
    }
    // the tutorial's lazy update (its λ/(c1 + cμ)/n/10 evaluations): the decomposition is O(n³)
    // and C moves by about c1 + cμ per generation
    const generation = state.generation + 1;
    if (generation - state.eigenGeneration > 1 / (c1 + cmu) / n / 10) {
      return canonical<CmaEsState>({ ...common, variant: 'full', C, ...eigen(C, generation), eigenGeneration: generation });
    }
    return canonical<CmaEsState>({ ...common, variant: 'full', C, B: state.B, D: state.D, eigenGeneration: state.eigenGeneration });
  },

  best: (state) => state.best,
  // root-mean-square per-coordinate standard deviation of the sampling distribution
  metrics: (state) => {
    const diag = state.variant === 'sep' ? state.diagC : state.C.map((row, i) => row[i]);
    return baseMetrics(state, state.sigma * Math.sqrt(diag.reduce((a, c) => a + c, 0) / state.dim));
  },
};

/** y = B (D ⊙ z) (full) or √diag(C) ⊙ z (diagonal): a sample of N(0, C). */
function sampleY(state: CmaEsState, z: Float64Array): Float64Array {
  if (state.variant === 'sep') return z.map((v, j) => Math.sqrt(state.diagC[j]) * v);
  const dz = z.map((v, j) => state.D[j] * v);
  return matVec(state.B, dz);
}

function matVec(m: number[][], v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(m.length);
  for (let i = 0; i < m.length; i++) {
    let s = 0;
    const row = m[i];
    for (let j = 0; j < row.length; j++) s += row[j] * v[j];
    out[i] = s;
  }
  return out;
}

/** B and D with C = B diag(D²) Bᵀ; eigenvalues clamped at 1e−14 × the largest against round-off. */
function eigen(C: number[][], generation: number): { B: number[][]; D: number[] } {
  const evd = new EigenvalueDecomposition(new Matrix(C), { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const largest = Math.max(...values);
  if (!(largest > 0 && Number.isFinite(largest))) throw new StrategyDiverged(`cma-es: covariance lost positive definiteness at generation ${generation} (largest eigenvalue ${largest})`);
  return { B: evd.eigenvectorMatrix.to2DArray(), D: values.map((v) => Math.sqrt(Math.max(v, largest * 1e-14))) };
}
