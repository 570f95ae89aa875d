// The synapse tensor (SPEC §2): a population of organisms stored flat, structure-of-arrays,
// sorted by (organism, post neuron, segment). CSR twice: neuron -> segments, segment -> synapses.

export const ROLE = { input: 0, hidden: 1, output: 2 } as const;
export type RoleName = keyof typeof ROLE;

/**
 * Soma nonlinearity f in a ← (1−α)a + α f(u − θ). Codes are stored per neuron. kwta and softmax
 * are group somas: f of a neuron depends on z = u − θ of every neuron of its group (groupStart).
 */
export const SOMA = { relu: 0, clamp01: 1, sigmoid: 2, linear: 3, kwta: 4, softmax: 5 } as const;
export type SomaName = keyof typeof SOMA;
export const isGroupSoma = (code: number): boolean => code === SOMA.kwta || code === SOMA.softmax;

export interface SynapseTensor {
  organisms: number;
  /** Global neuron offset of each organism, length organisms+1. */
  orgNeuronStart: Uint32Array;
  /** Global synapse offset of each organism, length organisms+1. */
  orgSynStart: Uint32Array;

  // ---- per neuron (global index n), length N
  org: Uint32Array;
  role: Uint8Array;
  /** Neuron type id (index into the config's types). */
  type: Uint8Array;
  /** +1 excitatory, −1 inhibitory (Dale's law): applied to every outgoing synapse. */
  sign: Float32Array;
  /** For input neurons: which component of the sample it is clamped to; −1 otherwise. */
  inputIndex: Int32Array;
  soma: Uint8Array;
  gain: Float32Array;
  /** kwta: how many neurons of the group stay active (the same for the whole group); 0 otherwise. */
  k: Uint32Array;
  /** α: 1 = no memory of the previous activity. */
  alpha: Float32Array;
  bias: Float32Array;
  theta: Float32Array;
  /** Homeostasis θ ← θ + ηθ (a − target); ηθ = 0 disables it. */
  etaTheta: Float32Array;
  target: Float32Array;
  /** Initial activity. */
  a0: Float32Array;
  /** x, y, z per neuron. */
  pos: Float32Array;
  /** CSR: segments of neuron n are segStartOfNeuron[n] .. segStartOfNeuron[n+1]. Length N+1. */
  neuronSegStart: Uint32Array;

  // ---- per group of a group soma (kwta, softmax): a maximal run of consecutive neurons of one
  // organism with the same type and the same group soma (fromLayers: one layer of one organism)
  /** First neuron of each group. */
  groupStart: Uint32Array;
  /** One past the last neuron of each group. */
  groupEnd: Uint32Array;

  // ---- per segment (global index g), length G
  /** CSR: synapses of segment g are segSynStart[g] .. segSynStart[g+1]. Length G+1. */
  segSynStart: Uint32Array;
  /** 0: use the presynaptic neuron's sign (Dale); ±1: the projection's own sign. */
  segSign: Float32Array;
  /** 1 if the rule updates this segment's synapses. */
  segPlastic: Uint8Array;
  /** The projection's tag (integer 0..255, default 0): rules read it as `tag` to treat projections differently. */
  segTag: Float32Array;

  // ---- per synapse (global index s), length S
  /** Presynaptic neuron index within the organism. */
  pre: Uint32Array;
  w: Float32Array;
}

export function neuronCount(t: SynapseTensor): number {
  return t.role.length;
}
export function segmentCount(t: SynapseTensor): number {
  return t.segSign.length;
}
export function synapseCount(t: SynapseTensor): number {
  return t.w.length;
}
/** Number of input neurons of organism 0 (all organisms see the same sample). */
export function inputSize(t: SynapseTensor): number {
  let m = 0;
  const end = t.orgNeuronStart[1];
  for (let n = 0; n < end; n++) m = Math.max(m, t.inputIndex[n] + 1);
  return m;
}
/** True when every sign that a contribution can use is +1: kernels may skip the sign lookup. */
export function allExcitatory(t: SynapseTensor): boolean {
  return t.sign.every((s) => s === 1) && t.segSign.every((s) => s === 0 || s === 1);
}

/** True when some neuron has a group soma (kwta, softmax): backends add a group phase per step. */
export function hasGroups(t: SynapseTensor): boolean {
  return t.groupStart.length > 0;
}

/** The groups of the group-soma neurons (see SynapseTensor.groupStart), from org, type and soma. */
export function findGroups(t: Pick<SynapseTensor, 'org' | 'type' | 'soma'>): { groupStart: Uint32Array; groupEnd: Uint32Array } {
  const start: number[] = [];
  const end: number[] = [];
  for (let n = 0; n < t.soma.length; n++) {
    if (!isGroupSoma(t.soma[n])) continue;
    const q = start.length - 1;
    if (q >= 0 && end[q] === n && t.org[n - 1] === t.org[n] && t.type[n - 1] === t.type[n] && t.soma[n - 1] === t.soma[n]) end[q] = n + 1;
    else {
      start.push(n);
      end.push(n + 1);
    }
  }
  return { groupStart: Uint32Array.from(start), groupEnd: Uint32Array.from(end) };
}

/** Bytes held by the tensor's arrays (rule state slots are added by the backend that allocates them). */
export function tensorBytes(t: SynapseTensor): number {
  let b = 0;
  for (const v of Object.values(t)) if (ArrayBuffer.isView(v)) b += v.byteLength;
  return b;
}

/** The sizes that determine every array of a tensor. */
export interface TensorCounts {
  organisms: number;
  /** Neurons. */
  N: number;
  /** Segments. */
  G: number;
  /** Synapses. */
  S: number;
  /** Groups of group-soma neurons. */
  nGroups: number;
}

type ArrayKey = { [K in keyof SynapseTensor]: SynapseTensor[K] extends ArrayBufferView ? K : never }[keyof SynapseTensor];

/**
 * Every array of a tensor, its type and its length: the one definition allocTensor and the memory
 * estimates use (typed so that an array added to SynapseTensor must be added here).
 */
const ARRAYS: { [K in ArrayKey]: [{ new (n: number): SynapseTensor[K]; BYTES_PER_ELEMENT: number }, (c: TensorCounts) => number] } = {
  orgNeuronStart: [Uint32Array, (c) => c.organisms + 1],
  orgSynStart: [Uint32Array, (c) => c.organisms + 1],
  org: [Uint32Array, (c) => c.N],
  role: [Uint8Array, (c) => c.N],
  type: [Uint8Array, (c) => c.N],
  sign: [Float32Array, (c) => c.N],
  inputIndex: [Int32Array, (c) => c.N],
  soma: [Uint8Array, (c) => c.N],
  gain: [Float32Array, (c) => c.N],
  k: [Uint32Array, (c) => c.N],
  alpha: [Float32Array, (c) => c.N],
  bias: [Float32Array, (c) => c.N],
  theta: [Float32Array, (c) => c.N],
  etaTheta: [Float32Array, (c) => c.N],
  target: [Float32Array, (c) => c.N],
  a0: [Float32Array, (c) => c.N],
  pos: [Float32Array, (c) => 3 * c.N],
  neuronSegStart: [Uint32Array, (c) => c.N + 1],
  groupStart: [Uint32Array, (c) => c.nGroups],
  groupEnd: [Uint32Array, (c) => c.nGroups],
  segSynStart: [Uint32Array, (c) => c.G + 1],
  segSign: [Float32Array, (c) => c.G],
  segPlastic: [Uint8Array, (c) => c.G],
  segTag: [Float32Array, (c) => c.G],
  pre: [Uint32Array, (c) => c.S],
  w: [Float32Array, (c) => c.S],
};

/** Offsets and indices are u32 (orgSynStart, segSynStart, pre, ...): no count may exceed this. */
export const MAX_COUNT = 2 ** 32 - 1;

/** Zeroed arrays for a tensor of these counts. */
export function allocTensor(c: TensorCounts): SynapseTensor {
  const t: Record<string, unknown> = { organisms: c.organisms };
  for (const [name, [C, len]] of Object.entries(ARRAYS)) t[name] = new C(len(c));
  return t as unknown as SynapseTensor;
}

/** tensorBytes of a tensor of these counts, before building it. */
export function tensorBytesFor(c: TensorCounts): number {
  let b = 0;
  for (const [C, len] of Object.values(ARRAYS)) b += len(c) * C.BYTES_PER_ELEMENT;
  return b;
}

/** Per-tensor sanity: CSR monotone, indices in range, signs valid. Throws with the first problem. */
export function checkTensor(t: SynapseTensor): void {
  const N = neuronCount(t);
  const G = segmentCount(t);
  const S = synapseCount(t);
  const fail = (m: string) => {
    throw new Error(`invalid synapse tensor: ${m}`);
  };
  if (t.orgNeuronStart.length !== t.organisms + 1 || t.orgNeuronStart[t.organisms] !== N) fail('orgNeuronStart');
  if (t.orgSynStart.length !== t.organisms + 1 || t.orgSynStart[t.organisms] !== S) fail('orgSynStart');
  if (t.neuronSegStart.length !== N + 1 || t.neuronSegStart[N] !== G) fail('neuronSegStart');
  if (t.segSynStart.length !== G + 1 || t.segSynStart[G] !== S) fail('segSynStart');
  for (let n = 0; n < N; n++) if (t.neuronSegStart[n + 1] < t.neuronSegStart[n]) fail(`neuronSegStart not monotone at ${n}`);
  for (let g = 0; g < G; g++) if (t.segSynStart[g + 1] < t.segSynStart[g]) fail(`segSynStart not monotone at ${g}`);
  for (let o = 0; o < t.organisms; o++) {
    const size = t.orgNeuronStart[o + 1] - t.orgNeuronStart[o];
    const s0 = t.segSynStart[t.neuronSegStart[t.orgNeuronStart[o]]];
    const s1 = t.segSynStart[t.neuronSegStart[t.orgNeuronStart[o + 1]]];
    if (s0 !== t.orgSynStart[o] || s1 !== t.orgSynStart[o + 1]) fail(`orgSynStart of organism ${o}`);
    for (let s = s0; s < s1; s++) if (t.pre[s] >= size) fail(`synapse ${s}: pre ${t.pre[s]} outside organism ${o} (${size} neurons)`);
  }
  if (t.segTag.length !== G) fail('segTag');
  for (let g = 0; g < G; g++) if (!(Number.isInteger(t.segTag[g]) && t.segTag[g] >= 0 && t.segTag[g] <= 255)) fail(`segment ${g}: tag ${t.segTag[g]} (integer 0..255)`);
  for (let n = 0; n < N; n++) {
    if (t.sign[n] !== 1 && t.sign[n] !== -1) fail(`neuron ${n}: sign ${t.sign[n]}`);
    if (t.role[n] === ROLE.input && t.inputIndex[n] < 0) fail(`input neuron ${n} has no input index`);
    if (t.soma[n] > SOMA.softmax) fail(`neuron ${n}: soma code ${t.soma[n]}`);
    if (isGroupSoma(t.soma[n]) && t.role[n] === ROLE.input) fail(`input neuron ${n} has a group soma`);
  }
  const want = findGroups(t);
  const same = (a: Uint32Array, b: Uint32Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(t.groupStart, want.groupStart) || !same(t.groupEnd, want.groupEnd)) fail('groupStart/groupEnd do not match the group somas (see findGroups)');
  for (let q = 0; q < t.groupStart.length; q++) {
    const n0 = t.groupStart[q];
    const size = t.groupEnd[q] - n0;
    for (let n = n0; n < t.groupEnd[q]; n++) {
      if (t.soma[n0] === SOMA.kwta && (t.k[n] !== t.k[n0] || t.k[n] < 1 || t.k[n] > size)) fail(`neuron ${n}: kwta k ${t.k[n]} (group of ${size} from neuron ${n0}, k ${t.k[n0]}): k must be 1..${size} and the same in the group`);
    }
  }
}
