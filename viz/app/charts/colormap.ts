// Colours for the comparison and evolution charts: viridis for continuous values (perceptually
// even, readable in grey), a 10-colour categorical palette for class labels.

const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [110, 206, 88],
  [181, 222, 43],
  [253, 231, 37],
];

/** A colour map linear between evenly spaced stops: t in [0, 1] (clamped; NaN as 0) → RGB. */
export function piecewise(stops: readonly (readonly [number, number, number])[]): (t: number) => [number, number, number] {
  return (t) => {
    const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(u));
    const f = u - i;
    const a = stops[i];
    const b = stops[i + 1];
    return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
  };
}

export const viridis = piecewise(VIRIDIS);

const CATEGORICAL: [number, number, number][] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

/** Class k → RGB (cycling after 10; negative = unlabelled, grey). */
export function categorical(k: number): [number, number, number] {
  return k < 0 ? [150, 150, 150] : CATEGORICAL[k % CATEGORICAL.length];
}

export const css = ([r, g, b]: [number, number, number]): string => `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
