// Glider-checker (SPEC §5): 8 binary 3×3 symbols, factorial by construction —
// symbol = glider in one of 4 rotations XOR a checkerboard of phase 0 or 1; id = 4·phase + rotation.
import { Counter, hash3, STREAM } from '../sim/random.ts';
import type { SpecProblem } from './task.ts';
import type { Split, Task } from './task.ts';

export interface GliderSpec {
  /** Probability of flipping each pixel. */
  noise: number;
  train: number;
  test: number;
}

export const GLIDER_DEFAULTS: Readonly<GliderSpec> = Object.freeze({ noise: 0, train: 8000, test: 2000 });

const SIDE = 3;
const DIM = SIDE * SIDE;

// rows .#. / ..# / ###
const GLIDER0 = [0, 1, 0, 0, 0, 1, 1, 1, 1];

/** The glider turned `rotation`×90° clockwise (row-major 3×3, values 0/1). */
export function glider(rotation: number): number[] {
  let g = GLIDER0;
  for (let k = 0; k < (((rotation % 4) + 4) % 4); k++) {
    // clockwise: new[i][j] = old[n−1−j][i]
    const prev = g;
    g = Array.from({ length: DIM }, (_, p) => prev[(SIDE - 1 - (p % SIDE)) * SIDE + Math.floor(p / SIDE)]);
  }
  return g;
}

/** Phase 0 is on where row + col is even; phase 1 is its complement. */
export function checker(phase: number): number[] {
  return Array.from({ length: DIM }, (_, p) => (Math.floor(p / SIDE) + (p % SIDE) + phase) % 2 === 0 ? 1 : 0);
}

/** The noiseless symbol for (rotation 0..3, phase 0..1). */
export function symbol(rotation: number, phase: number): Float32Array {
  const g = glider(rotation);
  const c = checker(phase);
  return Float32Array.from(g, (v, p) => v ^ c[p]);
}

/** SYMBOLS[id] with id = 4·phase + rotation. */
export const SYMBOLS: Float32Array[] = Array.from({ length: 8 }, (_, id) => symbol(id % 4, id >> 2));

export const GLIDER_LATENTS = ['rotation', 'phase'] as const;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

export function validateGlider(partial: Partial<GliderSpec>): SpecProblem[] {
  const s = { ...GLIDER_DEFAULTS, ...partial };
  const out: SpecProblem[] = [];
  if (typeof s.noise !== 'number' || !(s.noise >= 0 && s.noise <= 1)) out.push({ path: 'noise', value: s.noise, expected: 'a probability in [0, 1]' });
  for (const k of ['train', 'test'] as const) if (!isInt(s[k]) || s[k] < 1) out.push({ path: k, value: s[k], expected: 'an integer ≥ 1' });
  return out;
}

const PART = { train: 1, test: 2 } as const;

export function makeGlider(partial: Partial<GliderSpec>, seed: number): Task {
  const problems = validateGlider(partial);
  if (problems.length) throw new Error('glider-checker: ' + problems.map((p) => `${p.path} = ${JSON.stringify(p.value)}: expected ${p.expected}`).join('; '));
  const { noise, train, test } = { ...GLIDER_DEFAULTS, ...partial };

  /** Draws one sample from counter key `key` into x; returns its symbol id. */
  function draw(key: number, x: Float32Array): number {
    const rnd = new Counter(key, STREAM.stimulus);
    const id = rnd.int(8);
    x.set(SYMBOLS[id]);
    if (noise > 0) for (let p = 0; p < DIM; p++) if (rnd.next() < noise) x[p] = 1 - x[p];
    return id;
  }

  function split(part: number, count: number): Split {
    const x = new Float32Array(count * DIM);
    const latents = new Float32Array(count * 2);
    const labels = new Int32Array(count);
    const base = hash3(seed, STREAM.split, part);
    for (let k = 0; k < count; k++) {
      const id = draw(hash3(base, STREAM.stimulus, k), x.subarray(k * DIM, (k + 1) * DIM));
      labels[k] = id;
      latents[k * 2] = id % 4;
      latents[k * 2 + 1] = id >> 2;
    }
    return { x, count, latents, labels };
  }

  return {
    name: 'glider-checker',
    dim: DIM,
    shape: [SIDE, SIDE],
    latentNames: [...GLIDER_LATENTS],
    classes: 8,
    train: split(PART.train, train),
    test: split(PART.test, test),
    fill(out, t0, T) {
      for (let k = 0; k < T; k++) draw(hash3(seed, STREAM.stimulus, t0 + k), out.subarray(k * DIM, (k + 1) * DIM));
    },
  };
}
