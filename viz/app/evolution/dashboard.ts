// The panels of an evolution run (issue 12 §5): fitness curves, the best genome, and the best
// organism in the 3D activity panel (best-organism.json). The run page calls refresh() every
// ~2 s while the source is live, so a run going on is followed.
import { activityPanel } from '../activity/panel.ts';
import type { DataSource } from '../data.ts';
import type { Panel } from '../panel.ts';
import { fitnessPanel } from './fitness.ts';
import { genomePanel } from './genome.ts';

export function evolutionPanels(src: DataSource): Panel[] {
  return [fitnessPanel(src), genomePanel(src), activityPanel(src, { layout: 'best-organism.json', title: 'best organism' })];
}
