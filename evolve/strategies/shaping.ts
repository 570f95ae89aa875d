// Fitness shaping: strategies see ranks, not raw fitness, so they are invariant to monotone
// transforms of it. A non-finite fitness (a failed evaluation) ranks below every finite one.
// Exactly equal values share the mean of their positions' utilities, so the result does not
// depend on member order: with mirrored sampling, a pair of failures must not fake a gradient.

export function isFailure(f: number): boolean {
  return !Number.isFinite(f);
}

export function countFailures(fitness: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < fitness.length; i++) if (isFailure(fitness[i])) n++;
  return n;
}

/** Member indices best first, as groups of exactly tied members (each group in index order). */
export function rankGroups(fitness: ArrayLike<number>): number[][] {
  const key = Array.from(fitness, (f) => (isFailure(f) ? -Infinity : f));
  const order = key.map((_, i) => i).sort((a, b) => (key[a] > key[b] ? -1 : key[a] < key[b] ? 1 : a - b));
  const groups: number[][] = [];
  for (const i of order) {
    const last = groups[groups.length - 1];
    if (last && key[last[0]] === key[i]) last.push(i);
    else groups.push([i]);
  }
  return groups;
}

/** Utility per member, from a utility per position (0 = best); ties share their positions' mean. */
export function shape(fitness: ArrayLike<number>, byPosition: ArrayLike<number>): Float64Array {
  if (byPosition.length !== fitness.length) throw new RangeError(`shape: ${byPosition.length} utilities for ${fitness.length} members`);
  const out = new Float64Array(fitness.length);
  let position = 0;
  for (const group of rankGroups(fitness)) {
    let sum = 0;
    for (let p = position; p < position + group.length; p++) sum += byPosition[p];
    for (const i of group) out[i] = sum / group.length;
    position += group.length;
  }
  return out;
}

/** NES (SNES, xNES): max(0, ln(λ/2 + 1) − ln(rank)) normalized to sum 1, minus 1/λ (sum 0). */
export function nesUtilities(n: number): Float64Array {
  const raw = Float64Array.from({ length: n }, (_, p) => Math.max(0, Math.log(n / 2 + 1) - Math.log(p + 1)));
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((r) => r / total - 1 / n);
}

/** CMA-ES recombination weights: ln((λ+1)/2) − ln(rank) for the best ⌊λ/2⌋, normalized; 0 after. */
export function cmaWeights(n: number): Float64Array {
  const mu = Math.floor(n / 2);
  const raw = Float64Array.from({ length: n }, (_, p) => (p < mu ? Math.log((n + 1) / 2) - Math.log(p + 1) : 0));
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((r) => r / total);
}

/**
 * OpenAI-ES: ranks scaled to [−0.5, 0.5], best +0.5. Tied members get their mean rank, whose
 * utility is exact (a group of all members gets exactly 0).
 */
export function centeredRanks(fitness: ArrayLike<number>): Float64Array {
  const n = fitness.length;
  const out = new Float64Array(n);
  if (n < 2) return out;
  let position = 0;
  for (const group of rankGroups(fitness)) {
    const rank = position + (group.length - 1) / 2;
    for (const i of group) out[i] = (n - 1 - rank) / (n - 1) - 0.5;
    position += group.length;
  }
  return out;
}

export function nesShape(fitness: ArrayLike<number>): Float64Array {
  return shape(fitness, nesUtilities(fitness.length));
}
