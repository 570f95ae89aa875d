// Embeddings of every method side by side (issue 12 §4): one scatter per method of its test codes
// (projected to 2-D by PCA, or UMAP on request), coloured by class label or by a chosen latent;
// hovering a point rings the same test sample in every scatter.
import { categorical, viridis } from '../charts/colormap.ts';
import { el } from '../charts/dom.ts';
import { drawInto, panelRoot, registerHook } from '../charts/panel-root.ts';
import { Scatter } from '../charts/scatter.ts';
import type { DataSource } from '../data.ts';
import type { Panel } from '../panel.ts';
import { type Projection, project } from './project.ts';
import { type Matrix, readIndex, readLabels, readMatrix, readSummary } from './run-files.ts';

const SIZE = 260;

interface View {
  key: string;
  codes: Matrix;
  scatter: Scatter;
  caption: HTMLElement;
}

export function embeddingsPanel(src: DataSource): Panel {
  let root: HTMLElement;
  let views: View[] = [];
  let projection: Projection = 'pca';
  let hovered = -1;
  const colourings: { name: string; value: (i: number) => [number, number, number] }[] = [];

  const colour = (name: string) => {
    const c = colourings.find((x) => x.name === name) ?? colourings[0];
    const n = views[0]?.codes.rows ?? 0;
    const rgb = new Uint8ClampedArray(3 * n);
    for (let i = 0; i < n; i++) rgb.set(c.value(i), 3 * i);
    for (const v of views) {
      v.scatter.setColours(rgb);
      v.scatter.render(hovered);
    }
  };

  const hover = (i: number, info: HTMLElement, describe: (i: number) => string) => {
    hovered = i;
    for (const v of views) v.scatter.hover(i);
    info.textContent = i < 0 ? 'hover a point: the same test sample is ringed in every method' : describe(i);
    root.dataset.hovered = String(i);
  };

  const reproject = async (how: Projection, note: HTMLElement) => {
    root.dataset.projecting = how;
    note.textContent = how === 'umap' ? 'running UMAP…' : '';
    for (const v of views) {
      const { xy, note } = await project(v.codes, how);
      v.scatter.setPoints(xy, v.codes.rows);
      v.caption.textContent = `${v.key} (${note})`;
    }
    projection = how;
    note.textContent = '';
    root.dataset.projection = how;
    delete root.dataset.projecting;
  };

  return {
    title: 'embeddings',
    async mount(parent) {
      root = panelRoot(parent, 'embeddings');
      await drawInto(root, async () => {
        const [summary, index] = await Promise.all([readSummary(src), readIndex(src)]);
        const keys = Object.keys(index.methods);
        if (keys.length === 0) throw new Error(`${src.run}: codes/index.json lists no methods yet`);
        const codes = await Promise.all(keys.map((k) => readMatrix(src, index.methods[k])));
        const n = codes[0].rows;
        const labels = await readLabels(src, index, n);
        const latents = index.latents ? await readMatrix(src, index.latents) : undefined;
        if (summary.task.classes > 0) colourings.push({ name: 'label', value: (i) => categorical(labels[i]) });
        if (latents && index.latents)
          index.latents.names.forEach((name, l) => {
            let lo = Infinity, hi = -Infinity;
            for (let i = 0; i < latents.rows; i++) {
              const v = latents.data[i * latents.cols + l];
              if (v < lo) lo = v;
              if (v > hi) hi = v;
            }
            colourings.push({ name, value: (i) => viridis(hi > lo ? (latents.data[i * latents.cols + l] - lo) / (hi - lo) : 0.5) });
          });
        if (colourings.length === 0) colourings.push({ name: 'sample', value: (i) => viridis(i / Math.max(1, n - 1)) });
        const describe = (i: number) =>
          `test sample ${i}` +
          (summary.task.classes > 0 ? `, label ${labels[i]}` : '') +
          (latents && index.latents ? index.latents.names.map((name, l) => `, ${name} ${latents.data[i * latents.cols + l].toFixed(3)}`).join('') : '');

        const select = el('select', { name: 'colour' }, ...colourings.map((c) => el('option', { value: c.name, textContent: c.name })));
        const note = el('span', { className: 'note' });
        const buttons = (['pca', 'umap'] as const).map((how) => el('button', { type: 'button', textContent: how.toUpperCase(), value: how }));
        const info = el('p', { className: 'hover-info' });
        const grid = el('div', { className: 'scatter-grid' });
        grid.style.cssText = 'display:flex;flex-wrap:wrap;gap:12px';
        root.append(el('div', { className: 'controls' }, 'projection ', ...buttons, '  colour by ', select, ' ', note), info, grid);

        views = keys.map((key, k) => {
          const scatter = new Scatter(SIZE);
          scatter.canvas.dataset.method = key;
          const caption = el('figcaption');
          grid.append(el('figure', { className: 'embedding' }, scatter.canvas, caption));
          scatter.canvas.addEventListener('mousemove', (e) => {
            const r = scatter.canvas.getBoundingClientRect();
            hover(scatter.nearest(e.clientX - r.left, e.clientY - r.top), info, describe);
          });
          scatter.canvas.addEventListener('mouseleave', () => hover(-1, info, describe));
          return { key, codes: codes[k], scatter, caption };
        });
        await reproject('pca', note);
        colour(colourings[0].name);
        hover(-1, info, describe);
        const press = () => buttons.forEach((b) => b.setAttribute('aria-pressed', String(b.value === projection)));
        press();
        select.addEventListener('change', () => colour(select.value));
        for (const b of buttons)
          b.addEventListener('click', async () => {
            if (root.dataset.projecting || b.value === projection) return;
            buttons.forEach((x) => (x.disabled = true));
            try {
              await reproject(b.value as Projection, note);
              for (const v of views) v.scatter.render(hovered);
            } catch (e) {
              note.textContent = `${b.value.toUpperCase()} failed: ${(e as Error).message}`;
              delete root.dataset.projecting;
            }
            buttons.forEach((x) => (x.disabled = false));
            press();
          });
        registerHook('embeddings', {
          methods: () => views.map((v) => v.key),
          /** Page (client) coordinates of test sample i in method key's scatter. */
          point(key: string, i: number) {
            const v = views.find((x) => x.key === key);
            if (!v) return null;
            const r = v.scatter.canvas.getBoundingClientRect();
            const [x, y] = v.scatter.position(i);
            return { x: r.left + x, y: r.top + y };
          },
          hovered: () => hovered,
        });
      });
    },
    dispose() {
      views = [];
      root?.remove();
    },
  };
}
