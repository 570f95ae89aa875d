// Task specs by kind → Task. The config layer validates specs (bin/config/compare-schema.ts); the
// task modules re-check their own constraints and throw on a bad spec.
import { type CirclesSpec, makeCircles } from './circles.ts';
import { type GliderSpec, makeGlider } from './glider.ts';
import { makeMnist, type MnistSpec } from './mnist.ts';
import type { Task } from './task.ts';

export type TaskSpec =
  | ({ kind: 'circles' } & Partial<CirclesSpec>)
  | ({ kind: 'glider-checker' } & Partial<GliderSpec>)
  | ({ kind: 'mnist' } & MnistSpec);

export function makeTask(spec: TaskSpec, seed: number): Task {
  const { kind, ...rest } = spec;
  switch (kind) {
    case 'circles':
      return makeCircles(rest as Partial<CirclesSpec>, seed);
    case 'glider-checker':
      return makeGlider(rest as Partial<GliderSpec>, seed);
    case 'mnist':
      return makeMnist(rest as MnistSpec, seed);
  }
}
