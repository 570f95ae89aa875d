// Colour maps as 256-entry RGBA lookup tables: the same bytes feed the shaders (as a texture) and
// the 2D legends, so what the legend shows is what the points show.
import { categorical, css, piecewise, viridis } from '../charts/colormap.ts';

export type Lut = Uint8Array;

export const LUT_SIZE = 256;

export type Rgb = [number, number, number];

function lutOf(f: (t: number) => Rgb): Lut {
  const lut = new Uint8Array(LUT_SIZE * 4);
  for (let i = 0; i < LUT_SIZE; i++) {
    const [r, g, b] = f(i / (LUT_SIZE - 1));
    lut.set([Math.round(r), Math.round(g), Math.round(b), 255], 4 * i);
  }
  return lut;
}

/** Piecewise-linear through evenly spaced `#rrggbb` stops. */
const through = (hex: readonly string[]) => piecewise(hex.map((h) => [1, 3, 5].map((o) => parseInt(h.slice(o, o + 2), 16)) as Rgb));

/** Activity: viridis, the same map as the other panels' charts. */
export const VIRIDIS: Lut = lutOf(viridis);

/** Signed weights: ColorBrewer RdBu, blue negative, near-white zero, red positive. */
export const DIVERGING: Lut = lutOf(through(['#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f']));

/** Group k's colour (0..255 sRGB) in the static view (no activity to show) and the filter swatches. */
export const groupRgb = (k: number): Rgb => categorical(k);
export const groupCss = (k: number): string => css(categorical(k));

/** Index into `lut` of value `x` on [lo, hi] (clamped; non-finite → the low end). */
export function lutIndex(x: number, lo: number, hi: number): number {
  const t = hi > lo ? (x - lo) / (hi - lo) : 0.5;
  return t > 0 ? (t < 1 ? Math.round(t * (LUT_SIZE - 1)) : LUT_SIZE - 1) : 0;
}

export function cssColour(lut: Lut, i: number): string {
  return `rgb(${lut[4 * i]},${lut[4 * i + 1]},${lut[4 * i + 2]})`;
}

/** Short label for a tick or a value (3 significant digits, no trailing noise). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(2) : String(Number(x.toPrecision(3)));
}
