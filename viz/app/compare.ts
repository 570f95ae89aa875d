// Several runs side by side (TensorBoard's overlaid runs): chosen on the start page, shown as one
// chart per quantity with a line per run — evolution runs' best so far and median fitness per
// generation, simulation runs' metrics over steps (one metric at a time, chosen from the ones
// every run records) — and comparison runs' summaries as one table of run × method. Refreshed
// while the runs go on.
import { categorical, css } from './charts/colormap.ts';
import { el } from './charts/dom.ts';
import { lineChart } from './charts/line-chart.ts';
import { drawInto, panelRoot, registerHook } from './charts/panel-root.ts';
import { readSummary } from './comparison/run-files.ts';
import { type DataSource, HttpSource, parseJsonl } from './data.ts';
import { readGenerations } from './evolution/run-files.ts';
import { formatValue } from './format.ts';
import type { Panel } from './panel.ts';

export interface RunRef {
  name: string;
  kind: string;
}

type Chart = ReturnType<typeof lineChart>;
type Series = { run: string; points: Map<number, number> };

/** One x axis over every run's points (the union of their x), null where a run has none. */
function aligned(series: Series[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(series.flatMap((s) => [...s.points.keys()]))].sort((a, b) => a - b);
  return [xs, ...series.map((s) => xs.map((x) => s.points.get(x) ?? null))];
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A panel of overlaid line charts, one per quantity, a line per run; `load` reads every run again. */
function overlayPanel(id: string, title: string, runs: string[], xLabel: string, load: () => Promise<{ quantity: string; series: Series[] }[]>, extra?: (root: HTMLElement, redraw: () => Promise<void>) => void): Panel {
  let root: HTMLElement;
  let charts: { quantity: string; chart: Chart }[] = [];
  let box: HTMLElement;
  const draw = async (rebuild: boolean) => {
    const quantities = await load();
    if (rebuild || quantities.length !== charts.length || quantities.some((q, i) => q.quantity !== charts[i].quantity)) {
      for (const c of charts) c.chart.destroy();
      box.replaceChildren();
      charts = quantities.map((q) => {
        const slot = el('div', { className: 'overlay' });
        slot.dataset.quantity = q.quantity;
        box.append(slot);
        const chart = lineChart(slot, { title: q.quantity, xLabel, integerX: true, series: runs.map((r, k) => ({ label: r, colour: css(categorical(k)) })), width: 640, height: 280 }, aligned(q.series));
        return { quantity: q.quantity, chart };
      });
    } else quantities.forEach((q, i) => charts[i].chart.setData(aligned(q.series) as Parameters<Chart['setData']>[0]));
    root.dataset.points = String(quantities.reduce((n, q) => n + q.series.reduce((m, s) => m + s.points.size, 0), 0));
  };
  return {
    title,
    wide: true,
    async mount(parent) {
      root = panelRoot(parent, id);
      root.dataset.runs = String(runs.length);
      box = el('div', { className: 'overlays' });
      box.style.cssText = 'display:flex;flex-wrap:wrap;gap:12px';
      await drawInto(root, async () => {
        extra?.(root, () => draw(true));
        root.append(box);
        await draw(true);
        registerHook(id, { quantities: () => charts.map((c) => c.quantity), series: () => runs });
      });
    },
    async refresh() {
      if (root?.dataset.ready === '1') await draw(false);
    },
    dispose() {
      for (const c of charts) c.chart.destroy();
      charts = [];
      root?.remove();
    },
  };
}

function evolutionOverlay(runs: string[], src: (run: string) => DataSource): Panel {
  const sources = runs.map(src);
  return overlayPanel('compare-evolution', `fitness of ${runs.length} evolution runs`, runs, 'generation', async () => {
    const records = await Promise.all(sources.map(readGenerations));
    const of = (pick: (g: (typeof records)[number][number]) => number) =>
      records.map((gs, k): Series => ({ run: runs[k], points: new Map(gs.filter((g) => finite(pick(g))).map((g) => [g.generation, pick(g)])) }));
    return [
      { quantity: 'best so far', series: of((g) => g.best_so_far) },
      { quantity: 'median of the generation', series: of((g) => g.fitness.median) },
    ];
  });
}

function simulationOverlay(runs: string[], src: (run: string) => DataSource): Panel {
  let metric = '';
  const sources = runs.map(src);
  const read = () => Promise.all(sources.map(async (s) => ((await s.has('metrics.jsonl')) ? parseJsonl<Record<string, unknown>>(await s.text('metrics.jsonl')) : [])));
  const select = el('select');
  select.setAttribute('aria-label', 'metric');
  return overlayPanel(
    'compare-simulation',
    `metrics of ${runs.length} simulation runs`,
    runs,
    'step',
    async () => {
      const lines = await read();
      if (!metric) {
        // the metrics every run records, in the first run's order
        const common = Object.keys(lines[0]?.[0] ?? {}).filter((k) => k !== 'step' && lines.every((ls) => ls.some((l) => finite(l[k]))));
        if (common.length === 0) throw new Error('these runs record no metric in common (metrics.jsonl)');
        select.replaceChildren(...common.map((k) => el('option', { value: k, textContent: k })));
        metric = common[0];
      }
      return [{ quantity: metric, series: lines.map((ls, k): Series => ({ run: runs[k], points: new Map(ls.filter((l) => finite(l.step) && finite(l[metric])).map((l) => [l.step as number, l[metric] as number])) })) }];
    },
    (root, redraw) => {
      select.addEventListener('change', () => {
        metric = select.value;
        void redraw();
      });
      root.append(el('label', {}, 'metric ', select));
    },
  );
}

function comparisonTable(runs: string[], src: (run: string) => DataSource): Panel {
  let root: HTMLElement;
  return {
    title: `metrics of ${runs.length} comparison runs`,
    wide: true,
    async mount(parent) {
      root = panelRoot(parent, 'compare-comparison');
      await drawInto(root, async () => {
        const summaries = await Promise.all(runs.map((r) => readSummary(src(r))));
        const rows = summaries.flatMap((s, k) => Object.entries(s.methods).map(([method, m]) => ({ run: runs[k], method, m })));
        const names = [...new Set(rows.flatMap((r) => Object.keys(r.m).filter((k) => finite(r.m[k]))))];
        const table = el('table', { className: 'metrics' });
        const head = el('tr', {}, el('th', { textContent: 'run' }), el('th', { textContent: 'method' }), ...names.map((n) => el('th', { textContent: n })));
        table.append(el('thead', {}, head));
        const body = el('tbody');
        for (const r of rows) {
          const v = (n: string) => (finite(r.m[n]) ? formatValue(r.m[n] as number) : '');
          const tr = el('tr', {}, el('td', { textContent: r.run }), el('td', { textContent: r.method }), ...names.map((n) => el('td', { textContent: v(n) })));
          tr.dataset.run = r.run;
          body.append(tr);
        }
        table.append(body);
        root.append(table);
      });
    },
    dispose() {
      root?.remove();
    },
  };
}

/** The panels comparing `runs`: one per kind that has runs among them. */
export function comparePanels(runs: RunRef[], src: (run: string) => DataSource = (r) => new HttpSource(r)): Panel[] {
  const of = (kind: string) => runs.filter((r) => r.kind === kind).map((r) => r.name);
  const panels: Panel[] = [];
  if (of('evolution').length) panels.push(evolutionOverlay(of('evolution'), src));
  if (of('simulation').length) panels.push(simulationOverlay(of('simulation'), src));
  if (of('comparison').length) panels.push(comparisonTable(of('comparison'), src));
  return panels;
}

/** `#/compare/<run>+<run>…` for these run names. */
export function compareHref(names: string[]): string {
  return `#/compare/${names.map(encodeURIComponent).join('+')}`;
}

export function parseCompareHash(rest: string): string[] {
  return rest.split('+').filter(Boolean).map(decodeURIComponent);
}
