// Fitness per generation (issue 12 §5): min / median / max with the band between min and max, and
// the best so far, from generations.jsonl; with the novelty bonus, the population's novelty beside
// it. refresh() redraws from the file as a run appends to it.
import { el } from '../charts/dom.ts';
import { lineChart } from '../charts/line-chart.ts';
import { drawInto, panelRoot } from '../charts/panel-root.ts';
import type { DataSource } from '../data.ts';
import type { Panel } from '../panel.ts';
import { type GenerationRecord, readGenerations } from './run-files.ts';

type Chart = ReturnType<typeof lineChart>;

const data = (gs: GenerationRecord[]): [number[], number[], number[], number[], number[]] => [
  gs.map((g) => g.generation),
  gs.map((g) => g.fitness.max),
  gs.map((g) => g.fitness.median),
  gs.map((g) => g.fitness.min),
  gs.map((g) => g.best_so_far),
];

const noveltyData = (gs: GenerationRecord[]): [number[], (number | null)[], (number | null)[]] => [
  gs.map((g) => g.generation),
  gs.map((g) => g.novelty?.mean ?? null),
  gs.map((g) => g.novelty?.max ?? null),
];

export function fitnessPanel(src: DataSource): Panel {
  let root: HTMLElement;
  let chart: Chart | null = null;
  let novelty: Chart | null = null;
  let status: HTMLElement;
  let noveltyBox: HTMLElement;

  const show = (gs: GenerationRecord[]) => {
    root.dataset.generations = String(gs.length);
    const last = gs.at(-1);
    status.textContent = last ? `${gs.length} generations; best so far ${last.best_so_far.toFixed(4)}; last generation median ${last.fitness.median.toFixed(4)}, ${last.failures} failed` : 'no generation finished yet';
    if (last?.novelty) status.textContent += `; novelty bonus: archive of ${last.novelty.archive}`;
    // a run has the bonus from its first generation or not at all: the chart comes with the first record that has it
    if (!gs.some((g) => g.novelty)) return;
    if (novelty) novelty.setData(noveltyData(gs));
    else {
      novelty = lineChart(
        noveltyBox,
        {
          title: 'novelty per generation',
          xLabel: 'generation',
          yLabel: 'novelty',
          series: [
            { label: 'mean', colour: '#9467bd' },
            { label: 'max', colour: '#e377c2' },
          ],
          integerX: true,
          width: 560,
          height: 220,
        },
        noveltyData(gs),
      );
      root.dataset.novelty = '1';
    }
  };

  return {
    title: 'fitness',
    async mount(parent) {
      root = panelRoot(parent, 'fitness');
      await drawInto(root, async () => {
        const gs = await readGenerations(src);
        status = el('p', { className: 'note' });
        const box = el('div');
        noveltyBox = el('div', { className: 'novelty' });
        root.append(status, box, noveltyBox);
        chart = lineChart(
          box,
          {
            title: 'fitness per generation',
            xLabel: 'generation',
            yLabel: 'fitness',
            series: [
              { label: 'max', colour: '#1f77b4' },
              { label: 'median', colour: '#2ca02c' },
              { label: 'min', colour: '#7f7f7f' },
              { label: 'best so far', colour: '#d62728', dash: true },
            ],
            band: [0, 2],
            integerX: true,
            width: 560,
            height: 300,
          },
          data(gs),
        );
        show(gs);
      });
    },
    async refresh() {
      if (!chart) return;
      const gs = await readGenerations(src);
      chart.setData(data(gs));
      show(gs);
    },
    dispose() {
      chart?.destroy();
      novelty?.destroy();
      chart = novelty = null;
      root?.remove();
    },
  };
}
