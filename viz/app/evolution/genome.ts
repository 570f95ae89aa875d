// The best genome (issue 12 §5): its connection probabilities p(from → to) between neuron types as
// a heatmap, and a table of the types' genes (share, sign, soma α, gain, θ, position, spread).
import { el } from '../charts/dom.ts';
import { heatmap } from '../charts/heatmap.ts';
import { drawInto, panelRoot } from '../charts/panel-root.ts';
import type { DataSource } from '../data.ts';
import type { Panel } from '../panel.ts';
import { type BestGenome, readBestGenome, typeNames } from './run-files.ts';

const num = (v: number | undefined, digits = 3) => (v === undefined ? '-' : v.toFixed(digits));

function typeTable(g: BestGenome, types: string[]): HTMLTableElement {
  const gene = (t: string, f: string) => g.genes[`type.${t}.${f}`];
  const head = ['type', 'share', 'sign', 'alpha', 'gain', 'theta', 'pos (x, y, z)', 'spread'];
  const rows = types
    .filter((t) => Object.keys(g.genes).some((k) => k.startsWith(`type.${t}.`)))
    .map((t) => {
      const exc = gene(t, 'excitatory');
      const pos = ['x', 'y', 'z'].map((a) => gene(t, `pos.${a}`));
      return [
        t,
        num(gene(t, 'share')),
        exc === undefined ? '-' : exc >= 0.5 ? '+ (excitatory)' : '− (inhibitory)',
        num(gene(t, 'alpha')),
        num(gene(t, 'gain')),
        num(gene(t, 'theta')),
        pos.every((v) => v === undefined) ? '-' : pos.map((v) => num(v, 2)).join(', '),
        num(gene(t, 'spread')),
      ];
    });
  return el(
    'table',
    { className: 'genome-types' },
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { textContent: h, scope: 'col' })))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c, i) => el(i === 0 ? 'th' : 'td', { textContent: c }))))),
  );
}

export function genomePanel(src: DataSource): Panel {
  let root: HTMLElement;
  let shown = '';

  const draw = async () => {
    const g = await readBestGenome(src);
    if (!g) {
      root.replaceChildren(el('p', { className: 'note', textContent: 'no best genome yet (the first generation has not finished)' }));
      return;
    }
    const key = `${g.generation}/${g.member}/${g.fitness}`;
    if (key === shown) return;
    shown = key;
    const types = typeNames(g.genes);
    const values = new Float64Array(types.length * types.length).fill(NaN);
    types.forEach((from, r) =>
      types.forEach((to, c) => {
        const p = g.genes[`conn.${from}>${to}.p`];
        if (p !== undefined) values[r * types.length + c] = p;
      }),
    );
    const map = heatmap({ rows: types, cols: types, values, lo: 0, hi: 1, rowTitle: 'from', colTitle: 'to' });
    const scores = g.scores ? Object.entries(g.scores).map(([k, v]) => `${k} ${num(v, 4)}`).join(', ') : '';
    root.dataset.generation = String(g.generation);
    root.replaceChildren(
      el('p', { className: 'best', textContent: `best fitness ${num(g.fitness, 4)} (generation ${g.generation}, member ${g.member})${scores ? `: ${scores}` : ''}` }),
      el('h4', { textContent: 'connection probability p(from → to)' }),
      map,
      el('h4', { textContent: 'neuron types' }),
      typeTable(g, types),
    );
  };

  return {
    title: 'best genome',
    async mount(parent) {
      root = panelRoot(parent, 'genome');
      await drawInto(root, draw);
    },
    async refresh() {
      await drawInto(root, draw);
    },
    dispose() {
      root?.remove();
    },
  };
}
