// What every strategy shares: reading and checking init parameters, the checks on tell's
// arguments, tracking the best point, and keeping a state exactly JSON-serializable.
import { countFailures, isFailure } from './shaping.ts';
import type { BaseState, Best, InitParams } from './types.ts';

/** A bad init parameter; `path` names it (the evolve config layer prefixes its own path). */
export class StrategyError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'StrategyError';
  }
}

/** A state value became non-finite (the search diverged); the run cannot continue from it. */
export class StrategyDiverged extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrategyDiverged';
  }
}

const BASE_KEYS = ['dim', 'seed', 'x0', 'sigma0', 'popSize'];

/** 4 + ⌊3 ln d⌋, the NES / CMA-ES default population. */
export function defaultPopSize(dim: number): number {
  return 4 + Math.floor(3 * Math.log(dim));
}

export interface Resolved {
  base: BaseState;
  x0: number[];
  sigma0: number;
  /** The strategy's own options, unknown names already rejected. */
  options: Readonly<Record<string, unknown>>;
}

/** Checks the common parameters and that every other key is one of the strategy's `optionKeys`. */
export function resolve(strategy: string, params: InitParams, optionKeys: readonly string[], popSize: (dim: number) => number): Resolved {
  if (typeof params !== 'object' || params === null) throw new StrategyError('params', 'expected an object');
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || BASE_KEYS.includes(key)) continue;
    if (!optionKeys.includes(key)) {
      throw new StrategyError(key, `not an option of ${strategy} (options: ${[...BASE_KEYS, ...optionKeys].join(', ')})`);
    }
    options[key] = value;
  }
  const { dim, seed } = params;
  if (!Number.isSafeInteger(dim) || dim < 1) throw new StrategyError('dim', `expected an integer ≥ 1, got ${dim}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new StrategyError('seed', `expected an integer in 0 .. 4294967295, got ${seed}`);
  const x0 = params.x0 === undefined ? new Array<number>(dim).fill(0) : Array.from(params.x0, (v) => v + 0);
  if (x0.length !== dim) throw new StrategyError('x0', `expected ${dim} values, got ${x0.length}`);
  const bad = x0.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new StrategyError(`x0[${bad}]`, `expected a finite number, got ${x0[bad]}`);
  const sigma0 = params.sigma0 ?? 1;
  if (!(Number.isFinite(sigma0) && sigma0 > 0)) throw new StrategyError('sigma0', `expected a finite number > 0, got ${sigma0}`);
  const size = params.popSize ?? popSize(dim);
  if (!Number.isSafeInteger(size) || size < 2) throw new StrategyError('popSize', `expected an integer ≥ 2, got ${size}`);
  return { base: { strategy, seed, dim, popSize: size, generation: 0, best: null, failures: 0 }, x0, sigma0, options };
}

/** A numeric option: its default, or the given value if `ok`. */
export function numberOption(options: Readonly<Record<string, unknown>>, key: string, fallback: number, ok: (v: number) => boolean, expected: string): number {
  const value = options[key] ?? fallback;
  if (typeof value !== 'number' || !ok(value)) throw new StrategyError(key, `expected ${expected}, got ${JSON.stringify(value) ?? String(value)}`);
  return value;
}

export const positive = (v: number): boolean => Number.isFinite(v) && v > 0;
export const nonNegative = (v: number): boolean => Number.isFinite(v) && v >= 0;
export const unitRightClosed = (v: number): boolean => v > 0 && v <= 1;

/** Throws unless tell got one row of `dim` values and one fitness per member. */
export function checkTold(state: BaseState, population: readonly ArrayLike<number>[], fitness: ArrayLike<number>): void {
  if (population.length !== state.popSize) throw new RangeError(`${state.strategy} tell: ${population.length} rows, expected ${state.popSize}`);
  if (fitness.length !== state.popSize) throw new RangeError(`${state.strategy} tell: ${fitness.length} fitness values, expected ${state.popSize}`);
  population.forEach((row, i) => {
    if (row.length !== state.dim) throw new RangeError(`${state.strategy} tell: row ${i} has ${row.length} values, expected ${state.dim}`);
  });
}

/** The base fields after a tell: generation + 1, failures counted, best updated (first of equals wins). */
export function nextBase(state: BaseState, population: readonly ArrayLike<number>[], fitness: ArrayLike<number>): BaseState {
  let best: Best | null = state.best;
  let bestIndex = -1;
  for (let i = 0; i < fitness.length; i++) {
    const f = fitness[i];
    if (!isFailure(f) && (best === null || f > best.fitness)) {
      best = { x: [], fitness: f };
      bestIndex = i;
    }
  }
  if (best !== null && bestIndex >= 0) best.x = Array.from(population[bestIndex]);
  return {
    strategy: state.strategy,
    seed: state.seed,
    dim: state.dim,
    popSize: state.popSize,
    generation: state.generation + 1,
    best,
    failures: state.failures + countFailures(fitness),
  };
}

/**
 * Makes a freshly built state exactly JSON-round-trippable, in place: −0 becomes 0 (JSON
 * drops the sign) and a non-finite number (JSON writes null) is a divergence, named by path.
 * Every state a strategy returns passes through here, so an in-memory run and one resumed from
 * JSON go through identical values.
 */
export function canonical<S extends object>(state: S): S {
  const stack: [unknown, string][] = [[state, 'state']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (ArrayBuffer.isView(value)) throw new TypeError(`${path}: a strategy state holds plain arrays, not typed arrays`);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (typeof v === 'number') value[i] = finite(v, `${path}[${i}]`);
        else stack.push([v, `${path}[${i}]`]);
      }
    } else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      for (const [key, v] of Object.entries(record)) {
        if (typeof v === 'number') record[key] = finite(v, `${path}.${key}`);
        else stack.push([v, `${path}.${key}`]);
      }
    } else if (typeof value !== 'string' && typeof value !== 'boolean' && value !== null) {
      throw new TypeError(`${path}: a strategy state holds only JSON values, got ${typeof value}`);
    }
  }
  return state;
}

function finite(v: number, path: string): number {
  if (!Number.isFinite(v)) throw new StrategyDiverged(`strategy state became non-finite: ${path} = ${v}`);
  return v + 0;
}

/** metrics() common part. */
export function baseMetrics(state: BaseState, sigma: number): Record<string, number> {
  const out: Record<string, number> = { generation: state.generation, failures: state.failures, sigma };
  if (state.best !== null) out.best = state.best.fitness;
  return out;
}
