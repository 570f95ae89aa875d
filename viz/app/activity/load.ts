// Reads a run's layout (NetworkLayout + its binary files) and recording, checking every size
// against what the JSON says, so a truncated or mismatched file is named instead of drawn wrong.
import type { DataSource } from '../data.ts';
import type { NetworkLayout, RecordingInfo } from '../../protocol.ts';
import { spreadOrganisms } from './spread.ts';

export interface Synapses {
  /** neurons + 1: neuron n's incoming synapses are start[n] .. start[n+1]. */
  start: Uint32Array;
  /** Global presynaptic index of each synapse. */
  pre: Uint32Array;
  /** Signed weight of each synapse. */
  w: Float32Array;
}

export interface Network {
  layout: NetworkLayout;
  /** neurons × 3, each organism moved to its own place (spread.ts). */
  pos: Float32Array;
  /** Absent when the layout left the synapse files out (layout.omitted says why). */
  synapses?: Synapses;
}

export interface Recording {
  info: RecordingInfo;
  /** frames × neurons. */
  data: Float32Array;
}

class LayoutError extends Error {}

async function typed<T extends Float32Array | Uint32Array>(src: DataSource, path: string, make: (b: ArrayBuffer) => T, length: number, what: string): Promise<T> {
  const buf = await src.bytes(path);
  if (buf.byteLength !== 4 * length) throw new LayoutError(`${src.run}/${path}: ${buf.byteLength} bytes, expected ${4 * length} (${what})`);
  return make(buf);
}

function checkLayout(l: NetworkLayout, where: string): void {
  const fail = (m: string) => {
    throw new LayoutError(`${where}: ${m}`);
  };
  if (l?.format !== 'springtail-layout/1') fail(`format is ${JSON.stringify(l?.format)}, expected "springtail-layout/1"`);
  if (!Number.isInteger(l.neurons) || l.neurons < 1) fail(`neurons is ${JSON.stringify(l.neurons)}, expected a positive integer`);
  if (!Number.isInteger(l.organisms) || l.organisms < 1) fail(`organisms is ${JSON.stringify(l.organisms)}, expected a positive integer`);
  if (!Array.isArray(l.groups) || l.groups.length === 0) fail('groups is empty');
  if (typeof l.files?.pos !== 'string') fail('files.pos is missing');
  let next = 0;
  l.groups.forEach((g, k) => {
    if (g.start !== next || !Number.isInteger(g.count) || g.count < 1) fail(`groups[${k}] (${g.name}) covers ${g.start}+${g.count}, expected to start at ${next} with a positive count`);
    if (!Number.isInteger(g.organism) || g.organism < 0 || g.organism >= l.organisms) fail(`groups[${k}] (${g.name}) belongs to organism ${JSON.stringify(g.organism)}, the layout has ${l.organisms}`);
    next = g.start + g.count;
  });
  if (next !== l.neurons) fail(`groups cover ${next} neurons, the layout has ${l.neurons}`);
}

export async function loadNetwork(src: DataSource, path: string): Promise<Network> {
  const layout = await src.json<NetworkLayout>(path);
  checkLayout(layout, `${src.run}/${path}`);
  const N = layout.neurons;
  const pos = await typed(src, layout.files.pos, (b) => new Float32Array(b), 3 * N, `${N} neurons × 3 float32`);
  spreadOrganisms(layout, pos);
  const f = layout.files;
  if (!f.incomingStart || !f.pre || !f.w) return { layout, pos };
  const start = await typed(src, f.incomingStart, (b) => new Uint32Array(b), N + 1, `${N} + 1 uint32`);
  const S = start[N];
  if (S !== layout.synapses) throw new LayoutError(`${src.run}/${f.incomingStart}: ends at ${S} synapses, ${path} says ${layout.synapses}`);
  for (let n = 0; n < N; n++) if (start[n] > start[n + 1]) throw new LayoutError(`${src.run}/${f.incomingStart}: decreases at neuron ${n}`);
  const pre = await typed(src, f.pre, (b) => new Uint32Array(b), S, `${S} uint32`);
  for (let s = 0; s < S; s++) if (pre[s] >= N) throw new LayoutError(`${src.run}/${f.pre}: synapse ${s} comes from neuron ${pre[s]}, the layout has ${N}`);
  const w = await typed(src, f.w, (b) => new Float32Array(b), S, `${S} float32`);
  return { layout, pos, synapses: { start, pre, w } };
}

export async function loadRecording(src: DataSource, path: string, neurons: number): Promise<Recording> {
  const info = await src.json<RecordingInfo>(path);
  const where = `${src.run}/${path}`;
  if (info.neurons !== neurons) throw new LayoutError(`${where}: ${info.neurons} neurons, the layout has ${neurons}`);
  if (info.dtype !== 'float32' || info.layout !== 'frames x neurons') throw new LayoutError(`${where}: ${info.dtype} ${info.layout}, expected float32 frames x neurons`);
  if (!Array.isArray(info.steps) || info.steps.length !== info.frames) throw new LayoutError(`${where}: ${info.steps?.length} steps for ${info.frames} frames`);
  const data = await typed(src, info.file, (b) => new Float32Array(b), info.frames * neurons, `${info.frames} frames × ${neurons} float32`);
  return { info, data };
}
