import { describe, expect, it } from 'vitest';
import { makeGlider, SYMBOLS, symbol, validateGlider } from '../../tasks/glider.ts';

// Written out by hand from SPEC §5, independently of the code:
// glider rotation 0 = .#. / ..# / ###, checker phase 0 = #.# / .#. / #.#
//   → symbol 0 = ### / .## / .#.
// glider rotation 1 (90° clockwise) = #.. / #.# / ##., checker phase 1 = .#. / #.# / .#.
//   → symbol 5 (phase 1, rotation 1) = ##. / ... / #..
const SYMBOL0 = [1, 1, 1, 0, 1, 1, 0, 1, 0];
const SYMBOL5 = [1, 1, 0, 0, 0, 0, 1, 0, 0];
const CHECKER = [
  [1, 0, 1, 0, 1, 0, 1, 0, 1],
  [0, 1, 0, 1, 0, 1, 0, 1, 0],
];

const xor = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a, (v, i) => v ^ b[i]);
const rotateCw = (g: number[]) => Array.from({ length: 9 }, (_, p) => g[(2 - (p % 3)) * 3 + Math.floor(p / 3)]);

describe('glider-checker', () => {
  it('pins symbols 0 and 5', () => {
    expect(Array.from(SYMBOLS[0])).toEqual(SYMBOL0);
    expect(Array.from(SYMBOLS[5])).toEqual(SYMBOL5);
    expect(Array.from(symbol(1, 1))).toEqual(SYMBOL5);
  });

  it('has 8 distinct binary symbols with id = 4·phase + rotation', () => {
    expect(SYMBOLS.length).toBe(8);
    expect(new Set(SYMBOLS.map((s) => s.join(''))).size).toBe(8);
    for (let id = 0; id < 8; id++) {
      expect(SYMBOLS[id].length).toBe(9);
      expect(SYMBOLS[id].every((v) => v === 0 || v === 1)).toBe(true);
      expect(SYMBOLS[id]).toEqual(symbol(id % 4, id >> 2));
    }
  });

  it('is factorial: the phases differ by the all-ones grid and the glider part rotates', () => {
    for (let r = 0; r < 4; r++) {
      expect(xor(symbol(r, 0), symbol(r, 1))).toEqual(Array(9).fill(1));
      for (let p = 0; p < 2; p++) {
        const g = xor(symbol(r, p), CHECKER[p]);
        expect(xor(symbol((r + 1) % 4, p), CHECKER[p])).toEqual(rotateCw(g));
      }
    }
  });

  it('labels and latents match the pixels on noiseless samples', () => {
    const t = makeGlider({ train: 400, test: 100 }, 2);
    expect(t).toMatchObject({ name: 'glider-checker', dim: 9, shape: [3, 3], latentNames: ['rotation', 'phase'], classes: 8 });
    for (const s of [t.train, t.test]) {
      expect(s.x.length).toBe(s.count * 9);
      const seen = new Set<number>();
      for (let k = 0; k < s.count; k++) {
        const id = s.labels[k];
        seen.add(id);
        expect(Array.from(s.x.subarray(k * 9, k * 9 + 9))).toEqual(Array.from(SYMBOLS[id]));
        expect([s.latents[k * 2], s.latents[k * 2 + 1]]).toEqual([id % 4, id >> 2]);
      }
      expect(seen.size).toBe(8);
    }
    // roughly uniform over the 8 symbols
    const counts = new Array(8).fill(0);
    for (const l of t.train.labels) counts[l]++;
    for (const c of counts) expect(Math.abs(c - 50)).toBeLessThan(25);
  });

  it('flips about the requested fraction of pixels', () => {
    const noise = 0.1;
    const t = makeGlider({ noise, train: 4000, test: 10 }, 4);
    let flips = 0;
    for (let k = 0; k < t.train.count; k++) for (let p = 0; p < 9; p++) if (t.train.x[k * 9 + p] !== SYMBOLS[t.train.labels[k]][p]) flips++;
    const n = t.train.count * 9;
    expect(Math.abs(flips / n - noise)).toBeLessThan(4 * Math.sqrt((noise * (1 - noise)) / n));
    expect(t.train.x.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('is deterministic per seed and its stream is a pure function of (seed, t)', () => {
    const a = makeGlider({ noise: 0.05, train: 200, test: 50 }, 9), b = makeGlider({ noise: 0.05, train: 200, test: 50 }, 9);
    const c = makeGlider({ noise: 0.05, train: 200, test: 50 }, 10);
    expect(a.train).toEqual(b.train);
    expect(a.test).toEqual(b.test);
    expect(a.train.labels).not.toEqual(c.train.labels);
    expect(a.train.labels.subarray(0, 50)).not.toEqual(a.test.labels);
    const s = new Float32Array(100 * 9), part = new Float32Array(10 * 9);
    a.fill(s, 0, 100);
    b.fill(part, 40, 10);
    expect(part).toEqual(s.subarray(40 * 9, 50 * 9));
  });

  it('validates specs', () => {
    expect(validateGlider({})).toEqual([]);
    expect(validateGlider({ noise: 1.5, train: 0 }).map((p) => p.path)).toEqual(['noise', 'train']);
    expect(() => makeGlider({ noise: -0.1 }, 1)).toThrow(/noise/);
  });
});
