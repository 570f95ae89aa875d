// Small networks and helpers shared by the parity and webgpu suites.
import type { Backend, BackendInit, PlasticityOptions } from '../../sim/backend.ts';
import { fromLayers, type LayersSpec } from '../../sim/build.ts';
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
    { from: 'in', to: 'e', connect: { kind: 'prob', p: 0.7 }, init: { min: 0, max: 0.5 } },
    { from: 'i', to: 'e', connect: { kind: 'full' }, init: { min: 0, max: 0.3 }, segment: 1, plastic: false },
    { from: 'e', to: 'i', connect: { kind: 'fanIn', k: 3 }, init: { min: 0, max: 0.5 } },
    { from: 'e', to: 'out', connect: { kind: 'full' }, init: { min: 0, max: 0.4 } },
    // a projection with its own sign (+1) from inhibitory neurons
    { from: 'i', to: 'out', connect: { kind: 'full' }, init: { min: 0, max: 0.2 }, segment: 1, sign: 1 },
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

/** Exercises rule terms (BCM-like sliding threshold) and a nonlinear segment. */
export const bcmLike: RuleDef = {
  name: 'bcm-like',
  params: { eta: { default: 0.02 }, tau: { default: 0.1 } },
  terms: { thetaM: { init: 0.1, update: 'thetaM + tau * (post * post - thetaM)' } },
  update: 'eta * pre * post * (post - thetaM) / fanin',
  segment: 'v > 0.2 ? tanh(v) : 0.5 * v',
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
