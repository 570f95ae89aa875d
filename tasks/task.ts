// What every task provides (SPEC §5): train/test splits from a seed, ground truth for scoring, and
// a sample stream for the simulator.

export interface Split {
  /** count × dim samples, row-major, values in [0, 1]. */
  x: Float32Array;
  count: number;
  /** count × latentNames.length ground-truth latents (empty when the task has none). */
  latents: Float32Array;
  /** Class label per sample (−1 when the task has none). */
  labels: Int32Array;
}

export interface Task {
  name: string;
  /** Values per sample. */
  dim: number;
  /** Image shape when samples are images. */
  shape?: [number, number];
  latentNames: string[];
  /** Number of classes (0 when unlabelled). */
  classes: number;
  train: Split;
  test: Split;
  /** Writes stream samples t0 .. t0+T−1 (T × dim) for the simulator; sample t is a pure function of (seed, t). */
  fill(out: Float32Array, t0: number, T: number): void;
}

/** A bad task parameter, for the config layer to report with its own path prefix (exit 2). */
export interface SpecProblem {
  /** Key in the spec, e.g. 'cx' or 'size'. */
  path: string;
  value: unknown;
  expected: string;
}
