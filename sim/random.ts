// Counter-based random numbers: every draw is a pure function of (seed, stream, index), so any
// element can be regenerated independently and in any order (workers, GPU, resumed runs).

/** 32-bit integer hash (lowbias32 by C. Wellons). */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export function hash3(seed: number, stream: number, index: number): number {
  return mix(mix(mix(seed >>> 0) ^ (stream >>> 0)) ^ (index >>> 0) ^ Math.floor(index / 4294967296));
}

/** Uniform in [0, 1) with 32 bits of resolution. */
export function uniform(seed: number, stream: number, index: number): number {
  return hash3(seed, stream, index) / 4294967296;
}

/** Streams, so that different uses of one seed never share numbers. */
export const STREAM = {
  connect: 1,
  weight: 2,
  activity: 3,
  position: 4,
  stimulus: 5,
  split: 6,
  // baselines (values kept from when they were chosen per module, so results do not move)
  eigenInit: 0x70bc,
  aeInit: 0x41450001,
  aeShuffle: 0x41450002,
  umapFit: 0x756d6170,
  umapTransform: 0x756d6171,
} as const;

/** A sequential view of one stream, for code that draws in a fixed order. */
export class Counter {
  private i = 0;
  constructor(
    readonly seed: number,
    readonly stream: number,
  ) {}
  next(): number {
    return uniform(this.seed, this.stream, this.i++);
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
