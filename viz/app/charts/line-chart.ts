// Line charts over uPlot (fast canvas charts, small bundle): series sharing one x axis, an optional
// band between two of them. Its CSS goes into the app's bundled style sheet (inlined in exports too).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const INTEGER_STEPS = [1, 2, 5].flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6].map((p) => m * p)).sort((a, b) => a - b);

export interface LineSeries {
  label: string;
  colour: string;
  /** Drawn dashed (e.g. a running best). */
  dash?: boolean;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel?: string;
  series: LineSeries[];
  /** Fill between series a and b (indices into `series`), e.g. max and min. */
  band?: [number, number];
  /** x takes whole numbers (generations, epochs, steps): no fractional ticks. */
  integerX?: boolean;
  width?: number;
  height?: number;
}

/** data[0] is x, data[1 + k] series k. */
export type LineData = [number[], ...(number | null)[][]];

// the app's dark theme (viz/app/style.css): uPlot's defaults are black text on white
const AXIS = { stroke: '#d8dde3', grid: { stroke: '#2c333b', width: 1 }, ticks: { stroke: '#2c333b', width: 1 } };

export function lineChart(parent: HTMLElement, spec: LineChartSpec, data: LineData): uPlot {
  const opts: uPlot.Options = {
    title: spec.title,
    // the panel's width when known (it is laid out before its charts are made)
    width: spec.width ?? Math.max(320, Math.min(900, parent.clientWidth || 420)),
    height: spec.height ?? 240,
    scales: { x: { time: false } },
    axes: [
      { ...AXIS, label: spec.xLabel, incrs: spec.integerX ? INTEGER_STEPS : undefined },
      { ...AXIS, label: spec.yLabel ?? '', size: 60 },
    ],
    series: [{ label: spec.xLabel }, ...spec.series.map((s) => ({ label: s.label, stroke: s.colour, width: 2, dash: s.dash ? [6, 4] : undefined, points: { show: data[0].length <= 60 } }))],
    bands: spec.band ? [{ series: [spec.band[0] + 1, spec.band[1] + 1], fill: 'rgba(31,119,180,0.15)' }] : undefined,
  };
  return new uPlot(opts, data as uPlot.AlignedData, parent);
}
