// The frames the panel can show: a run's recording, or the recent history of a live stream (a ring
// of preallocated slots, bounded in bytes). Frames are views made once, so showing one allocates nothing.
import type { Recording } from './load.ts';

export interface Frames {
  readonly neurons: number;
  count(): number;
  /** Global step of frame k (0 = oldest). */
  step(k: number): number;
  /** Frame k's activities (a view owned by the store). */
  frame(k: number): Float32Array;
  value(k: number, neuron: number): number;
  /** Finite min and max over the frames held (or seen, live). */
  range(): [number, number];
}

function finiteRange(a: Float32Array, lo: number, hi: number): [number, number] {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x < lo && x > -Infinity) lo = x;
    if (x > hi && x < Infinity) hi = x;
  }
  return [lo, hi];
}

export class RecordedFrames implements Frames {
  readonly neurons: number;
  private readonly views: Float32Array[];
  private readonly lohi: [number, number];
  constructor(private readonly rec: Recording) {
    this.neurons = rec.info.neurons;
    const N = this.neurons;
    this.views = rec.info.steps.map((_, k) => rec.data.subarray(k * N, (k + 1) * N));
    this.lohi = finiteRange(rec.data, Infinity, -Infinity);
  }
  count(): number {
    return this.views.length;
  }
  step(k: number): number {
    return this.rec.info.steps[k];
  }
  frame(k: number): Float32Array {
    return this.views[k];
  }
  value(k: number, neuron: number): number {
    return this.rec.data[k * this.neurons + neuron];
  }
  range(): [number, number] {
    return [this.lohi[0], this.lohi[1]];
  }
}

/** Live history is capped at this many bytes of frames (at 100,000 neurons: 335 frames). */
export const LIVE_HISTORY_BYTES = 128 * 1024 * 1024;

export class LiveHistory implements Frames {
  readonly capacity: number;
  private readonly data: Float32Array;
  private readonly views: Float32Array[] = [];
  private readonly steps: Float64Array;
  private head = 0;
  private size = 0;
  private lo = Infinity;
  private hi = -Infinity;
  constructor(readonly neurons: number, maxBytes = LIVE_HISTORY_BYTES) {
    this.capacity = Math.max(2, Math.min(2000, Math.floor(maxBytes / (4 * neurons))));
    this.data = new Float32Array(this.capacity * neurons);
    for (let k = 0; k < this.capacity; k++) this.views.push(this.data.subarray(k * neurons, (k + 1) * neurons));
    this.steps = new Float64Array(this.capacity);
  }
  /** Copies `a` in as the newest frame, dropping the oldest when full. */
  push(step: number, a: Float32Array): void {
    let slot;
    if (this.size < this.capacity) slot = (this.head + this.size++) % this.capacity;
    else {
      slot = this.head;
      this.head = (this.head + 1) % this.capacity;
    }
    this.views[slot].set(a);
    this.steps[slot] = step;
    [this.lo, this.hi] = finiteRange(a, this.lo, this.hi);
  }
  private slot(k: number): number {
    return (this.head + k) % this.capacity;
  }
  count(): number {
    return this.size;
  }
  step(k: number): number {
    return this.steps[this.slot(k)];
  }
  frame(k: number): Float32Array {
    return this.views[this.slot(k)];
  }
  value(k: number, neuron: number): number {
    return this.views[this.slot(k)][neuron];
  }
  range(): [number, number] {
    return [this.lo, this.hi];
  }
}
