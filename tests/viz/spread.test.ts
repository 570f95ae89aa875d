// The 3D panel's organism layout: a batch's organisms share positions, the panel gives each its own cell.
import { describe, expect, test } from 'vitest';
import type { NetworkLayout } from '../../viz/protocol.ts';
import { spreadOrganisms } from '../../viz/app/activity/spread.ts';

/** O organisms of two groups (3 + 2 neurons) at the same random positions. */
function batch(O: number): { layout: NetworkLayout; pos: Float32Array } {
  const groups = Array.from({ length: O }, (_, o) => [
    { name: 'in', role: 'input', organism: o, start: 5 * o, count: 3 },
    { name: 'h', role: 'hidden', organism: o, start: 5 * o + 3, count: 2 },
  ]).flat();
  const one = Array.from({ length: 15 }, (_, k) => Math.sin(7 * k + 1) * 2);
  const pos = new Float32Array(Array.from({ length: O }, () => one).flat());
  const layout = { format: 'springtail-layout/1', neurons: 5 * O, organisms: O, groups, synapses: 0, weights: 0, files: { pos: 'p' } } as unknown as NetworkLayout;
  return { layout, pos };
}

function box(pos: Float32Array, o: number): number[] {
  const xs = [0, 1, 2, 3, 4].map((i) => pos[3 * (5 * o + i)]);
  const ys = [0, 1, 2, 3, 4].map((i) => pos[3 * (5 * o + i) + 1]);
  return [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
}

describe('spreadOrganisms', () => {
  test('one organism is left where it is', () => {
    const { layout, pos } = batch(1);
    const before = pos.slice();
    spreadOrganisms(layout, pos);
    expect(pos).toEqual(before);
  });

  test.each([2, 3, 5, 9])('%i organisms get disjoint cells, each moved without changing its shape', (O) => {
    const { layout, pos } = batch(O);
    const before = pos.slice();
    spreadOrganisms(layout, pos);
    const boxes = Array.from({ length: O }, (_, o) => box(pos, o));
    for (let a = 0; a < O; a++)
      for (let b = a + 1; b < O; b++) {
        const [p, q] = [boxes[a], boxes[b]];
        const apart = p[1] < q[0] || q[1] < p[0] || p[3] < q[2] || q[3] < p[2];
        expect(apart, `organisms ${a} and ${b} overlap`).toBe(true);
      }
    for (let o = 0; o < O; o++) {
      const dx = pos[15 * o] - before[15 * o];
      const dy = pos[15 * o + 1] - before[15 * o + 1];
      for (let i = 0; i < 5; i++) {
        const k = 3 * (5 * o + i);
        expect(pos[k] - before[k]).toBeCloseTo(dx, 5);
        expect(pos[k + 1] - before[k + 1]).toBeCloseTo(dy, 5);
        expect(pos[k + 2]).toBe(before[k + 2]);
      }
    }
  });
});
