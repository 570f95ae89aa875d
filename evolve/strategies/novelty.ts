// Novelty search as an optional bonus (Lehman & Stanley 2011; the journal's May 6 2022 entry):
// a member's novelty is the mean distance of its behaviour descriptor to the k nearest among the
// archive and the rest of the population. Tell a strategy `fitness + weight · novelty`. A member
// whose descriptor is not finite (a failed evaluation) gets novelty 0, is nobody's neighbour and
// is never archived. The archive is plain JSON, checkpointed beside the strategy's state.

export interface NoveltyArchive {
  /** Oldest first; at most `capacity`. */
  descriptors: number[][];
  capacity: number;
  /** Descriptors archived so far, including those since dropped. */
  added: number;
}

export function emptyArchive(capacity: number): NoveltyArchive {
  if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError(`novelty archive capacity: expected an integer ≥ 0, got ${capacity}`);
  return { descriptors: [], capacity, added: 0 };
}

const usable = (d: ArrayLike<number>): boolean => Array.prototype.every.call(d, Number.isFinite) as boolean;

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`novelty: descriptors of length ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** Mean distance from each descriptor to its k nearest in the archive and the rest of the population. */
export function noveltyBonus(descriptors: readonly ArrayLike<number>[], archive: NoveltyArchive, k: number): number[] {
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`novelty k: expected an integer ≥ 1, got ${k}`);
  const ok = descriptors.map(usable);
  return descriptors.map((d, i) => {
    if (!ok[i]) return 0;
    const near = archive.descriptors.map((a) => distance(d, a));
    descriptors.forEach((other, j) => {
      if (j !== i && ok[j]) near.push(distance(d, other));
    });
    if (near.length === 0) return 0;
    near.sort((a, b) => a - b);
    const m = Math.min(k, near.length);
    let s = 0;
    for (let t = 0; t < m; t++) s += near[t];
    return s / m;
  });
}

/** Archives the `perGeneration` most novel usable descriptors (ties: lower index), dropping the oldest beyond capacity. */
export function updateArchive(archive: NoveltyArchive, descriptors: readonly ArrayLike<number>[], novelty: readonly number[], perGeneration: number): NoveltyArchive {
  const chosen = descriptors
    .map((_, i) => i)
    .filter((i) => usable(descriptors[i]))
    .sort((a, b) => novelty[b] - novelty[a] || a - b)
    .slice(0, perGeneration);
  const all = [...archive.descriptors, ...chosen.map((i) => Array.from(descriptors[i], (v) => v + 0))];
  return { descriptors: all.slice(Math.max(0, all.length - archive.capacity)), capacity: archive.capacity, added: archive.added + chosen.length };
}
