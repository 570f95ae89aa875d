// A member's behaviour descriptor for the novelty bonus (journal May 6 2022, lines 743-748:
// "recording activity on the evaluation phase, storing it in a large matrix, and sorting this
// matrix based on self similarity"): the self-similarity of its codes over a fixed set of probe
// inputs, i.e. the distances between the codes of every pair of probes. Two organisms that
// separate the same inputs alike get close descriptors whichever code unit does what (the matrix
// does not change when code units are permuted), so novelty rewards other ways of telling inputs
// apart, not relabelled copies.

/** Upper triangle (row-major, i < j) of the probes' code distance matrix, each distance per √unit. */
export function selfSimilarity(codes: Float32Array, probes: number, units: number): number[] {
  if (codes.length < probes * units) throw new RangeError(`selfSimilarity: ${codes.length} values for ${probes} probes × ${units} units`);
  const out: number[] = [];
  const scale = 1 / Math.sqrt(Math.max(1, units));
  for (let i = 0; i < probes; i++) {
    for (let j = i + 1; j < probes; j++) {
      let s = 0;
      for (let u = 0; u < units; u++) s += (codes[i * units + u] - codes[j * units + u]) ** 2;
      out.push(Math.sqrt(s) * scale);
    }
  }
  return out;
}

/** Descriptor length for `probes` probe inputs. */
export const descriptorLength = (probes: number): number => (probes * (probes - 1)) / 2;

/** Element-wise mean of equally long descriptors (a member's replicates). */
export function meanDescriptor(ds: readonly (readonly number[])[]): number[] {
  const out = new Array<number>(ds[0].length).fill(0);
  for (const d of ds) d.forEach((v, i) => (out[i] += v / ds.length));
  return out;
}
