// Shared by the hand-computed rule tests: a few steps of a tiny network on the cpu (1 thread), and
// a relative comparison with the values worked out by hand.
import { expect } from 'vitest';
import type { NetworkState } from '../../sim/backend.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import { createCpuBackend } from '../../sim/cpu/backend.ts';
import type { SynapseTensor } from '../../sim/tensor.ts';

/** Runs one step per row of `xs` (weights clipped to [0, 10]) and reads the state back. */
export async function runSteps(tensor: SynapseTensor, def: RuleDef, params: Record<string, number>, xs: number[][]): Promise<{ state: NetworkState; firstBadStep: number }> {
  const b = await createCpuBackend({ tensor, rule: compileRule(def, params), plasticity: { wMin: 0, wMax: 10, normalize: 'none', normalizeTarget: 1 }, maxChunk: xs.length, threads: 1 });
  try {
    const { firstBadStep } = await b.run(xs.length, Float32Array.from(xs.flat()));
    return { state: await b.readState(), firstBadStep };
  } finally {
    await b.dispose();
  }
}

export function close(actual: ArrayLike<number>, expected: number[], tol = 1e-6) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i]), `element ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThan(tol * Math.max(1, Math.abs(expected[i])));
}
