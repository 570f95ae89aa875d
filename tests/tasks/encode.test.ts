// The batched encoding of test inputs (tasks/baselines/bio.ts encodeRanges): the same codes for any
// batch size, and a large network (a population) encodes in smaller batches so its recording stays
// bounded.
import { describe, expect, test } from 'vitest';
import { loadEvolveConfig } from '../../bin/config/load.ts';
import { setupOf } from '../../bin/config/evolve-schema.ts';
import { developPopulation, organismSeed } from '../../evolve/develop.ts';
import { initialGenome } from '../../evolve/genome.ts';
import { compileEvolvingRule } from '../../evolve/run.ts';
import { encodeBatch, encodeRanges } from '../../tasks/baselines/bio.ts';

describe('encodeRanges', () => {
  test('batches of 256, 7 and 1 samples give the same codes, bit for bit', async () => {
    const setup = setupOf(loadEvolveConfig('configs/evolve-glider.json', ['strategy.popSize=3']));
    const g = initialGenome(setup.genes);
    const pop = developPopulation(setup.skeleton, [g, g, g], [1, 2, 3].map((m) => organismSeed(5, 0, m, 0)));
    const tensor = pop.tensor!;
    const rule = compileEvolvingRule(setup);
    const P = rule.orgParamNames.length;
    const orgParams = new Float32Array(3 * P).fill(setup.ruleParams.eta ?? 0.005);
    const ranges = pop.alive.map((i, o): [number, number] => [tensor.orgNeuronStart[o] + pop.organisms[i].code[0], tensor.orgNeuronStart[o] + pop.organisms[i].code[1]]);
    const count = 40;
    const x = setup.task.test.x.subarray(0, count * setup.task.dim);
    const encode = (batch?: number) => encodeRanges('cpu', { tensor, rule, plasticity: setup.plasticity, orgParams }, setup.task.dim, x, count, 5, ranges, batch);
    const all = await encode(256);
    expect(all).toHaveLength(3);
    expect(all[0].length).toBe(count * setup.skeleton.code.size);
    expect(all[0].some((v) => v !== 0)).toBe(true);
    for (const batch of [7, 1, undefined]) expect(await encode(batch), `batch ${batch}`).toEqual(all);
  });

  test('a large network takes smaller batches: its recording stays within 64 MiB', () => {
    expect(encodeBatch(100, 10_000)).toBe(256);
    expect(encodeBatch(100, 40)).toBe(40);
    for (const neurons of [50_000, 213_000, 1_636_000, 50_000_000]) {
      const b = encodeBatch(neurons, 10_000);
      expect(b).toBeGreaterThanOrEqual(1);
      expect(b).toBeLessThan(256);
      if (b > 1) expect(2 * 4 * b * neurons).toBeLessThanOrEqual(64 * 2 ** 20);
    }
  });
});
