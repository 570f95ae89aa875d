import { describe, expect, test } from 'vitest';
import { fromLayers, fromLists, randomTensor, type LayersSpec } from '../../sim/build.ts';
import { checkTensor, inputSize, neuronCount, ROLE, segmentCount, synapseCount, tensorBytes } from '../../sim/tensor.ts';

const spec = (over: Partial<LayersSpec> = {}): LayersSpec => ({
  organisms: 2,
  layers: [
    { name: 'in', size: 10, role: 'input' },
    { name: 'exc', size: 6, role: 'hidden', segments: 2 },
    { name: 'inh', size: 3, role: 'hidden', sign: -1 },
  ],
  projections: [
    { from: 'in', to: 'exc', connect: { kind: 'fanIn', k: 4 }, init: { min: 0, max: 1 } },
    { from: 'inh', to: 'exc', connect: { kind: 'full' }, init: { min: 0.5, max: 0.5 }, segment: 1, plastic: false },
    { from: 'exc', to: 'inh', connect: { kind: 'prob', p: 0.5 }, init: { min: 0, max: 0.1 }, sign: -1 },
  ],
  ...over,
});

describe('fromLayers', () => {
  const t = fromLayers(spec(), 7);
  test('sizes, CSR and organisms', () => {
    expect(neuronCount(t)).toBe(38);
    expect(segmentCount(t)).toBe(2 * (10 + 12 + 3));
    expect(inputSize(t)).toBe(10);
    checkTensor(t);
    expect(t.orgNeuronStart[1]).toBe(19);
  });
  test('fan-in draws k distinct, sorted presynaptic inputs per neuron', () => {
    for (let n = 10; n < 16; n++) {
      const g = t.neuronSegStart[n];
      const pres = Array.from(t.pre.subarray(t.segSynStart[g], t.segSynStart[g + 1]));
      expect(pres).toHaveLength(4);
      expect(new Set(pres).size).toBe(4);
      expect([...pres].sort((a, b) => a - b)).toEqual(pres);
      expect(pres.every((p) => p < 10)).toBe(true);
    }
  });
  test('segments carry the projection sign and plasticity; neurons the layer sign', () => {
    const g1 = t.neuronSegStart[10] + 1;
    expect(t.segPlastic[g1]).toBe(0);
    expect(t.segSynStart[g1 + 1] - t.segSynStart[g1]).toBe(3);
    expect(t.sign[16]).toBe(-1);
    expect(t.segSign[t.neuronSegStart[16]]).toBe(-1);
    expect(t.role[0]).toBe(ROLE.input);
  });
  test('deterministic per seed; organisms differ', () => {
    const again = fromLayers(spec(), 7);
    expect(Array.from(again.pre)).toEqual(Array.from(t.pre));
    expect(Array.from(again.w)).toEqual(Array.from(t.w));
    const other = fromLayers(spec(), 8);
    expect(Array.from(other.w)).not.toEqual(Array.from(t.w));
    const s0 = t.orgSynStart;
    expect(Array.from(t.w.subarray(s0[0], s0[0] + 10))).not.toEqual(Array.from(t.w.subarray(s0[1], s0[1] + 10)));
  });
  test('reports its memory', () => {
    expect(tensorBytes(t)).toBeGreaterThan(synapseCount(t) * 8);
  });
  test('bad specs name the problem', () => {
    expect(() => fromLayers(spec({ projections: [{ from: 'in', to: 'nope', connect: { kind: 'full' }, init: { min: 0, max: 1 } }] }), 1)).toThrow(/no layer 'nope'/);
    expect(() => fromLayers(spec({ projections: [{ from: 'in', to: 'inh', connect: { kind: 'fanIn', k: 11 }, init: { min: 0, max: 1 } }] }), 1)).toThrow(/fan-in 11 is larger/);
    expect(() =>
      fromLayers(
        spec({
          projections: [
            { from: 'in', to: 'inh', connect: { kind: 'full' }, init: { min: 0, max: 1 } },
            { from: 'exc', to: 'inh', connect: { kind: 'full' }, init: { min: 0, max: 1 }, sign: -1 },
          ],
        }),
        1,
      ),
    ).toThrow(/mixes projections with different signs/);
  });
});

describe('fromLists and randomTensor', () => {
  test('explicit lists are grouped by post neuron and segment', () => {
    const t = fromLists([
      {
        neurons: [{ role: 'input' }, { role: 'input' }, { segments: 2 }],
        synapses: [
          { pre: 1, post: 2, segment: 1, w: 0.3 },
          { pre: 0, post: 2, segment: 0, w: 0.1 },
          { pre: 1, post: 2, segment: 0, w: 0.2 },
        ],
      },
    ]);
    expect(Array.from(t.pre)).toEqual([0, 1, 1]);
    expect(Array.from(t.w).map((x) => +x.toFixed(3))).toEqual([0.1, 0.2, 0.3]);
    expect(Array.from(t.segSynStart)).toEqual([0, 0, 0, 2, 3]);
    expect(() => fromLists([{ neurons: [{}], synapses: [{ pre: 3, post: 0, w: 1 }] }])).toThrow(/no neuron 3/);
  });
  test('random fan-in tensor: sizes, ranges, determinism', () => {
    const a = randomTensor({ organisms: 3, neurons: 100, fanIn: 8, seed: 5, wInit: 0.3 });
    expect(synapseCount(a)).toBe(2400);
    expect(Math.max(...a.pre)).toBeLessThan(100);
    expect(Math.max(...a.w)).toBeLessThan(0.3);
    const b = randomTensor({ organisms: 3, neurons: 100, fanIn: 8, seed: 5, wInit: 0.3 });
    expect(Array.from(b.pre)).toEqual(Array.from(a.pre));
  });
});

describe('groups of group somas', () => {
  test('one group per layer and organism; runs split by type, soma and organism', () => {
    const t = fromLayers(
      {
        organisms: 2,
        layers: [
          { name: 'in', size: 3, role: 'input' },
          { name: 'a', size: 4, role: 'hidden', soma: { f: 'kwta', k: 2 } },
          { name: 'b', size: 2, role: 'hidden', soma: { f: 'kwta', k: 1 } },
          { name: 'c', size: 3, role: 'hidden', soma: { f: 'softmax' } },
          { name: 'd', size: 2, role: 'output' },
        ],
        projections: [],
      },
      1,
    );
    expect(Array.from(t.groupStart)).toEqual([3, 7, 9, 17, 21, 23]);
    expect(Array.from(t.groupEnd)).toEqual([7, 9, 12, 21, 23, 26]);
    expect(Array.from(t.k.subarray(0, 14))).toEqual([0, 0, 0, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0]);
    // two kwta neurons of the same type in a row are one group
    expect(fromLists([{ neurons: [{ soma: 'kwta', k: 1 }, { soma: 'kwta', k: 1 }, { soma: 'relu' }], synapses: [] }]).groupEnd).toEqual(Uint32Array.from([2]));
  });
  test('k is checked: 1..layer size, and only with kwta', () => {
    const layers = (soma: object) => ({ organisms: 1, layers: [{ name: 'in', size: 2, role: 'input' as const }, { name: 'h', size: 3, role: 'hidden' as const, soma }], projections: [] });
    expect(() => fromLayers(layers({ f: 'kwta' }), 1)).toThrow(/layer 'h': kwta needs k, an integer 1\.\.3/);
    expect(() => fromLayers(layers({ f: 'kwta', k: 4 }), 1)).toThrow(/kwta needs k, an integer 1\.\.3 \(the layer size\), got 4/);
    expect(() => fromLayers(layers({ f: 'softmax', k: 2 }), 1)).toThrow(/k is only for soma 'kwta'/);
    expect(() => fromLists([{ neurons: [{ soma: 'kwta', k: 1 }, { soma: 'kwta', k: 2 }], synapses: [] }])).toThrow(/k must be 1\.\.2 and the same in the group/);
  });
});
