// The panels of a comparison run (issue 12 §4), in the order the run page shows them.
import type { DataSource } from '../data.ts';
import type { Panel } from '../panel.ts';
import { curvesPanel } from './curves.ts';
import { embeddingsPanel } from './embeddings.ts';
import { metricsPanel } from './metrics-table.ts';
import { reconstructionsPanel } from './reconstructions.ts';

export function comparisonPanels(src: DataSource): Panel[] {
  return [embeddingsPanel(src), reconstructionsPanel(src), curvesPanel(src), metricsPanel(src)];
}
