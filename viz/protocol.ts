// What the run directories' layout files and the live WebSocket carry, shared by the server
// (Node) and the app (browser). Imports nothing.

/** `network.json` (simulation runs) or `best-organism.json` (evolution runs): where each neuron is and who feeds it. */
export interface NetworkLayout {
  format: 'springtail-layout/1';
  neurons: number;
  organisms: number;
  /** Contiguous neuron ranges, one per layer (or evolved type) of each organism, in neuron order. */
  groups: LayoutGroup[];
  /** Synapses of the whole network (also when the synapse files were left out). */
  synapses: number;
  /** Which weights the synapse files hold. */
  weights: 'initial' | 'final';
  /** File names relative to the run directory. */
  files: {
    /** neurons × 3 float32: x, y, z. */
    pos: string;
    /** neurons + 1 uint32: the incoming synapses of neuron n are incomingStart[n] .. incomingStart[n+1]. */
    incomingStart?: string;
    /** synapses uint32: global index of each synapse's presynaptic neuron. */
    pre?: string;
    /** synapses float32: signed effective weight (Dale's sign applied). */
    w?: string;
  };
  /** Why the synapse files are absent (too many synapses), when they are. */
  omitted?: string;
}

export interface LayoutGroup {
  name: string;
  organism: number;
  role: 'input' | 'hidden' | 'output';
  start: number;
  count: number;
}

/** `recording.json` of a simulation run. */
export interface RecordingInfo {
  neurons: number;
  frames: number;
  /** Global step after which each frame was taken. */
  steps: number[];
  file: string;
  dtype: 'float32';
  layout: 'frames x neurons';
}

// ---- live stream (WebSocket, binary messages server → client)
// header: u32 magic, u32 step, u32 neurons, u32 dtype, f32 lo, f32 hi; then neurons u8 (value =
// lo + (hi − lo)·b/255) or neurons f32 (lo, hi: the frame's range). Little-endian.
export const FRAME_MAGIC = 0x31465453; // 'STF1'
export const FRAME_HEADER_BYTES = 24;
export const DTYPE = { u8: 0, f32: 1 } as const;
export type FrameDtype = keyof typeof DTYPE;

export interface LiveFrame {
  step: number;
  activity: Float32Array;
}

export function encodeFrame(step: number, a: Float32Array, dtype: FrameDtype): Uint8Array {
  const n = a.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = a[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (!(lo <= hi)) lo = hi = 0; // empty or all non-finite
  const bytes = new Uint8Array(FRAME_HEADER_BYTES + (dtype === 'u8' ? n : 4 * n));
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, FRAME_MAGIC, true);
  dv.setUint32(4, step >>> 0, true);
  dv.setUint32(8, n, true);
  dv.setUint32(12, DTYPE[dtype], true);
  dv.setFloat32(16, lo, true);
  dv.setFloat32(20, hi, true);
  if (dtype === 'f32') new Float32Array(bytes.buffer, FRAME_HEADER_BYTES, n).set(a);
  else {
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    for (let i = 0; i < n; i++) bytes[FRAME_HEADER_BYTES + i] = Math.round((a[i] - lo) * scale);
  }
  return bytes;
}

/** A received binary message → frame, or a reason it is not one. */
export function decodeFrame(buf: ArrayBuffer): LiveFrame | string {
  if (buf.byteLength < FRAME_HEADER_BYTES) return `frame of ${buf.byteLength} bytes is shorter than its ${FRAME_HEADER_BYTES}-byte header`;
  const dv = new DataView(buf);
  if (dv.getUint32(0, true) !== FRAME_MAGIC) return 'not a springtail frame (bad magic)';
  const step = dv.getUint32(4, true);
  const n = dv.getUint32(8, true);
  const dtype = dv.getUint32(12, true);
  const lo = dv.getFloat32(16, true);
  const hi = dv.getFloat32(20, true);
  const want = FRAME_HEADER_BYTES + (dtype === DTYPE.u8 ? n : 4 * n);
  if (dtype !== DTYPE.u8 && dtype !== DTYPE.f32) return `unknown dtype ${dtype}`;
  if (buf.byteLength !== want) return `frame of ${n} neurons should be ${want} bytes, got ${buf.byteLength}`;
  const activity = new Float32Array(n);
  if (dtype === DTYPE.f32) activity.set(new Float32Array(buf.slice(FRAME_HEADER_BYTES)));
  else {
    const b = new Uint8Array(buf, FRAME_HEADER_BYTES, n);
    const s = (hi - lo) / 255;
    for (let i = 0; i < n; i++) activity[i] = lo + b[i] * s;
  }
  return { step, activity };
}

/** Text messages server → client (JSON). */
export type LiveMessage =
  | { type: 'hello'; run: string; layout: string; steps: number; every: number; dtype: FrameDtype }
  | { type: 'end'; steps: number; diverged: boolean };

/** The largest client → server message the live server reads; longer ones are dropped. */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;
