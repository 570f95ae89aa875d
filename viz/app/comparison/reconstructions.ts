// The reconstruction grid (issue 12 §4): the first test inputs beside each decoding method's
// reconstruction of them: images when the task has an image shape, bar strips otherwise.
// Each cell is a canvas of the sample's own pixels (one canvas pixel per value), scaled up by CSS.
import { el } from '../charts/dom.ts';
import { drawInto, panelRoot } from '../charts/panel-root.ts';
import type { DataSource } from '../data.ts';
import type { Panel } from '../panel.ts';
import { readIndex, readMatrix } from './run-files.ts';

const CELL_PX = 56;
const STRIP_HEIGHT = 24;

const grey = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));

/** One sample (values in [0, 1]) as an h × w image. */
function imageCell(x: Float32Array, [h, w]: [number, number]): HTMLCanvasElement {
  const c = Object.assign(document.createElement('canvas'), { width: w, height: h });
  const img = new ImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const g = grey(x[i]);
    img.data.set([g, g, g, 255], 4 * i);
  }
  c.getContext('2d')!.putImageData(img, 0, 0);
  const k = Math.max(1, Math.floor(CELL_PX / Math.max(h, w)));
  c.style.cssText = `width:${w * k}px;height:${h * k}px;image-rendering:pixelated`;
  return c;
}

/** One sample without an image shape: a bar per value, 2 px wide. */
function stripCell(x: Float32Array): HTMLCanvasElement {
  const c = Object.assign(document.createElement('canvas'), { width: 2 * x.length, height: STRIP_HEIGHT });
  const g = c.getContext('2d')!;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, c.width, c.height);
  g.fillStyle = '#335';
  for (let i = 0; i < x.length; i++) {
    const hgt = (grey(x[i]) / 255) * STRIP_HEIGHT;
    g.fillRect(2 * i, STRIP_HEIGHT - hgt, 2, hgt);
  }
  return c;
}

export function reconstructionsPanel(src: DataSource): Panel {
  let root: HTMLElement;
  return {
    title: 'reconstructions',
    async mount(parent) {
      root = panelRoot(parent, 'reconstructions');
      await drawInto(root, async () => {
        const index = await readIndex(src);
        if (!index.inputs) throw new Error(`${src.run}: codes/index.json has no test inputs (a run made before reconstructions were stored)`);
        const inputs = await readMatrix(src, index.inputs);
        const shape = index.inputs.shape;
        const rows: [string, Float32Array][] = [['input', inputs.data]];
        for (const [key, m] of Object.entries(index.methods)) if (m.recon) rows.push([key, (await readMatrix(src, m.recon)).data]);
        const skipped = Object.entries(index.methods).filter(([, m]) => !m.recon).map(([k]) => k);
        const D = inputs.cols;
        const table = el('table', { className: 'recon-grid' });
        for (const [name, data] of rows) {
          const tr = el('tr', {}, el('th', { textContent: name, scope: 'row' }));
          for (let s = 0; s < inputs.rows; s++) {
            const x = data.subarray(s * D, (s + 1) * D);
            const cell = shape ? imageCell(x, shape) : stripCell(x);
            cell.dataset.method = name;
            cell.dataset.sample = String(s);
            tr.append(el('td', {}, cell));
          }
          table.append(tr);
        }
        const note = `first ${inputs.rows} test samples, ${shape ? `${shape[0]} × ${shape[1]} images` : `${D} values each as bars`}, values clipped to [0, 1]` + (skipped.length ? `; no decoder: ${skipped.join(', ')}` : '');
        root.append(el('p', { className: 'note', textContent: note }), table);
      });
    },
    dispose() {
      root?.remove();
    },
  };
}
