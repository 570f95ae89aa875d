// Simulated annealing as in the journal's overnight run (May 2022): perturb the current point
// with Gaussian noise of scale σ, accept by Metropolis at temperature T, cool geometrically.
// Population-based: each generation proposes popSize points around the current one; the best
// proposal replaces the current point if it is better, else with probability exp(Δ/T).
// T is in fitness units. O(popSize × dim) per generation.
import { baseMetrics, canonical, checkTold, defaultPopSize, nextBase, nonNegative, numberOption, resolve, unitRightClosed } from './common.ts';
import { gaussianRow, generationKey, PURPOSE } from './noise.ts';
import { rankGroups } from './shaping.ts';
import { uniform } from '../../sim/random.ts';
import type { BaseState, InitParams, Strategy } from './types.ts';

export interface AnnealingOptions {
  /** Initial temperature T0 (default 1). */
  temperature0?: number;
  /** T ← T · cooling after each generation (default 0.99). */
  cooling?: number;
  /** σ ← max(sigmaMin, σ · sigmaDecay) after each generation (default 1: fixed σ). */
  sigmaDecay?: number;
  sigmaMin?: number;
}

export interface AnnealingState extends BaseState {
  current: number[];
  /** null until a proposal with finite fitness has been accepted. */
  currentFitness: number | null;
  temperature: number;
  sigma: number;
  cooling: number;
  sigmaDecay: number;
  sigmaMin: number;
  /** Proposals accepted although worse than the current point. */
  uphill: number;
}

export const simulatedAnnealing: Strategy<AnnealingState, InitParams & AnnealingOptions> = {
  name: 'simulated-annealing',

  init(params) {
    const { base, x0, sigma0, options } = resolve('simulated-annealing', params, ['temperature0', 'cooling', 'sigmaDecay', 'sigmaMin'], defaultPopSize);
    return canonical({
      ...base,
      current: x0,
      currentFitness: null,
      temperature: numberOption(options, 'temperature0', 1, nonNegative, 'a finite number ≥ 0'),
      sigma: sigma0,
      cooling: numberOption(options, 'cooling', 0.99, unitRightClosed, 'a number in (0, 1]'),
      sigmaDecay: numberOption(options, 'sigmaDecay', 1, unitRightClosed, 'a number in (0, 1]'),
      sigmaMin: numberOption(options, 'sigmaMin', 0, nonNegative, 'a finite number ≥ 0'),
      uphill: 0,
    });
  },

  ask(state) {
    const key = generationKey(state.seed, PURPOSE.sample, state.generation);
    const population = Array.from({ length: state.popSize }, (_, k) => gaussianRow(key, k, state.dim).map((z, j) => state.current[j] + state.sigma * z));
    return { state, population };
  },

  tell(state, population, fitness) {
    checkTold(state, population, fitness);
    const [proposal] = rankGroups(fitness)[0];
    const f = fitness[proposal];
    let accept = false;
    let uphill = state.uphill;
    if (Number.isFinite(f)) {
      if (state.currentFitness === null || f >= state.currentFitness) accept = true;
      else if (uniform(generationKey(state.seed, PURPOSE.accept, state.generation), 0, 0) < Math.exp((f - state.currentFitness) / state.temperature)) {
        accept = true;
        uphill++;
      }
    }
    return canonical({
      ...state,
      ...nextBase(state, population, fitness),
      current: accept ? Array.from(population[proposal]) : state.current,
      currentFitness: accept ? f : state.currentFitness,
      temperature: state.temperature * state.cooling,
      sigma: Math.max(state.sigmaMin, state.sigma * state.sigmaDecay),
      uphill,
    });
  },

  best: (state) => state.best,
  metrics: (state) => ({ ...baseMetrics(state, state.sigma), temperature: state.temperature, uphill: state.uphill }),
};
