// The probabilistic-skeleton genome: bounded transforms both ways, the gene table, the JSON form,
// and development (counter-based, distance-dependent, batched, and written out as a config network).
import { describe, expect, it } from 'vitest';
import { developOrganism, developPopulation, typeCounts } from '../../evolve/develop.ts';
import { organismNetwork } from '../../evolve/export.ts';
import { geneTable, genomeFromJson, genomeToJson, genomeToVector, GenomeError, initialGenome, toReal, toValue, vectorToGenome, type GeneDef, type SkeletonSpec } from '../../evolve/genome.ts';
import { fromColumns, fromLayers } from '../../sim/build.ts';

const spec: SkeletonSpec = { types: 3, budget: 12, inputs: 9, code: { size: 4, soma: 'clamp01' }, soma: 'clamp01', segments: 2, ruleParams: { eta: { min: 1e-4, max: 0.05, init: 0.005, log: true } }, maxSynapses: 100_000 };
const genes = geneTable(spec);

describe('transforms', () => {
  const cases: GeneDef[] = (['sigmoid', 'log', 'softplus', 'clip'] as const).map((t) => ({ name: t, transform: t, min: t === 'log' ? 0.01 : -2, max: 3, init: 1, evolve: true, doc: '' }));
  // within 0.1 % of the range from a bound the inverse clamps (a bound maps to |z| ≈ 7, not ∞)
  it.for(cases)('$transform: value → z → value is the identity inside the bounds, and every z lands inside', (g) => {
    for (const v of [g.min + 0.05, 0.5, 1, 2.5, g.max - 0.05]) expect(toValue(g, toReal(g, v))).toBeCloseTo(v, 6);
    for (const z of [-50, -3, 0, 3, 50]) {
      const v = toValue(g, z);
      expect(v).toBeGreaterThanOrEqual(g.min);
      expect(v).toBeLessThanOrEqual(g.max);
    }
  });
  it('a value at a bound maps to a z a strategy can move (not saturated)', () => {
    const g = genes.find((x) => x.name === 'type.h1.excitatory')!;
    expect(Math.abs(toReal(g, 1))).toBeLessThan(8);
    expect(toValue(g, toReal(g, 1))).toBe(1);
    expect(toValue(g, toReal(g, 0))).toBe(0);
  });
});

describe('gene table and JSON', () => {
  it('has per-type, per-pair and rule genes; overrides by pattern', () => {
    const names = genes.map((g) => g.name);
    expect(names).toContain('type.h2.share');
    expect(names).toContain('conn.in>code.p');
    expect(names).toContain('conn.h3>h1.sigma');
    expect(names).toContain('rule.eta');
    expect(names.filter((n) => n.startsWith('conn.')).length).toBe(4 * 5 * 6);
    const fixedP = geneTable({ ...spec, genes: { 'conn.*>code.p': { evolve: false, init: 0.3 } } });
    const ps = fixedP.filter((g) => g.name.endsWith('>code.p'));
    expect(ps.length).toBe(5);
    expect(ps.every((g) => !g.evolve && g.init === 0.3)).toBe(true);
    expect(() => geneTable({ ...spec, genes: { 'conn.nothing.p': { evolve: false } } })).toThrow(GenomeError);
    expect(() => geneTable({ ...spec, genes: { 'type.h1.alpha': { init: 7 } } })).toThrow(/outside/);
  });
  it('round-trips through JSON and the vector; bad files name the field', () => {
    const g0 = initialGenome(genes);
    const back = genomeFromJson(genes, JSON.parse(JSON.stringify(genomeToJson(genes, g0))));
    expect(back).toEqual(g0);
    const x = genomeToVector(genes, g0).map((z, i) => z + 0.1 * Math.sin(i));
    const g1 = vectorToGenome(genes, x);
    expect(genomeFromJson(genes, JSON.parse(JSON.stringify(genomeToJson(genes, g1))))).toEqual(g1);
    const j = genomeToJson(genes, g0);
    const at = (mut: (o: { format: string; genes: Record<string, unknown> }) => void) => {
      const o = JSON.parse(JSON.stringify(j));
      mut(o);
      try {
        genomeFromJson(genes, o);
      } catch (e) {
        return (e as GenomeError).field;
      }
      return 'accepted';
    };
    expect(at((o) => (o.genes['type.h1.alpha'] = 'x'))).toBe('genes.type.h1.alpha');
    expect(at((o) => (o.genes['type.h1.alpha'] = 5))).toBe('genes.type.h1.alpha');
    expect(at((o) => delete o.genes['rule.eta'])).toBe('genes.rule.eta');
    expect(at((o) => (o.genes['constructor'] = 1))).toBe('genes.constructor');
    expect(at((o) => (o.format = 'v0'))).toBe('format');
    expect(() => vectorToGenome(genes, [1, 2])).toThrow(/evolves/);
  });
});

describe('development', () => {
  const g0 = initialGenome(genes);
  it('splits the budget by share (largest remainder) and places inputs on a grid', () => {
    expect(typeCounts(spec, { ...g0, 'type.h1.share': 1, 'type.h2.share': 1, 'type.h3.share': 0 })).toEqual([6, 6, 0]);
    expect(typeCounts(spec, { ...g0, 'type.h1.share': 0.5, 'type.h2.share': 0.25, 'type.h3.share': 0.25 })).toEqual([6, 3, 3]);
    const o = developOrganism(spec, g0, 1);
    expect(o.spec.neurons.length).toBe(9 + 12 + 4);
    expect(o.code).toEqual([21, 25]);
    expect(o.spec.neurons[0].pos).toEqual([-1, -1, -1]);
  });
  it('is a pure function of (genome, seed); other seeds give other networks', () => {
    const a = developOrganism(spec, g0, 7);
    expect(developOrganism(spec, g0, 7)).toEqual(a);
    const b = developOrganism(spec, g0, 8);
    expect(b.spec.synapses).not.toEqual(a.spec.synapses);
  });
  it('p = 0 is no connection; a short length scale connects fewer pairs', () => {
    const none = developOrganism(spec, { ...g0, 'conn.in>h1.p': 0 }, 3);
    const t = none.types;
    const h1 = t[1];
    const { pre, post } = none.spec.synapses;
    expect(pre.some((p, k) => p < 9 && post[k] >= h1.start && post[k] < h1.start + h1.count)).toBe(false);
    expect(pre.length).toBeGreaterThan(0);
    const count = (sigma: number) => developOrganism(spec, { ...g0, ...Object.fromEntries(genes.filter((g) => g.name.endsWith('.sigma')).map((g) => [g.name, sigma])) }, 3).synapses;
    expect(count(0.2)).toBeLessThan(count(5) / 2);
  });
  it('over the synapse budget → failed, and left out of the tensor', () => {
    const pop = developPopulation({ ...spec, maxSynapses: 5 }, [g0, { ...g0, ...Object.fromEntries(genes.filter((g) => g.name.endsWith('.p')).map((g) => [g.name, 0])) }], [1, 2]);
    expect(pop.organisms[0].failed).toMatch(/maxSynapses/);
    expect(pop.alive).toEqual([1]);
    expect(pop.tensor!.organisms).toBe(1);
  });
  it('a population is the organisms side by side in one tensor', () => {
    const pop = developPopulation(spec, [g0, g0, g0], [1, 2, 3]);
    const one = fromColumns([developOrganism(spec, g0, 2).spec]);
    const t = pop.tensor!;
    const [s0, s1] = [t.orgSynStart[1], t.orgSynStart[2]];
    expect(Array.from(t.pre.subarray(s0, s1))).toEqual(Array.from(one.pre));
    expect(Array.from(t.w.subarray(s0, s1))).toEqual(Array.from(one.w));
  });
  it('written out as layers and list projections, fromLayers rebuilds the same tensor', () => {
    const g = vectorToGenome(genes, genomeToVector(genes, g0).map((z, i) => z + 0.7 * Math.cos(3 * i)));
    const org = developOrganism(spec, g, 11);
    const direct = fromColumns([org.spec]);
    const net = organismNetwork(spec, g, org);
    const rebuilt = fromLayers(JSON.parse(JSON.stringify(net)), 999);
    for (const k of ['pre', 'w', 'segSynStart', 'neuronSegStart', 'segPlastic', 'sign', 'alpha', 'theta', 'gain', 'soma', 'role', 'inputIndex', 'pos'] as const) {
      expect(Array.from(rebuilt[k] as ArrayLike<number>), k).toEqual(Array.from(direct[k] as ArrayLike<number>));
    }
  });
});
