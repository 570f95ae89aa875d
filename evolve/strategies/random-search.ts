// Random search, the baseline every other strategy has to beat: independent samples, uniform in
// a box when `bounds` are given, else Gaussian around x0 with σ; it only keeps the best.
import { baseMetrics, canonical, checkTold, nextBase, defaultPopSize, resolve, StrategyError } from './common.ts';
import { gaussianRow, generationKey, PURPOSE } from './noise.ts';
import { uniform } from '../../sim/random.ts';
import type { BaseState, InitParams, Strategy } from './types.ts';

export interface RandomSearchOptions {
  /** [low, high] for every coordinate: sample uniformly in that box. */
  bounds?: readonly [number, number];
}

export interface RandomSearchState extends BaseState {
  center: number[];
  sigma: number;
  bounds: [number, number] | null;
}

export const randomSearch: Strategy<RandomSearchState, InitParams & RandomSearchOptions> = {
  name: 'random-search',

  init(params) {
    const { base, x0, sigma0, options } = resolve('random-search', params, ['bounds'], defaultPopSize);
    const b = options.bounds;
    let bounds: [number, number] | null = null;
    if (b !== undefined) {
      if (!Array.isArray(b) || b.length !== 2 || !b.every(Number.isFinite) || !(b[0] < b[1])) {
        throw new StrategyError('bounds', `expected [low, high] with finite low < high, got ${JSON.stringify(b)}`);
      }
      bounds = [b[0], b[1]];
    }
    return canonical({ ...base, center: x0, sigma: sigma0, bounds });
  },

  ask(state) {
    const key = generationKey(state.seed, PURPOSE.sample, state.generation);
    const { bounds, dim } = state;
    const population = Array.from({ length: state.popSize }, (_, k) =>
      bounds
        ? Float64Array.from({ length: dim }, (_, j) => bounds[0] + (bounds[1] - bounds[0]) * uniform(key, k, j))
        : gaussianRow(key, k, dim).map((z, j) => state.center[j] + state.sigma * z),
    );
    return { state, population };
  },

  tell(state, population, fitness) {
    checkTold(state, population, fitness);
    return canonical({ ...state, ...nextBase(state, population, fitness) });
  },

  best: (state) => state.best,
  // the spread of one coordinate's samples (a uniform on [a, b] has standard deviation (b − a)/√12)
  metrics: (state) => baseMetrics(state, state.bounds ? (state.bounds[1] - state.bounds[0]) / Math.sqrt(12) : state.sigma),
};
