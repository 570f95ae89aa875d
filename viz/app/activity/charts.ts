// The side pane's small 2D-canvas charts: colour-bar legends, the weight histogram and the
// selected neuron's activity trace. Each call redraws its canvas completely.
import { cssColour, fmt, LUT_SIZE, lutIndex, type Lut } from './colormap.ts';

const INK = '#d8d8d8';
const FAINT = '#555';
const FONT = '11px system-ui, sans-serif';

/** Sizes the backing store to the element's CSS size × devicePixelRatio; returns a context in CSS pixels. */
function prepare(canvas: HTMLCanvasElement): { g: CanvasRenderingContext2D; w: number; h: number } {
  const w = canvas.clientWidth || Number(canvas.getAttribute('width')) || 240;
  const h = canvas.clientHeight || Number(canvas.getAttribute('height')) || 60;
  const dpr = Math.min(window.devicePixelRatio || 1, 2);
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const g = canvas.getContext('2d');
  if (!g) throw new Error('2D canvas unavailable');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  g.font = FONT;
  return { g, w, h };
}

/** A horizontal colour bar over [lo, hi] with `ticks` labelled values under it. */
export function drawLegend(canvas: HTMLCanvasElement, lut: Lut, lo: number, hi: number, ticks = 5): void {
  const { g, w, h } = prepare(canvas);
  const pad = 14;
  const barH = Math.max(8, h - 18);
  const grad = g.createLinearGradient(pad, 0, w - pad, 0);
  for (let k = 0; k <= 16; k++) grad.addColorStop(k / 16, cssColour(lut, Math.round((k / 16) * (LUT_SIZE - 1))));
  g.fillStyle = grad;
  g.fillRect(pad, 0, w - 2 * pad, barH);
  g.fillStyle = INK;
  g.strokeStyle = INK;
  g.textBaseline = 'top';
  for (let k = 0; k < ticks; k++) {
    const f = k / (ticks - 1);
    const x = pad + f * (w - 2 * pad);
    g.fillRect(x - 0.5, barH, 1, 3);
    // the end labels lean inwards so they are not cut at the canvas edge
    g.textAlign = k === 0 ? 'left' : k === ticks - 1 ? 'right' : 'center';
    g.fillText(fmt(lo + f * (hi - lo)), k === 0 ? 0 : k === ticks - 1 ? w : x, barH + 4);
  }
}

/** Histogram of `values` on [lo, hi], bars coloured through `lut` at their centres. */
export function drawHistogram(canvas: HTMLCanvasElement, values: Float32Array, lo: number, hi: number, lut: Lut, bins = 24): void {
  const { g, w, h } = prepare(canvas);
  const counts = new Uint32Array(bins);
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0; i < values.length; i++) {
    const b = Math.floor(((values[i] - lo) / span) * bins);
    counts[b < 0 ? 0 : b >= bins ? bins - 1 : b]++;
  }
  let top = 1;
  for (let b = 0; b < bins; b++) top = Math.max(top, counts[b]);
  const axis = 14;
  const plotH = h - axis - 12;
  const bw = (w - 8) / bins;
  for (let b = 0; b < bins; b++) {
    const bh = (counts[b] / top) * plotH;
    g.fillStyle = cssColour(lut, lutIndex(lo + ((b + 0.5) / bins) * span, lo, hi));
    g.fillRect(4 + b * bw + 0.5, 12 + plotH - bh, Math.max(1, bw - 1), bh);
  }
  g.fillStyle = INK;
  g.textBaseline = 'top';
  g.textAlign = 'left';
  g.fillText(`max ${top}`, 4, 0);
  g.fillText(fmt(lo), 4, h - axis + 2);
  g.textAlign = 'right';
  g.fillText(fmt(hi), w - 4, h - axis + 2);
  g.textAlign = 'center';
  g.fillText('weight', w / 2, h - axis + 2);
}

/** Activity of one neuron over the frames (`value(k)`), with the current frame marked. */
export function drawTrace(canvas: HTMLCanvasElement, frames: number, value: (k: number) => number, current: number, firstStep: number, lastStep: number): void {
  const { g, w, h } = prepare(canvas);
  const axis = 14;
  const left = 4;
  const plotW = w - 8;
  const plotH = h - axis - 12;
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < frames; k++) {
    const v = value(k);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  g.fillStyle = INK;
  g.textBaseline = 'top';
  if (!(lo <= hi)) {
    g.fillText('no frames', left, 0);
    return;
  }
  if (hi === lo) {
    hi += 0.5;
    lo -= 0.5;
  }
  const x = (k: number) => left + (frames > 1 ? (k / (frames - 1)) * plotW : plotW / 2);
  const y = (v: number) => 12 + plotH - ((v - lo) / (hi - lo)) * plotH;
  g.strokeStyle = FAINT;
  g.strokeRect(left + 0.5, 12.5, plotW - 1, plotH - 1);
  g.strokeStyle = '#fde725';
  g.lineWidth = 1.25;
  g.beginPath();
  for (let k = 0; k < frames; k++) {
    const v = value(k);
    if (k === 0) g.moveTo(x(k), y(v));
    else g.lineTo(x(k), y(v));
  }
  g.stroke();
  g.fillStyle = '#ff5a5a';
  g.fillRect(x(current) - 0.75, 12, 1.5, plotH);
  g.fillStyle = INK;
  g.textAlign = 'left';
  g.fillText(`${fmt(lo)} … ${fmt(hi)}  (now ${fmt(value(current))})`, left, 0);
  g.fillText(`step ${firstStep}`, left, h - axis + 2);
  g.textAlign = 'right';
  g.fillText(`step ${lastStep}`, w - 4, h - axis + 2);
}
