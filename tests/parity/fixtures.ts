// Small networks and helpers shared by the parity and webgpu suites.
import type { Backend, BackendInit, PlasticityOptions } from '../../sim/backend.ts';
import { fromLayers, fromLists, randomTensor, type LayersSpec, type NeuronSpec, type OrganismSpec } from '../../sim/build.ts';
import type { SynapseTensor } from '../../sim/tensor.ts';
import { uniform } from '../../sim/random.ts';
import { createCpuBackend } from '../../sim/cpu/backend.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import { createWebgpuBackend } from '../../sim/webgpu/backend.ts';

/** 2 organisms, inputs, excitatory and inhibitory layers, a two-segment layer with a fixed inhibitory segment. */
export const mixedSpec: LayersSpec = {
  organisms: 2,
  layers: [
    { name: 'in', size: 6, role: 'input' },
    { name: 'e', size: 9, role: 'hidden', segments: 2, soma: { f: 'sigmoid', gain: 2, theta: 0.3, alpha: 0.5 }, homeostasis: { eta: 0.01, target: 0.2 } },
    { name: 'i', size: 4, role: 'hidden', sign: -1, soma: { f: 'clamp01', bias: 0.1 } },
    { name: 'out', size: 3, role: 'output', segments: 2, soma: { f: 'relu' } },
  ],
  projections: [
    // tags (read only by the `tagged` rule): in→e 1, i→e 2, i→out 3, the rest 0
    { from: 'in', to: 'e', connect: { kind: 'prob', p: 0.7 }, init: { min: 0, max: 0.5 }, tag: 1 },
    { from: 'i', to: 'e', connect: { kind: 'full' }, init: { min: 0, max: 0.3 }, segment: 1, plastic: false, tag: 2 },
    { from: 'e', to: 'i', connect: { kind: 'fanIn', k: 3 }, init: { min: 0, max: 0.5 } },
    { from: 'e', to: 'out', connect: { kind: 'full' }, init: { min: 0, max: 0.4 } },
    // a projection with its own sign (+1) from inhibitory neurons
    { from: 'i', to: 'out', connect: { kind: 'full' }, init: { min: 0, max: 0.2 }, segment: 1, sign: 1, tag: 3 },
  ],
};

/** input → hidden, the Oja setting (linear units). */
export const ojaSpec: LayersSpec = {
  organisms: 2,
  layers: [
    { name: 'in', size: 8, role: 'input' },
    { name: 'h', size: 4, role: 'hidden', soma: { f: 'linear' } },
  ],
  projections: [{ from: 'in', to: 'h', connect: { kind: 'full' }, init: { min: 0, max: 0.3 } }],
};

export const mixedTensor = (seed = 7) => fromLayers(mixedSpec, seed);

/** The tensors each rule's one-step parity runs on (tests/rules/*parity*). */
export const RULE_TENSORS: [string, () => SynapseTensor][] = [
  ['mixed E/I layers, 2 segments, 2 organisms, inputs', () => mixedTensor(7)],
  ['random fan-in, all excitatory, 2 organisms', () => randomTensor({ organisms: 2, neurons: 40, fanIn: 8, seed: 3, wInit: 0.4, soma: 'sigmoid', gain: 4, theta: 0.5 })],
];

/** input → hidden with rectified units (BCM, the cubic rule and the dendrite rules want post ≥ 0). */
export const reluSpec: LayersSpec = { ...ojaSpec, layers: [ojaSpec.layers[0], { ...ojaSpec.layers[1], soma: { f: 'relu' } }] };

/**
 * Group somas: 3 organisms, a k-WTA layer (5, k = 2) with homeostasis, a softmax layer (7) with leak
 * fed by it, and a k-WTA layer of 3 (k = 1) after a relu layer: groups of different sizes and kinds.
 */
export const groupSpec: LayersSpec = {
  organisms: 3,
  layers: [
    { name: 'in', size: 6, role: 'input' },
    { name: 'wta', size: 5, role: 'hidden', soma: { f: 'kwta', k: 2, theta: 0.1 }, homeostasis: { eta: 0.05, target: 0.2 } },
    { name: 'soft', size: 7, role: 'hidden', soma: { f: 'softmax', gain: 3, alpha: 0.5 }, homeostasis: { eta: 0.02, target: 1 / 7 } },
    { name: 'r', size: 4, role: 'hidden', soma: { f: 'relu' } },
    { name: 'out', size: 3, role: 'output', soma: { f: 'kwta', k: 1 } },
  ],
  projections: [
    { from: 'in', to: 'wta', connect: { kind: 'full' }, init: { min: 0, max: 0.5 } },
    { from: 'in', to: 'soft', connect: { kind: 'prob', p: 0.6 }, init: { min: 0, max: 0.5 } },
    { from: 'wta', to: 'soft', connect: { kind: 'full' }, init: { min: 0, max: 0.4 } },
    { from: 'soft', to: 'r', connect: { kind: 'full' }, init: { min: 0, max: 1 } },
    { from: 'r', to: 'out', connect: { kind: 'full' }, init: { min: 0, max: 0.6 } },
  ],
};

/**
 * k-WTA ties: in each organism two triples of neurons with identical inputs and weights (equal z
 * within a triple), k = 4 over the six: ties are broken by the lower index.
 */
export function tiesTensor(): SynapseTensor {
  const org = (o: number): OrganismSpec => ({
    neurons: [
      ...Array.from({ length: 3 }, (): NeuronSpec => ({ role: 'input' })),
      ...Array.from({ length: 6 }, (): NeuronSpec => ({ soma: 'kwta', k: 4, type: 1, etaTheta: 0.01, target: 0.3 })),
    ],
    synapses: [3, 4, 5, 6, 7, 8].flatMap((post) => [0, 1, 2].map((pre) => ({ pre, post, w: (post < 6 ? 0.2 : 0.3) + 0.1 * pre + 0.05 * o }))),
  });
  return fromLists([org(0), org(1)]);
}

/** Exercises rule terms (BCM-like sliding threshold) and a nonlinear segment. */
export const bcmLike: RuleDef = {
  name: 'bcm-like',
  params: { eta: { default: 0.02 }, tau: { default: 0.1 } },
  terms: { thetaM: { init: 0.1, update: 'thetaM + tau * (post * post - thetaM)' } },
  update: 'eta * pre * post * (post - thetaM) / fanin',
  segment: 'v > 0.2 ? tanh(v) : 0.5 * v',
};

/**
 * For long runs across backends: k-WTA is discontinuous, so f32 differences may flip a near-tie.
 * Here the winners are fixed by biases 0.5 apart (the 3 largest of 6), while the inputs add at
 * most 8 × wMax (0.05) = 0.4; a softmax layer of 5 reads the k-WTA layer. 2 organisms.
 */
export function separatedGroupsTensor(seed = 4): SynapseTensor {
  const biases = [1.0, 0, 2.0, 0.5, 1.5, 2.5];
  const org = (o: number): OrganismSpec => ({
    neurons: [
      ...Array.from({ length: 8 }, (): NeuronSpec => ({ role: 'input' })),
      ...biases.map((bias): NeuronSpec => ({ soma: 'kwta', k: 3, type: 1, bias })),
      ...Array.from({ length: 5 }, (): NeuronSpec => ({ soma: 'softmax', gain: 2, type: 2, alpha: 0.7, etaTheta: 0.01, target: 0.2 })),
    ],
    synapses: [
      ...biases.flatMap((_, i) => Array.from({ length: 8 }, (_, pre) => ({ pre, post: 8 + i, w: 0.05 * uniform(seed, 998, o * 1000 + i * 8 + pre) }))),
      ...Array.from({ length: 5 }, (_, i) => biases.map((_, j) => ({ pre: 8 + j, post: 14 + i, w: 0.05 * uniform(seed, 997, o * 1000 + i * 8 + j) }))).flat(),
    ],
  });
  return fromLists([org(0), org(1)]);
}

/** The segment nonlinearity reads the segment's projection sign (mixedSpec: 0 = Dale, or +1). */
export const signedSegment: RuleDef = { ...bcmLike, name: 'signed-segment', segment: 'sign > 0 ? 0.5 * v : tanh(v)' };

/** Reads the projection tag in the contribution, the update, a slot and the segment (mixedSpec's tags 0..3). */
export const tagged: RuleDef = {
  name: 'tagged',
  params: { eta: { default: 0.05 } },
  slots: { e: { init: 0.1, update: 'tag == 1 ? 0.9 * e + pre : e' } },
  update: 'tag == 1 ? eta * (pre - w) * post : tag == 3 ? -eta * pre * post : eta * 0.5 * pre * post',
  contribution: 'tag == 1 ? -(pre - w) * (pre - w) + 0.1 * e : sign * w * pre',
  segment: 'tag == 3 ? 0.5 * v : tag == 1 ? v + 1 : v',
};

export const defaultPlasticity: PlasticityOptions = { wMin: 0, wMax: 1, normalize: 'none', normalizeTarget: 1 };

/** Deterministic inputs in [0, 1) (counter-based, like everything random in sim/). */
export function samples(T: number, nIn: number, seed = 1): Float32Array {
  const x = new Float32Array(T * nIn);
  for (let i = 0; i < x.length; i++) x[i] = uniform(seed, 999, i);
  return x;
}

/** ‖out − ref‖ / ‖ref‖ (absolute norm when ref is zero). */
export function relErr(out: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (out.length !== ref.length) throw new Error(`length ${out.length} vs ${ref.length}`);
  let d = 0;
  let r = 0;
  for (let i = 0; i < ref.length; i++) {
    d += (out[i] - ref[i]) ** 2;
    r += ref[i] ** 2;
  }
  return r > 0 ? Math.sqrt(d / r) : Math.sqrt(d);
}

export type BackendKind = 'cpu' | 'cpu2' | 'webgpu';
export function createBackend(kind: BackendKind, init: BackendInit): Promise<Backend> {
  if (kind === 'webgpu') return createWebgpuBackend(init);
  return createCpuBackend({ ...init, threads: kind === 'cpu2' ? 2 : 1 });
}
