// A labelled matrix heatmap on a canvas: row and column labels, the value printed in each cell,
// colour by viridis over [lo, hi].
import { viridis, css } from './colormap.ts';

export interface HeatmapSpec {
  rows: string[];
  cols: string[];
  /** rows × cols, row-major; NaN = no value (drawn hatched grey). */
  values: Float64Array;
  lo: number;
  hi: number;
  rowTitle: string;
  colTitle: string;
  cell?: number;
}

export function heatmap(spec: HeatmapSpec): HTMLCanvasElement {
  const cell = spec.cell ?? 46;
  const left = 70;
  const top = 44;
  const R = spec.rows.length;
  const C = spec.cols.length;
  const canvas = Object.assign(document.createElement('canvas'), { width: left + C * cell + 70, height: top + R * cell + 10 });
  canvas.className = 'heatmap';
  const g = canvas.getContext('2d')!;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.font = '12px system-ui, sans-serif';
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  for (let r = 0; r < R; r++)
    for (let c = 0; c < C; c++) {
      const v = spec.values[r * C + c];
      const x = left + c * cell;
      const y = top + r * cell;
      if (Number.isNaN(v)) {
        g.fillStyle = '#eee';
        g.fillRect(x, y, cell - 1, cell - 1);
        continue;
      }
      const t = spec.hi > spec.lo ? (v - spec.lo) / (spec.hi - spec.lo) : 0;
      g.fillStyle = css(viridis(t));
      g.fillRect(x, y, cell - 1, cell - 1);
      g.fillStyle = t > 0.6 ? '#000' : '#fff';
      g.fillText(v.toFixed(2), x + cell / 2, y + cell / 2);
    }
  g.fillStyle = '#222';
  spec.cols.forEach((name, c) => g.fillText(name, left + c * cell + cell / 2, top - 10));
  g.textAlign = 'right';
  spec.rows.forEach((name, r) => g.fillText(name, left - 8, top + r * cell + cell / 2));
  g.textAlign = 'left';
  g.fillText(`${spec.colTitle} →`, left, 12);
  g.save();
  g.translate(14, top + (R * cell) / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'center';
  g.fillText(`${spec.rowTitle} →`, 0, 0);
  g.restore();
  // colour legend
  const lx = left + C * cell + 16;
  for (let k = 0; k < R * cell; k++) {
    g.fillStyle = css(viridis(1 - k / (R * cell)));
    g.fillRect(lx, top + k, 14, 1);
  }
  g.fillStyle = '#222';
  g.textAlign = 'left';
  g.fillText(spec.hi.toFixed(2), lx + 18, top + 4);
  g.fillText(spec.lo.toFixed(2), lx + 18, top + R * cell - 4);
  return canvas;
}
