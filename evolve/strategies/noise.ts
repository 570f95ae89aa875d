// Counter-based noise for the strategies: every draw is a pure function of (run seed, purpose,
// generation, member, coordinate), so ask needs no generator state, tell regenerates the exact
// samples instead of storing them, and a resumed run draws the same numbers.
import { hash3, uniform } from '../../sim/random.ts';

/** Keeps the strategies' numbers apart from every sim/random.ts STREAM ('evol'). */
const EVOLVE_STREAM = 0x65766f6c;

/** Independent uses of noise within one generation. */
export const PURPOSE = { sample: 1, accept: 2 } as const;

/** The key of one purpose's draws in one generation. */
export function generationKey(seed: number, purpose: number, generation: number): number {
  return hash3(hash3(seed, EVOLVE_STREAM, purpose), 0, generation);
}

/**
 * Standard normal: coordinates 2p and 2p + 1 are the cosine and sine halves of one Box-Muller
 * pair drawn from the counter uniforms at indices 2p and 2p + 1 (1 − u keeps the log finite).
 */
export function gaussian(key: number, member: number, coord: number): number {
  const even = coord % 2 === 0;
  const pair = even ? coord : coord - 1;
  const r = Math.sqrt(-2 * Math.log(1 - uniform(key, member, pair)));
  const angle = 2 * Math.PI * uniform(key, member, pair + 1);
  return even ? r * Math.cos(angle) : r * Math.sin(angle);
}

/** Coordinates 0 .. dim−1 of one member's standard normal vector: gaussian(key, member, j) for each j. */
export function gaussianRow(key: number, member: number, dim: number): Float64Array {
  const out = new Float64Array(dim);
  for (let j = 0; j < dim; j += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - uniform(key, member, j)));
    const angle = 2 * Math.PI * uniform(key, member, j + 1);
    out[j] = r * Math.cos(angle);
    if (j + 1 < dim) out[j + 1] = r * Math.sin(angle);
  }
  return out;
}
