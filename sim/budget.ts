// Memory a network needs on each backend, from its counts alone: computed before anything is built
// or allocated, with the formulas the tensor (tensor.ts), the cpu memory (cpu/layout.ts) and the
// webgpu buffers (webgpu/backend.ts) allocate by, so an estimate cannot drift from what they take.
import os from 'node:os';
import type { BackendName } from './backend.ts';
import { layoutBytes, MAX_BYTES, type Sizes, tooLarge } from './cpu/layout.ts';
import { MAX_COUNT, tensorBytesFor, type TensorCounts } from './tensor.ts';
import { wsLength } from './webgpu/backend.ts';

/** Everything the memory of a network on a backend depends on. */
export type NetworkSizes = TensorCounts & Sizes;

/** Share of the machine's memory a run may plan to use: the rest is Node, the OS and other processes. */
export const MACHINE_SHARE = 0.8;

/** Bytes a run may plan to use on this machine. */
export function machineBytes(): number {
  return MACHINE_SHARE * os.totalmem();
}

export function describeMachine(): string {
  return `this machine's ${formatBytes(machineBytes())} (${MACHINE_SHARE * 100}% of its ${formatBytes(os.totalmem())})`;
}

/**
 * The largest storage binding Dawn can offer on Vulkan (maxStorageBufferRange is a 32-bit byte
 * count), rounded down to whole f32s. The backend checks the device's own, maybe smaller, limits.
 */
export const WEBGPU_MAX_BINDING = 2 ** 32 - 4;

export function formatBytes(b: number): string {
  if (b < 2 ** 20) return `${(b / 2 ** 10).toFixed(1)} KiB`;
  if (b < 2 ** 30) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  return `${(b / 2 ** 30).toFixed(2)} GiB`;
}

export interface BackendNeed {
  backend: BackendName;
  /** Host bytes: the tensor, the backend's memory or its host copies, one state and one recording read back. */
  host: number;
  /** The part of `host` that is the recording (grows with its capacity). */
  recording: number;
  /** What the backend holds against its own limit. */
  device: { what: string; bytes: number; limit: number };
  /** The backend's limits the network breaks (the machine's memory is checked by the caller, who adds the rest of a run). */
  over: string[];
}

export function networkNeed(s: NetworkSizes, backend: BackendName): BackendNeed {
  const tensor = tensorBytesFor(s);
  // one NetworkState read back (sim/backend.ts): a, θ, v, w, slots, terms
  const state = 4 * (2 * s.N + s.G + (1 + s.nSlots) * s.S + s.nTerms * s.N);
  const frames = 4 * s.recCapacity * s.N;
  const over: string[] = [];
  const counts = Object.entries({ neurons: s.N, segments: s.G, synapses: s.S }).filter(([, n]) => n > MAX_COUNT);
  if (counts.length) over.push(`${counts.map(([what, n]) => `${n} ${what}`).join(', ')}: above the ${MAX_COUNT} a synapse tensor can index`);
  if (backend === 'cpu') {
    // the ring buffer lives in the memory, and reading it copies it out
    const memory = layoutBytes(s);
    if (memory > MAX_BYTES) over.push(tooLarge(memory));
    return { backend, host: tensor + memory + state + frames, recording: 2 * frames, device: { what: 'WebAssembly memory', bytes: memory, limit: MAX_BYTES }, over };
  }
  const ws = 4 * wsLength(s.S, s.nSlots);
  if (ws > WEBGPU_MAX_BINDING) over.push(`its weights and rule slots need ${formatBytes(ws)} in one storage buffer, above the ${formatBytes(WEBGPU_MAX_BINDING)} a WebGPU binding can hold`);
  // the packed buffers are host copies of the tensor's arrays and the slots; a recording is staged, then copied
  return { backend, host: 2 * tensor + 4 * s.nSlots * s.S + state + 2 * frames, recording: 2 * frames, device: { what: "storage buffer 'ws'", bytes: ws, limit: WEBGPU_MAX_BINDING }, over };
}
