// Simple generated stimulus streams for the simulator (the quickstart's input). Sample t is a pure
// function of (seed, t), so any chunk of the stream can be produced independently.
import { Counter, hash3, STREAM } from '../sim/random.ts';

export type StimulusSpec =
  | { kind: 'bars'; side: number; p: number; noise: number }
  | { kind: 'gaussian'; dim: number; rank: number; noise: number };

export interface Stimulus {
  dim: number;
  /** Writes samples t0 .. t0+T−1 into `out` (T × dim). */
  fill(out: Float32Array, t0: number, T: number): void;
}

export function makeStimulus(spec: StimulusSpec, seed: number): Stimulus {
  if (spec.kind === 'bars') return bars(spec, seed);
  return gaussian(spec, seed);
}

/** Földiák's bars: each of the side horizontal and side vertical bars is on with probability p. */
function bars(spec: Extract<StimulusSpec, { kind: 'bars' }>, seed: number): Stimulus {
  const { side, p, noise } = spec;
  const dim = side * side;
  return {
    dim,
    fill(out, t0, T) {
      for (let k = 0; k < T; k++) {
        const r = new Counter(hash3(seed, STREAM.stimulus, t0 + k), STREAM.stimulus);
        const x = out.subarray(k * dim, (k + 1) * dim);
        x.fill(0);
        for (let b = 0; b < side; b++) if (r.next() < p) for (let i = 0; i < side; i++) x[b * side + i] = 1;
        for (let b = 0; b < side; b++) if (r.next() < p) for (let i = 0; i < side; i++) x[i * side + b] = 1;
        if (noise > 0) for (let i = 0; i < dim; i++) x[i] = Math.min(Math.max(x[i] + noise * r.normal(), 0), 1);
      }
    },
  };
}

/**
 * x = L·z + noise·ε with z, ε standard normal and a fixed random dim×rank L whose columns have
 * decreasing scale, so the principal components are well separated.
 */
function gaussian(spec: Extract<StimulusSpec, { kind: 'gaussian' }>, seed: number): Stimulus {
  const { dim, rank, noise } = spec;
  const lr = new Counter(hash3(seed, STREAM.stimulus, 0xffffffff), STREAM.stimulus);
  const L = new Float64Array(dim * rank);
  for (let j = 0; j < rank; j++) {
    const scale = 1 / (j + 1);
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += (L[i * rank + j] = lr.normal()) ** 2;
    for (let i = 0; i < dim; i++) L[i * rank + j] *= scale / Math.sqrt(norm);
  }
  return {
    dim,
    fill(out, t0, T) {
      const z = new Float64Array(rank);
      for (let k = 0; k < T; k++) {
        const r = new Counter(hash3(seed, STREAM.stimulus, t0 + k), STREAM.stimulus);
        for (let j = 0; j < rank; j++) z[j] = r.normal();
        for (let i = 0; i < dim; i++) {
          let s = 0;
          for (let j = 0; j < rank; j++) s += L[i * rank + j] * z[j];
          out[k * dim + i] = s + noise * r.normal();
        }
      }
    },
  };
}
