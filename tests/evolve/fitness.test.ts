// Fitness of a batched population: a diverging organism gets the worst fitness without touching the
// others, members score the same however they are chunked (what makes distributed evaluation
// exact), and cpu and webgpu agree.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { setupOf } from '../../bin/config/evolve-schema.ts';
import { validateEvolve } from '../../bin/config/load.ts';
import { developPopulation } from '../../evolve/develop.ts';
import { scorePopulation, WORST, type FitnessSpec } from '../../evolve/fitness.ts';
import { initialGenome, genomeToVector } from '../../evolve/genome.ts';
import { compileEvolvingRule, evaluateMembers } from '../../evolve/run.ts';
import { hebbian } from '../../rules/hebbian.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';

const webgpu = useWebgpu();

const raw = JSON.parse(readFileSync('configs/evolve-glider.json', 'utf8'));
const small = { ...raw, task: { ...raw.task, train: 100, test: 60 }, genome: { ...raw.genome, budget: 6 }, fitness: { ...raw.fitness, childhood: 150, train: 60, test: 40 } };
const setup = setupOf(validateEvolve(small));
const spec: FitnessSpec = setup.fitness;

describe('population fitness', () => {
  it('a diverging organism gets the worst fitness; the others score as they do alone', { timeout: 120_000 }, async () => {
    const g = initialGenome(setup.genes);
    const pop = developPopulation(setup.skeleton, [g, g, g], [1, 2, 3]);
    const t = pop.tensor!;
    const rule = compileRule(hebbian, {}, { perOrganism: ['eta'] });
    const code = pop.organisms.map((o, i): [number, number] => [t.orgNeuronStart[i] + o.code[0], t.orgNeuronStart[i] + o.code[1]]);
    const input = (orgParams: Float32Array) => ({ tensor: t, code, rule, orgParams, plasticity: { wMin: 0, wMax: Infinity, normalize: 'none' as const, normalizeTarget: 1 }, synapses: pop.organisms.map((o) => o.synapses), wiring: pop.organisms.map((o) => o.wiring) });
    expect(rule.orgParamNames).toEqual(['eta']);
    const mixed = await scorePopulation(setup.task, input(Float32Array.from([1e-3, 3e38, 1e-3])), spec, 'cpu', 1);
    const calm = await scorePopulation(setup.task, input(Float32Array.from([1e-3, 1e-3, 1e-3])), spec, 'cpu', 1);
    expect(mixed[1].fitness).toBe(WORST);
    expect(mixed[1].failed).toMatch(/non-finite/);
    expect(mixed[0]).toEqual(calm[0]);
    expect(mixed[2]).toEqual(calm[2]);
    expect(Number.isFinite(mixed[0].fitness)).toBe(true);
  });

  it('members score identically whether evaluated together or in chunks', { timeout: 120_000 }, async () => {
    const rule = compileEvolvingRule(setup);
    const x0 = genomeToVector(setup.genes, initialGenome(setup.genes));
    const members = [0, 1, 2, 3].map((m) => ({ member: m, x: x0.map((z, i) => z + 0.6 * Math.sin(m * 7 + i)) }));
    const all = await evaluateMembers(setup, rule, 5, members);
    const parts = [...(await evaluateMembers(setup, rule, 5, members.slice(0, 1))), ...(await evaluateMembers(setup, rule, 5, members.slice(1)))];
    expect(parts).toEqual(all);
    expect(new Set(all.map((r) => r.fitness)).size).toBe(4);
  });

  it('webgpu agrees with cpu', { timeout: 300_000 }, async (ctx) => {
    webgpu.need(ctx);
    const rule = compileEvolvingRule(setup);
    const x0 = genomeToVector(setup.genes, initialGenome(setup.genes));
    const members = [0, 1].map((m) => ({ member: m, x: x0.map((z, i) => z + 0.6 * Math.cos(m * 3 + i)) }));
    const cpu = await evaluateMembers(setup, rule, 2, members);
    const gpu = await evaluateMembers({ ...setup, backend: 'webgpu' }, rule, 2, members);
    for (let i = 0; i < members.length; i++) {
      expect(Math.abs(gpu[i].fitness - cpu[i].fitness)).toBeLessThan(2e-3);
      expect(gpu[i].scores!.distinct_codes).toBe(cpu[i].scores!.distinct_codes);
    }
  });
});
