// The methods × metrics table of summary.json (issue 12 §4), as the CLI prints it (r² expanded per
// latent, fit_seconds last), sortable: clicking a header sorts by that column, again reverses it.
import { el } from '../charts/dom.ts';
import { drawInto, panelRoot } from '../charts/panel-root.ts';
import type { DataSource } from '../data.ts';
import { formatValue } from '../format.ts';
import type { Panel } from '../panel.ts';
import { type MetricValue, readSummary } from './run-files.ts';

function columns(methods: Record<string, Record<string, MetricValue>>): string[] {
  const cols: string[] = [];
  for (const m of Object.values(methods))
    for (const [k, v] of Object.entries(m))
      for (const c of typeof v === 'number' ? [k] : Object.keys(v).map((l) => `${k}.${l}`)) if (!cols.includes(c)) cols.push(c);
  return cols.sort((a, b) => Number(a === 'fit_seconds') - Number(b === 'fit_seconds'));
}

function value(m: Record<string, MetricValue>, col: string): number | undefined {
  const dot = col.indexOf('.');
  const v = m[dot < 0 ? col : col.slice(0, dot)];
  if (typeof v === 'number') return dot < 0 ? v : undefined;
  return v && dot >= 0 ? v[col.slice(dot + 1)] : undefined;
}

const fmt = (v: number | undefined): string => (v === undefined ? '-' : formatValue(v));

export function metricsPanel(src: DataSource): Panel {
  let root: HTMLElement;
  return {
    title: 'metrics',
    async mount(parent) {
      root = panelRoot(parent, 'metrics');
      await drawInto(root, async () => {
        const summary = await readSummary(src);
        const cols = columns(summary.methods);
        const rows = Object.entries(summary.methods).map(([name, m]) => ({ name, values: cols.map((c) => value(m, c)) }));
        const headers = ['method', ...cols].map((c) => el('th', { textContent: c, scope: 'col', title: 'click to sort' }));
        headers.forEach((h, i) => (h.dataset.col = i === 0 ? 'method' : cols[i - 1]));
        const tbody = el('tbody');
        const table = el('table', { className: 'metrics-table' }, el('thead', {}, el('tr', {}, ...headers)), tbody);
        const draw = () =>
          tbody.replaceChildren(
            ...rows.map((r) => el('tr', {}, el('th', { textContent: r.name, scope: 'row' }), ...r.values.map((v) => el('td', { textContent: fmt(v) })))),
          );
        let sorted = -1;
        let dir = 1;
        headers.forEach((h, i) =>
          h.addEventListener('click', () => {
            dir = sorted === i ? -dir : 1;
            sorted = i;
            // missing values ('-') last whichever the direction
            rows.sort((a, b) => {
              if (i === 0) return dir * a.name.localeCompare(b.name);
              const x = a.values[i - 1];
              const y = b.values[i - 1];
              if (x === undefined || y === undefined) return Number(x === undefined) - Number(y === undefined);
              return dir * (x - y);
            });
            headers.forEach((x, j) => (j === i ? x.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending') : x.removeAttribute('aria-sort')));
            draw();
          }),
        );
        draw();
        root.append(el('p', { className: 'note', textContent: `${summary.task.kind}: ${summary.task.train} train / ${summary.task.test} test samples, ${summary.task.dim} values each` }), table);
      });
    },
    dispose() {
      root?.remove();
    },
  };
}
