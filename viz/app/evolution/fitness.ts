// Fitness per generation (issue 12 §5): min / median / max with the band between min and max, and
// the best so far, from generations.jsonl; refresh() redraws from the file as a run appends to it.
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

export function fitnessPanel(src: DataSource): Panel {
  let root: HTMLElement;
  let chart: Chart | null = null;
  let status: HTMLElement;

  const show = (gs: GenerationRecord[]) => {
    root.dataset.generations = String(gs.length);
    const last = gs.at(-1);
    status.textContent = last ? `${gs.length} generations; best so far ${last.best_so_far.toFixed(4)}; last generation median ${last.fitness.median.toFixed(4)}, ${last.failures} failed` : 'no generation finished yet';
  };

  return {
    title: 'fitness',
    async mount(parent) {
      root = panelRoot(parent, 'fitness');
      await drawInto(root, async () => {
        const gs = await readGenerations(src);
        status = el('p', { className: 'note' });
        const box = el('div');
        root.append(status, box);
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
      chart = null;
      root?.remove();
    },
  };
}
