// OpenAI-ES (Salimans et al. 2017, "Evolution Strategies as a Scalable Alternative to
// Reinforcement Learning"): mirrored sampling x = m ± σε, centered-rank shaping, the gradient
// estimate Σ u ε / (λσ) followed by Adam on the mean, L2 weight decay on the mean, and a fixed
// or geometrically decaying σ. O(popSize × dim) per ask and tell.
import { baseMetrics, canonical, checkTold, defaultPopSize, nextBase, nonNegative, numberOption, positive, resolve, StrategyError, unitRightClosed } from './common.ts';
import { gaussianRow, generationKey, PURPOSE } from './noise.ts';
import { centeredRanks } from './shaping.ts';
import type { BaseState, InitParams, Strategy } from './types.ts';

export interface OpenAiEsOptions {
  /** Adam step size (default 0.01). */
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 coefficient: the step is (gradient − weightDecay · mean). */
  weightDecay?: number;
  /** σ ← max(sigmaMin, σ · sigmaDecay) after each tell (default 1: fixed σ). */
  sigmaDecay?: number;
  sigmaMin?: number;
}

export interface OpenAiEsState extends BaseState {
  mean: number[];
  sigma: number;
  /** Adam's first and second moments. */
  m: number[];
  v: number[];
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  sigmaDecay: number;
  sigmaMin: number;
}

const OPTIONS = ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'sigmaDecay', 'sigmaMin'];

export const openaiEs: Strategy<OpenAiEsState, InitParams & OpenAiEsOptions> = {
  name: 'openai-es',

  init(params) {
    // mirrored pairs need an even population
    const { base, x0, sigma0, options } = resolve('openai-es', params, OPTIONS, (d) => 2 * Math.ceil(defaultPopSize(d) / 2));
    if (base.popSize % 2 !== 0) throw new StrategyError('popSize', `openai-es samples mirrored pairs: expected an even number, got ${base.popSize}`);
    return canonical({
      ...base,
      mean: x0,
      sigma: sigma0,
      m: new Array<number>(base.dim).fill(0),
      v: new Array<number>(base.dim).fill(0),
      lr: numberOption(options, 'lr', 0.01, positive, 'a finite number > 0'),
      beta1: numberOption(options, 'beta1', 0.9, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
      beta2: numberOption(options, 'beta2', 0.999, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
      eps: numberOption(options, 'eps', 1e-8, positive, 'a finite number > 0'),
      weightDecay: numberOption(options, 'weightDecay', 0, nonNegative, 'a finite number ≥ 0'),
      sigmaDecay: numberOption(options, 'sigmaDecay', 1, unitRightClosed, 'a number in (0, 1]'),
      sigmaMin: numberOption(options, 'sigmaMin', 0, nonNegative, 'a finite number ≥ 0'),
    });
  },

  ask(state) {
    const key = generationKey(state.seed, PURPOSE.sample, state.generation);
    const population: Float64Array[] = [];
    for (let k = 0; k < state.popSize / 2; k++) {
      const eps = gaussianRow(key, k, state.dim);
      const plus = new Float64Array(state.dim);
      const minus = new Float64Array(state.dim);
      for (let j = 0; j < state.dim; j++) {
        const step = state.sigma * eps[j];
        plus[j] = state.mean[j] + step;
        minus[j] = state.mean[j] - step;
      }
      population.push(plus, minus);
    }
    return { state, population };
  },

  tell(state, population, fitness) {
    checkTold(state, population, fitness);
    const { dim, popSize, sigma, beta1, beta2 } = state;
    const u = centeredRanks(fitness);
    const key = generationKey(state.seed, PURPOSE.sample, state.generation);
    const grad = new Float64Array(dim);
    for (let k = 0; k < popSize / 2; k++) {
      const w = u[2 * k] - u[2 * k + 1];
      if (w === 0) continue;
      const eps = gaussianRow(key, k, dim);
      for (let j = 0; j < dim; j++) grad[j] += w * eps[j];
    }
    const t = state.generation + 1;
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    const mean = new Array<number>(dim);
    const m = new Array<number>(dim);
    const v = new Array<number>(dim);
    for (let j = 0; j < dim; j++) {
      const g = grad[j] / (popSize * sigma) - state.weightDecay * state.mean[j];
      m[j] = beta1 * state.m[j] + (1 - beta1) * g;
      v[j] = beta2 * state.v[j] + (1 - beta2) * g * g;
      mean[j] = state.mean[j] + (state.lr * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + state.eps);
    }
    return canonical({
      ...state,
      ...nextBase(state, population, fitness),
      mean,
      m,
      v,
      sigma: Math.max(state.sigmaMin, sigma * state.sigmaDecay),
    });
  },

  best: (state) => state.best,
  metrics: (state) => baseMetrics(state, state.sigma),
};
