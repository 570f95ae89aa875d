// Placement of every cpu array in one shared WebAssembly memory, so the WebAssembly synapse
// kernel and the JS neuron phase in every worker thread see the same bytes without copies.
import { BackendUnavailable, type BackendInit } from '../backend.ts';
import type { CompiledRule } from '../compiler/compile.ts';
import { inputSize, neuronCount, segmentCount, synapseCount, type SynapseTensor } from '../tensor.ts';

export interface Layout {
  N: number;
  G: number;
  S: number;
  nIn: number;
  nSlots: number;
  nTerms: number;
  /** Groups of group-soma neurons (kwta, softmax). */
  nGroups: number;
  organisms: number;
  /** Per-organism rule parameters (rule.orgParamNames). */
  nOrgParams: number;
  maxChunk: number;
  recCapacity: number;
  /** Byte offset of each array. */
  off: Record<ArrayName, number>;
  bytes: number;
  pages: number;
}

// name → element count as a function of the sizes
const ARRAYS = {
  /** Byte offset of the presynaptic neuron's activity pair, 8·(organism base + pre). */
  pre: (l: Sizes) => l.S,
  w: (l: Sizes) => l.S,
  slots: (l: Sizes) => l.nSlots * l.S,
  segSynStart: (l: Sizes) => l.G + 1,
  segSign: (l: Sizes) => l.G,
  segTag: (l: Sizes) => l.G,
  segPlastic: (l: Sizes) => l.G,
  v: (l: Sizes) => l.G,
  d: (l: Sizes) => l.G,
  neuronSegStart: (l: Sizes) => l.N + 1,
  sign: (l: Sizes) => l.N,
  inputIndex: (l: Sizes) => l.N,
  soma: (l: Sizes) => l.N,
  gain: (l: Sizes) => l.N,
  k: (l: Sizes) => l.N,
  groupStart: (l: Sizes) => l.nGroups,
  groupEnd: (l: Sizes) => l.nGroups,
  alpha: (l: Sizes) => l.N,
  bias: (l: Sizes) => l.N,
  theta: (l: Sizes) => l.N,
  etaTheta: (l: Sizes) => l.N,
  target: (l: Sizes) => l.N,
  u: (l: Sizes) => l.N,
  /** Two buffers of [previous, current] activity pairs, a[b·2N + 2n + k]; steps alternate b. */
  a: (l: Sizes) => 4 * l.N,
  terms: (l: Sizes) => l.nTerms * l.N,
  x: (l: Sizes) => l.maxChunk * l.nIn,
  rec: (l: Sizes) => l.recCapacity * l.N,
  /** Each neuron's organism, only when the rule has per-organism parameters. */
  org: (l: Sizes) => (l.nOrgParams > 0 ? l.N : 0),
  /** Per-organism rule parameters, organism-major: orgParams[o·nOrgParams + k]. */
  orgParams: (l: Sizes) => l.organisms * l.nOrgParams,
};
export type ArrayName = keyof typeof ARRAYS;
/** What the memory's size depends on. */
export type Sizes = Pick<Layout, 'N' | 'G' | 'S' | 'nIn' | 'nSlots' | 'nTerms' | 'nGroups' | 'organisms' | 'nOrgParams' | 'maxChunk' | 'recCapacity'>;
const U32: string[] = ['pre', 'segSynStart', 'neuronSegStart', 'k', 'groupStart', 'groupEnd', 'org'];

const PAGE = 65536;
/** WebAssembly memory32 limit. */
export const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;

/** Each array's byte offset (64-byte aligned) and the bytes of the whole memory. */
function place(sizes: Sizes): { off: Record<ArrayName, number>; bytes: number } {
  const off = {} as Record<ArrayName, number>;
  let at = 64; // keep address 0 unused
  for (const [name, count] of Object.entries(ARRAYS)) {
    off[name as ArrayName] = at;
    at += Math.ceil((count(sizes) * 4) / 64) * 64;
  }
  return { off, bytes: at };
}

/** Bytes of the cpu backend's memory for these sizes, before allocating it (memory estimates). */
export function layoutBytes(sizes: Sizes): number {
  return place(sizes).bytes;
}

/** Why the cpu backend cannot hold a memory of this many bytes. */
export function tooLarge(bytes: number): string {
  return `the network needs ${(bytes / 2 ** 30).toFixed(2)} GiB, above WebAssembly's 4 GiB`;
}

export function makeLayout(t: SynapseTensor, rule: CompiledRule, maxChunk: number, recCapacity: number): Layout {
  const sizes: Sizes = {
    N: neuronCount(t),
    G: segmentCount(t),
    S: synapseCount(t),
    nIn: inputSize(t),
    nSlots: rule.slotNames.length,
    nTerms: rule.termNames.length,
    nGroups: t.groupStart.length,
    organisms: t.organisms,
    nOrgParams: rule.orgParamNames.length,
    maxChunk,
    recCapacity,
  };
  const { off, bytes } = place(sizes);
  // unavailable, not a crash: `auto` may have fallen back to cpu for a network only a GPU holds
  if (bytes > MAX_BYTES) throw new BackendUnavailable(`cpu backend: ${tooLarge(bytes)}`);
  return { ...sizes, off, bytes, pages: Math.ceil(bytes / PAGE) };
}

export type Views = {
  [K in ArrayName]: K extends 'pre' | 'segSynStart' | 'neuronSegStart' | 'k' | 'groupStart' | 'groupEnd' | 'org' ? Uint32Array : K extends 'inputIndex' | 'soma' | 'segPlastic' ? Int32Array : Float32Array;
};

export function views(buf: ArrayBufferLike, l: Layout): Views {
  const sizes = l as Sizes;
  const out = {} as Record<string, Float32Array | Uint32Array | Int32Array>;
  for (const [name, count] of Object.entries(ARRAYS)) {
    const Ctor = U32.includes(name) ? Uint32Array : ['inputIndex', 'soma', 'segPlastic'].includes(name) ? Int32Array : Float32Array;
    out[name] = new Ctor(buf as ArrayBuffer, l.off[name as ArrayName], count(sizes));
  }
  return out as Views;
}

/**
 * Copy the tensor, the rule's initial state (or the given `initial` one) and the per-organism
 * parameters (orgParamValues) into the memory.
 */
export function fill(v: Views, t: SynapseTensor, rule: CompiledRule, l: Layout, initial: BackendInit['initial'] = {}, orgParams: Float32Array = new Float32Array(0)): void {
  v.w.set(t.w);
  if (initial.slots) v.slots.set(initial.slots);
  else rule.slotInit.forEach((x, k) => v.slots.fill(x, k * l.S, (k + 1) * l.S));
  v.segSynStart.set(t.segSynStart);
  v.segSign.set(t.segSign);
  v.segTag.set(t.segTag);
  v.segPlastic.set(t.segPlastic);
  v.neuronSegStart.set(t.neuronSegStart);
  // each synapse's presynaptic neuron as the byte offset of its activity pair (see wasm.ts)
  for (let n = 0; n < l.N; n++) {
    const base = t.orgNeuronStart[t.org[n]];
    for (let s = t.segSynStart[t.neuronSegStart[n]]; s < t.segSynStart[t.neuronSegStart[n + 1]]; s++) v.pre[s] = 8 * (base + t.pre[s]);
  }
  v.sign.set(t.sign);
  v.inputIndex.set(t.inputIndex);
  v.soma.set(t.soma);
  v.gain.set(t.gain);
  v.k.set(t.k);
  v.groupStart.set(t.groupStart);
  v.groupEnd.set(t.groupEnd);
  v.alpha.set(t.alpha);
  v.bias.set(t.bias);
  v.theta.set(t.theta);
  v.etaTheta.set(t.etaTheta);
  v.target.set(t.target);
  if (initial.terms) v.terms.set(initial.terms);
  else rule.termInit.forEach((x, k) => v.terms.fill(x, k * l.N, (k + 1) * l.N));
  if (l.nOrgParams > 0) v.org.set(t.org);
  v.orgParams.set(orgParams);
}
