// SNES, separable natural evolution strategies (Schaul, Glasmachers & Schmidhuber 2011), what
// the probabilistic-skeleton papers used: x = μ + σ ⊙ s with s ~ N(0, I), NES utilities,
// μ ← μ + η_μ σ ⊙ Σ u s and σ ← σ ⊙ exp(η_σ/2 · Σ u (s² − 1)). Defaults: λ = 4 + ⌊3 ln d⌋,
// η_μ = 1, η_σ = (3 + ln d)/(5√d). O(popSize × dim) per ask and tell.
import { baseMetrics, canonical, checkTold, defaultPopSize, nextBase, numberOption, positive, resolve } from './common.ts';
import { gaussianRow, generationKey, PURPOSE } from './noise.ts';
import { nesShape } from './shaping.ts';
import type { BaseState, InitParams, Strategy } from './types.ts';

export interface SnesOptions {
  /** Mean learning rate η_μ (default 1). */
  lrMean?: number;
  /** σ learning rate η_σ (default (3 + ln d)/(5√d)). */
  lrSigma?: number;
}

export interface SnesState extends BaseState {
  mean: number[];
  /** Per-coordinate standard deviation. */
  sigma: number[];
  lrMean: number;
  lrSigma: number;
}

export const snes: Strategy<SnesState, InitParams & SnesOptions> = {
  name: 'snes',

  init(params) {
    const { base, x0, sigma0, options } = resolve('snes', params, ['lrMean', 'lrSigma'], defaultPopSize);
    const d = base.dim;
    return canonical({
      ...base,
      mean: x0,
      sigma: new Array<number>(d).fill(sigma0),
      lrMean: numberOption(options, 'lrMean', 1, positive, 'a finite number > 0'),
      lrSigma: numberOption(options, 'lrSigma', (3 + Math.log(d)) / (5 * Math.sqrt(d)), positive, 'a finite number > 0'),
    });
  },

  ask(state) {
    const key = generationKey(state.seed, PURPOSE.sample, state.generation);
    const population: Float64Array[] = [];
    for (let k = 0; k < state.popSize; k++) {
      const x = gaussianRow(key, k, state.dim);
      for (let j = 0; j < state.dim; j++) x[j] = state.mean[j] + state.sigma[j] * x[j];
      population.push(x);
    }
    return { state, population };
  },

  tell(state, population, fitness) {
    checkTold(state, population, fitness);
    const { dim } = state;
    const u = nesShape(fitness);
    const key = generationKey(state.seed, PURPOSE.sample, state.generation);
    const gMean = new Float64Array(dim);
    const gSigma = new Float64Array(dim);
    for (let k = 0; k < state.popSize; k++) {
      if (u[k] === 0) continue;
      const s = gaussianRow(key, k, dim);
      for (let j = 0; j < dim; j++) {
        gMean[j] += u[k] * s[j];
        gSigma[j] += u[k] * (s[j] * s[j] - 1);
      }
    }
    return canonical({
      ...state,
      ...nextBase(state, population, fitness),
      mean: state.mean.map((m, j) => m + state.lrMean * state.sigma[j] * gMean[j]),
      sigma: state.sigma.map((s, j) => s * Math.exp((state.lrSigma / 2) * gSigma[j])),
    });
  },

  best: (state) => state.best,
  metrics: (state) => baseMetrics(state, Math.sqrt(state.sigma.reduce((a, s) => a + s * s, 0) / state.dim)),
};
