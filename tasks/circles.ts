// Circles (SPEC §5): H×W images of one circle outline with latents cx, cy, r. The default Gaussian
// ring of width 3 on 28×28 is the generator whose PCA readouts SPEC §5 measured
// (../shared/peers/circles_pca.py, `discs(..., ring=3.0)`).
//
// Geometry: image units span [0, 1] on both axes; pixel (row i, column j) has its centre at
// x = (j + 0.5)/W, y = (i + 0.5)/H, and cx is measured along x (columns), cy along y (rows).
// Samples are row-major (index i·W + j).
import { Counter, hash3, STREAM } from '../sim/random.ts';
import type { SpecProblem, Split, Task } from './task.ts';

export interface CirclesSpec {
  /** Image side (H = W). */
  size: number;
  /** Range [min, max] of the centre's x, in image units. */
  cx: [number, number];
  /** Range [min, max] of the centre's y, in image units. */
  cy: [number, number];
  /** Range [min, max] of the radius, in image units. */
  r: [number, number];
  /** 'gaussian': exp(−((d − r)·H / width)²); 'hard': 1 where |d − r|·H < width/2, else 0. */
  profile: 'gaussian' | 'hard';
  /** Ring width parameter, in pixels. */
  width: number;
  /** Standard deviation of additive Gaussian pixel noise (the result is clipped to [0, 1]). */
  noise: number;
  train: number;
  test: number;
}

export const CIRCLES_DEFAULTS: Readonly<CirclesSpec> = Object.freeze<CirclesSpec>({
  size: 28,
  cx: [0.25, 0.75],
  cy: [0.25, 0.75],
  r: [0.05, 0.25],
  profile: 'gaussian',
  width: 3,
  noise: 0,
  train: 8000,
  test: 2000,
});

export const CIRCLES_LATENTS = ['cx', 'cy', 'r'] as const;

function withDefaults(spec: Partial<CirclesSpec>): CirclesSpec {
  return { ...CIRCLES_DEFAULTS, ...spec } as CirclesSpec;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Problems with a spec (missing keys take their defaults); empty when it is usable. */
export function validateCircles(partial: Partial<CirclesSpec>): SpecProblem[] {
  const s = withDefaults(partial);
  const out: SpecProblem[] = [];
  if (!isNum(s.size) || !Number.isInteger(s.size) || s.size < 1) out.push({ path: 'size', value: s.size, expected: 'an integer ≥ 1' });
  for (const k of ['cx', 'cy', 'r'] as const) {
    const v = s[k] as unknown;
    if (!Array.isArray(v) || v.length !== 2 || !isNum(v[0]) || !isNum(v[1])) out.push({ path: k, value: v, expected: '[min, max] of finite numbers' });
    else if (v[0] > v[1]) out.push({ path: k, value: v, expected: 'min ≤ max' });
    else if (k === 'r' && v[0] <= 0) out.push({ path: k, value: v, expected: 'radii > 0' });
  }
  if (s.profile !== 'gaussian' && s.profile !== 'hard') out.push({ path: 'profile', value: s.profile, expected: "'gaussian' or 'hard'" });
  if (!isNum(s.width) || s.width <= 0) out.push({ path: 'width', value: s.width, expected: 'a number > 0' });
  if (!isNum(s.noise) || s.noise < 0) out.push({ path: 'noise', value: s.noise, expected: 'a number ≥ 0' });
  for (const k of ['train', 'test'] as const)
    if (!isNum(s[k]) || !Number.isInteger(s[k]) || s[k] < 1) out.push({ path: k, value: s[k], expected: 'an integer ≥ 1' });
  return out;
}

// Sub-streams of the seed, so train, test and the simulator stream never share random numbers.
const PART = { train: 1, test: 2 } as const;

export function makeCircles(partial: Partial<CirclesSpec>, seed: number): Task {
  const problems = validateCircles(partial);
  if (problems.length) throw new Error('circles: ' + problems.map((p) => `${p.path} = ${JSON.stringify(p.value)}: expected ${p.expected}`).join('; '));
  const s = withDefaults(partial);
  const H = s.size;
  const dim = H * H;
  const lat = new Float64Array(3);

  /** Draws one sample from counter key `key` into x (dim values) and lat (cx, cy, r). */
  function draw(key: number, x: Float32Array): void {
    const rnd = new Counter(key, STREAM.stimulus);
    const cx = (lat[0] = s.cx[0] + (s.cx[1] - s.cx[0]) * rnd.next());
    const cy = (lat[1] = s.cy[0] + (s.cy[1] - s.cy[0]) * rnd.next());
    const r = (lat[2] = s.r[0] + (s.r[1] - s.r[0]) * rnd.next());
    for (let i = 0; i < H; i++) {
      const dy = (i + 0.5) / H - cy;
      for (let j = 0; j < H; j++) {
        const dx = (j + 0.5) / H - cx;
        const e = (Math.sqrt(dx * dx + dy * dy) - r) * H; // distance from the ring, in pixels
        x[i * H + j] = s.profile === 'gaussian' ? Math.exp(-((e / s.width) ** 2)) : Math.abs(e) < s.width / 2 ? 1 : 0;
      }
    }
    if (s.noise > 0) for (let k = 0; k < dim; k++) x[k] = Math.min(Math.max(x[k] + s.noise * rnd.normal(), 0), 1);
  }

  function split(part: number, count: number): Split {
    const x = new Float32Array(count * dim);
    const latents = new Float32Array(count * 3);
    const base = hash3(seed, STREAM.split, part);
    for (let k = 0; k < count; k++) {
      draw(hash3(base, STREAM.stimulus, k), x.subarray(k * dim, (k + 1) * dim));
      latents.set(lat, k * 3);
    }
    return { x, count, latents, labels: new Int32Array(count).fill(-1) };
  }

  return {
    name: 'circles',
    dim,
    shape: [H, H],
    latentNames: [...CIRCLES_LATENTS],
    classes: 0,
    train: split(PART.train, s.train),
    test: split(PART.test, s.test),
    fill(out, t0, T) {
      for (let k = 0; k < T; k++) draw(hash3(seed, STREAM.stimulus, t0 + k), out.subarray(k * dim, (k + 1) * dim));
    },
  };
}
