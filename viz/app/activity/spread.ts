// Organisms of one batch share their layers' positions (a config's organisms are copies; evolved
// ones are grown in the same space), so drawn as stored they sit on top of one another and only
// the last one drawn is seen. The panel lays them out on a grid in x/y instead, one cell per organism.
import type { NetworkLayout } from '../../protocol.ts';

/** Space between two organisms' cells, as a share of the widest organism's extent. */
const GAP = 0.25;

/** Shifts each organism of `pos` (neurons × 3, in place) to its own cell of a near-square grid in x/y. */
export function spreadOrganisms(layout: NetworkLayout, pos: Float32Array): void {
  const O = layout.organisms;
  if (!(O > 1)) return;
  const lo = Array.from({ length: O }, () => [Infinity, Infinity, Infinity]);
  const hi = Array.from({ length: O }, () => [-Infinity, -Infinity, -Infinity]);
  for (const g of layout.groups) {
    for (let i = g.start; i < g.start + g.count; i++) {
      for (let d = 0; d < 3; d++) {
        const v = pos[3 * i + d];
        if (!Number.isFinite(v)) continue;
        lo[g.organism][d] = Math.min(lo[g.organism][d], v);
        hi[g.organism][d] = Math.max(hi[g.organism][d], v);
      }
    }
  }
  // square cells as wide as the largest organism's largest extent, depth included: seen at an
  // angle, layers stacked in depth would otherwise reach into the next cell (at least 1, so a
  // flat organism still gets room)
  const extent = Math.max(1, ...lo.flatMap((l, o) => l.map((v, d) => (Number.isFinite(hi[o][d] - v) ? hi[o][d] - v : 0))));
  const cell = extent * (1 + GAP);
  const cols = Math.ceil(Math.sqrt(O));
  for (const g of layout.groups) {
    const o = g.organism;
    const shift = [(o % cols) * cell, -Math.floor(o / cols) * cell];
    for (let i = g.start; i < g.start + g.count; i++) for (let d = 0; d < 2; d++) pos[3 * i + d] += shift[d];
  }
}
