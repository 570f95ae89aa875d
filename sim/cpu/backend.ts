// The cpu backend: a WebAssembly kernel (synapses and neuron phase of a block of rows) over one
// shared memory; worker threads claim blocks of rows and meet at a barrier per step (then claim
// whole groups of group somas, and meet again). Rows, and groups, are independent within a step, so
// the result is bit-identical for any thread count.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Backend, type BackendInit, type ChunkResult, checkInitial, type NetworkState, orgParamValues, type Recording } from '../backend.ts';
import { allExcitatory, neuronCount, ROLE, synapseCount } from '../tensor.ts';
import { kernelSource } from './kernelSource.ts';
import { fill, type Layout, makeLayout, views, type Views } from './layout.ts';
import { buildRowKernel, MATH_IMPORTS, neuronTraits } from './wasm.ts';

/** Below this many synapses a single thread wins (barrier per step). Measured here, Hebbian, 200-step
 * chunks: 5e4 synapses 3.9e8 synapse-steps/s on 1 thread vs 3.0e8 on 2; 2e5: 4.0e8 vs 6.1e8. */
const THREADS_PAY_ABOVE = 200_000;

interface Kernel {
  run(T: number, t0: number, rot: number, pending: boolean, recEvery: number, recCapacity: number): number;
  flush(t0: number, rot: number): number;
}

const WORKER_SOURCE = `
const { parentPort, workerData: wd } = require('node:worker_threads');
const math = {}; for (const f of wd.mathImports) math[f] = Math[f];
const inst = new WebAssembly.Instance(wd.module, { env: { memory: wd.memory }, math });
const kernel = (0, eval)(wd.source)({ ...wd.env, buf: wd.memory.buffer, row: inst.exports.row, rows: inst.exports.rows, neuron: inst.exports.neuron, groups: inst.exports.groups, ctl: new Int32Array(wd.ctl) });
parentPort.on('message', (m) => {
  const bad = m.cmd === 'run' ? kernel.run(m.T, m.t0, m.rot, m.pending, m.recEvery, m.recCapacity) : kernel.flush(m.t0, m.rot);
  parentPort.postMessage(bad);
});
`;

export async function createCpuBackend(init: BackendInit): Promise<Backend> {
  const { tensor, rule, plasticity } = init;
  const rec = init.record ?? { every: 0, capacity: 0 };
  checkInitial(init, neuronCount(tensor), synapseCount(tensor));
  const orgParams = orgParamValues(init);
  const layout = makeLayout(tensor, rule, init.maxChunk, rec.capacity);
  const memory = new WebAssembly.Memory({ initial: layout.pages, maximum: layout.pages, shared: true });
  const v = views(memory.buffer, layout);
  fill(v, tensor, rule, layout, init.initial, orgParams);
  // rot = 0: buffer 0 holds the current pairs
  const a0 = init.initial?.a ?? tensor.a0;
  for (let n = 0; n < layout.N; n++) v.a[2 * n + 1] = a0[n];

  const wasm = buildRowKernel(rule, layout, { wMin: plasticity.wMin, wMax: plasticity.wMax, uniformSign: allExcitatory(tensor), traits: neuronTraits(tensor) });
  const module = await WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>);
  const source = kernelSource(rule, plasticity, layout.nGroups > 0);
  const threads = Math.max(1, Math.min(init.threads ?? (layout.S >= THREADS_PAY_ABOVE ? os.availableParallelism() : 1), layout.N));
  const ranges = splitRows(tensor.segSynStart, tensor.neuronSegStart, threads);
  const ctl = new SharedArrayBuffer(64);
  const envBase = { off: layout.off, N: layout.N, G: layout.G, S: layout.S, nGroups: layout.nGroups, organisms: layout.organisms, workers: threads, recCapacity: layout.recCapacity };

  let main: Kernel | null = null;
  const workers: Worker[] = [];
  if (threads === 1) {
    const math = Object.fromEntries(MATH_IMPORTS.map((f) => [f, Math[f]]));
    const inst = await WebAssembly.instantiate(module, { env: { memory }, math });
    main = (0, eval)(source)({ ...envBase, buf: memory.buffer, row: inst.exports.row, rows: inst.exports.rows, neuron: inst.exports.neuron, groups: inst.exports.groups, ctl: new Int32Array(ctl), r0: 0, r1: layout.N }) as Kernel;
  } else {
    for (const [r0, r1] of ranges) {
      workers.push(
        new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { module, memory, ctl, source, mathImports: MATH_IMPORTS, env: { ...envBase, r0, r1 } },
        }),
      );
    }
  }
  const dispatch = async (msg: Record<string, unknown>): Promise<number> => {
    if (main) return msg.cmd === 'run' ? main.run(msg.T as number, msg.t0 as number, msg.rot as number, msg.pending as boolean, msg.recEvery as number, msg.recCapacity as number) : main.flush(msg.t0 as number, msg.rot as number);
    const bads = await Promise.all(
      workers.map(
        (w) =>
          new Promise<number>((resolve, reject) => {
            const onErr = (e: Error) => reject(e);
            w.once('error', onErr);
            w.once('message', (b: number) => {
              w.off('error', onErr);
              resolve(b);
            });
            w.postMessage(msg);
          }),
      ),
    );
    return minBad(bads);
  };

  const inputNeurons: number[] = [];
  for (let n = 0; n < layout.N; n++) if (tensor.role[n] === ROLE.input) inputNeurons.push(n);
  let t = 0;
  let rot = 0;
  let pending = false;
  // v.a holds [previous, current] pairs in two alternating buffers: the current of the buffer in use
  const activity = () => {
    const cur = (rot % 2) * 2 * layout.N + 1;
    const a = new Float32Array(layout.N);
    for (let n = 0; n < layout.N; n++) a[n] = v.a[cur + 2 * n];
    return a;
  };

  return {
    name: 'cpu',
    device: `${threads} thread${threads > 1 ? 's' : ''} (WebAssembly)`,
    async run(T: number, inputs: Float32Array): Promise<ChunkResult> {
      if (T > layout.maxChunk) throw new Error(`run: ${T} steps exceed maxChunk ${layout.maxChunk}`);
      if (inputs.length !== T * layout.nIn) throw new Error(`run: inputs hold ${inputs.length} values, expected ${T} × ${layout.nIn}`);
      if (T === 0) return { firstBadStep: -1 };
      v.x.set(inputs);
      const cur = (rot % 2) * 2 * layout.N + 1;
      for (const n of inputNeurons) v.a[cur + 2 * n] = inputs[v.inputIndex[n]];
      const bad = await dispatch({ cmd: 'run', T, t0: t, rot, pending, recEvery: rec.every, recCapacity: rec.capacity });
      t += T;
      rot = (rot + T) % 2;
      pending = true;
      return { firstBadStep: bad };
    },
    async readState(): Promise<NetworkState> {
      if (pending) {
        await dispatch({ cmd: 'flush', t0: t, rot });
        pending = false;
      }
      return {
        a: activity(),
        w: v.w.slice(),
        theta: v.theta.slice(),
        v: v.v.slice(),
        slots: v.slots.slice(),
        terms: v.terms.slice(),
      };
    },
    async readActivity(): Promise<Float32Array> {
      return activity();
    },
    async readRecording(): Promise<Recording> {
      return readRing(v, layout, rec.every, rec.capacity, t);
    },
    memoryBytes: () => layout.bytes,
    async dispose() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

function minBad(xs: number[]): number {
  const ok = xs.filter((x) => x >= 0);
  return ok.length ? Math.min(...ok) : -1;
}

/** Contiguous row ranges with about equal synapse counts. */
export function splitRows(segSynStart: Uint32Array, neuronSegStart: Uint32Array, parts: number): [number, number][] {
  const N = neuronSegStart.length - 1;
  const total = segSynStart[neuronSegStart[N]] + N; // +N: rows cost something even without synapses
  const out: [number, number][] = [];
  let r0 = 0;
  for (let k = 1; k <= parts; k++) {
    let r1 = r0;
    const goal = (total * k) / parts;
    while (r1 < N && segSynStart[neuronSegStart[r1 + 1]] + r1 + 1 <= goal) r1++;
    if (k === parts) r1 = N;
    out.push([r0, r1]);
    r0 = r1;
  }
  return out;
}

export function readRing(v: Pick<Views, 'rec'>, l: Pick<Layout, 'N'>, every: number, capacity: number, t: number): Recording {
  if (every <= 0 || capacity <= 0) return { steps: [], frames: new Float32Array(0) };
  const total = Math.floor(t / every);
  const kept = Math.min(total, capacity);
  const steps: number[] = [];
  const frames = new Float32Array(kept * l.N);
  for (let i = 0; i < kept; i++) {
    const k = total - kept + i; // k-th recording (0-based) was taken after step (k+1)*every
    steps.push((k + 1) * every);
    frames.set(v.rec.subarray((k % capacity) * l.N, (k % capacity + 1) * l.N), i * l.N);
  }
  return { steps, frames };
}

