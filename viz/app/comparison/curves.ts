// Learning curves from the run's metrics.jsonl (issue 12 §4): one small chart per method and
// quantity ({method, epoch, train_sse} from the autoencoder, {method, step, code_mean, code_sd, w_norm}
// from a bio method), against the method's own x (epoch or step).
import { categorical, css } from '../charts/colormap.ts';
import { el } from '../charts/dom.ts';
import { lineChart } from '../charts/line-chart.ts';
import { drawInto, panelRoot } from '../charts/panel-root.ts';
import { type DataSource, parseJsonl } from '../data.ts';
import type { Panel } from '../panel.ts';

const X_KEYS = ['epoch', 'step'];

type Point = Record<string, unknown> & { method?: unknown };

export interface CurvesOptions {
  /** Groups the lines that name no method (a simulation run's metrics.jsonl) under this name. */
  unnamed?: string;
  title?: string;
}

export function curvesPanel(src: DataSource, opts: CurvesOptions = {}): Panel {
  let root: HTMLElement;
  const charts: { destroy(): void }[] = [];
  return {
    title: opts.title ?? 'learning curves',
    async mount(parent) {
      root = panelRoot(parent, 'curves');
      await drawInto(root, async () => {
        const points = (await src.has('metrics.jsonl')) ? parseJsonl<Point>(await src.text('metrics.jsonl')) : [];
        const byMethod = new Map<string, Point[]>();
        for (const p of points) {
          const m = typeof p.method === 'string' ? p.method : opts.unnamed;
          if (m !== undefined) byMethod.set(m, [...(byMethod.get(m) ?? []), p]);
        }
        if (byMethod.size === 0) {
          root.dataset.empty = '1';
          root.append(el('p', { className: 'note', textContent: 'no learning curves: none of these methods records one (the autoencoder and bio methods do; pixels, PCA and UMAP do not)' }));
          return;
        }
        const grid = el('div', { className: 'curve-grid' });
        grid.style.cssText = 'display:flex;flex-wrap:wrap;gap:12px';
        root.append(grid);
        let k = 0;
        for (const [method, ps] of byMethod) {
          const xKey = X_KEYS.find((x) => ps.every((p) => typeof p[x] === 'number'));
          if (!xKey) continue;
          const yKeys = Object.keys(ps[0]).filter((y) => y !== 'method' && y !== xKey && ps.some((p) => typeof p[y] === 'number'));
          for (const y of yKeys) {
            const box = el('div', { className: 'curve' });
            box.dataset.method = method;
            box.dataset.y = y;
            grid.append(box);
            const colour = css(categorical(k++));
            charts.push(lineChart(box, { title: `${method}: ${y}`, xLabel: xKey, integerX: true, series: [{ label: y, colour }], width: 320, height: 220 }, [
              ps.map((p) => p[xKey] as number),
              ps.map((p) => (typeof p[y] === 'number' && Number.isFinite(p[y]) ? (p[y] as number) : null)),
            ]));
          }
        }
      });
    },
    dispose() {
      for (const c of charts.splice(0)) c.destroy();
      root?.remove();
    },
  };
}
