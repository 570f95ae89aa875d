// The functional interface every evolution strategy implements (the shape of evosax's and
// EvoTorch's ask/tell API). A state is plain JSON data, so a checkpoint is JSON.stringify(state)
// and JSON.parse restores it exactly; strategies never mutate a state they are given.

/** The best evaluated point so far (finite fitness only). */
export interface Best {
  x: number[];
  fitness: number;
}

/** Fields every strategy's state has. */
export interface BaseState {
  /** Registry name, so a checkpoint says which strategy reads it. */
  strategy: string;
  seed: number;
  dim: number;
  popSize: number;
  /** Completed tells; the noise of the next ask is keyed by it. */
  generation: number;
  best: Best | null;
  /** Non-finite fitness values told so far (failed evaluations, ranked worst). */
  failures: number;
}

export interface InitParams {
  dim: number;
  /** Integer in 0 .. 2^32−1. */
  seed: number;
  /** Starting point (default zeros). */
  x0?: ArrayLike<number>;
  /** Initial step size per coordinate (default 1). */
  sigma0?: number;
  popSize?: number;
}

export interface Asked<S> {
  state: S;
  /** popSize rows of dim values, fresh arrays the caller may keep. */
  population: Float64Array[];
}

/**
 * Maximizes fitness. Method syntax (bivariant parameters) lets the registry hold every
 * strategy as Strategy<BaseState, InitParams>.
 */
export interface Strategy<S extends BaseState = BaseState, P extends InitParams = InitParams> {
  readonly name: string;
  init(params: P): S;
  /** A pure function of the state: the same state always gives the same population. */
  ask(state: S): Asked<S>;
  /** `population` is the one ask returned for this state, `fitness` one value per row. */
  tell(state: S, population: readonly ArrayLike<number>[], fitness: ArrayLike<number>): S;
  best(state: S): Best | null;
  /** Numbers for a log line: generation, failures, best fitness, sigma (and temperature). */
  metrics(state: S): Record<string, number>;
}
