// Memory-bandwidth probe for the roofline share (SPEC §10). The pattern mirrors a sparse
// step's weight pass: per element read a u32 index and an f32 weight, write the weight back
// (8 B read + 4 B written). Each worker streams its own slice of one shared buffer; a
// WebAssembly SIMD kernel and a plain typed-array loop are both timed and the higher wins.
import os from 'node:os';
import { Worker } from 'node:worker_threads';

export interface BandwidthOptions {
  /** worker threads (default os.availableParallelism()) */
  threads?: number;
  /** total buffer size in bytes, split evenly across threads (default 256 MiB) */
  bytes?: number;
  /** time budget per method in seconds; at least 3 repetitions run regardless (default 1) */
  seconds?: number;
}

export interface BandwidthResult {
  /** best aggregate bytes read + written per second, in GB/s (1e9 B/s) */
  gbs: number;
  threads: number;
  method: string;
}

// tsconfig's lib (ES2022, no DOM) has no WebAssembly types; declare the one constructor used.
interface SharedWasmMemory { readonly buffer: SharedArrayBuffer }
const WasmMemory = (globalThis as unknown as {
  WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: true }) => SharedWasmMemory };
}).WebAssembly.Memory;

const PAGE = 65536;
const CHUNK = 64; // one unrolled SIMD iteration: 4 × v128 of index and of weight

let kernelBytes: Uint8Array | undefined;

/**
 * Binary of the kernel module (imports a shared `env.memory`), exporting
 * `fused(idx, w, nbytes) -> i32`: acc += idx[i] (i32x4), w[i] = w[i]*0.5 + 0.25 over nbytes
 * of each array; nbytes must be a multiple of 64. Exported so tests can check the byte count.
 */
export async function bandwidthKernel(): Promise<Uint8Array> {
  if (kernelBytes) return kernelBytes;
  const binaryen = (await import('binaryen')).default;
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.All);
  // Shared memory must declare a maximum; 65536 pages (4 GiB) accepts any provided size.
  m.setMemory(1, 65536, null, [], true, false, '0');
  m.addMemoryImport('0', 'env', 'memory', true);
  const { i32, v128 } = binaryen;
  // params: 0 idx ptr, 1 w ptr, 2 nbytes; locals: 3 end, 4 acc, 5 half, 6 quarter
  const get = (i: number, t: number) => m.local.get(i, t);
  const body: number[] = [];
  for (let k = 0; k < CHUNK / 16; k++) {
    const off = k * 16;
    body.push(m.local.set(4, m.i32x4.add(get(4, v128), m.v128.load(off, 16, get(0, i32), '0'))));
    body.push(
      m.v128.store(off, 16, get(1, i32),
        m.f32x4.add(m.f32x4.mul(m.v128.load(off, 16, get(1, i32), '0'), get(5, v128)), get(6, v128)), '0'),
    );
  }
  body.push(m.local.set(0, m.i32.add(get(0, i32), m.i32.const(CHUNK))));
  body.push(m.local.set(1, m.i32.add(get(1, i32), m.i32.const(CHUNK))));
  body.push(m.br_if('L', m.i32.lt_u(get(0, i32), get(3, i32))));
  // The weights converge to 0.5 under w*0.5+0.25, so no denormal slow path is ever hit.
  const fn = m.block(null, [
    m.local.set(3, m.i32.add(get(0, i32), get(2, i32))),
    m.local.set(5, m.f32x4.splat(m.f32.const(0.5))),
    m.local.set(6, m.f32x4.splat(m.f32.const(0.25))),
    m.if(m.i32.lt_u(get(0, i32), get(3, i32)), m.loop('L', m.block(null, body))),
    m.return(m.i32.add(m.i32x4.extract_lane(get(4, v128), 0), m.i32x4.extract_lane(get(4, v128), 3))),
  ], i32);
  m.addFunction('fused', binaryen.createType([i32, i32, i32]), i32, [i32, v128, v128, v128], fn);
  m.addFunctionExport('fused', 'fused');
  if (!m.validate()) throw new Error('bandwidth kernel failed validation');
  kernelBytes = m.emitBinary();
  m.dispose();
  return kernelBytes;
}

// Control words in a small shared Int32Array: [generation, done count, method, sink].
const WORKER_SRC = `
const { workerData, parentPort } = require('node:worker_threads');
const { memory, ctl: ctlBuf, kernel, base, len } = workerData;
const ctl = new Int32Array(ctlBuf);
const fused = new WebAssembly.Instance(new WebAssembly.Module(kernel), { env: { memory } }).exports.fused;
const half = len / 2;
const idx = new Uint32Array(memory.buffer, base, half / 4);
const w = new Float32Array(memory.buffer, base + half, half / 4);
for (let i = 0; i < idx.length; i++) { idx[i] = i; w[i] = 0.5; } // touch every page before timing
function jsPass() {
  let acc = 0;
  for (let i = 0, n = idx.length; i < n; i++) { acc = (acc + idx[i]) | 0; w[i] = w[i] * 0.5 + 0.25; }
  return acc;
}
parentPort.postMessage('ready');
let gen = 0;
for (;;) {
  Atomics.wait(ctl, 0, gen);
  gen = Atomics.load(ctl, 0);
  const method = Atomics.load(ctl, 2);
  if (method === 0) break;
  const r = method === 1 ? fused(base, base + half, half) : jsPass();
  Atomics.store(ctl, 3, r); // keeps the result observable
  Atomics.add(ctl, 1, 1);
  Atomics.notify(ctl, 1);
}
`;

const METHODS = [
  { code: 1, name: 'wasm-simd' },
  { code: 2, name: 'js-typed-array' },
] as const;

export async function measureBandwidth(opts: BandwidthOptions = {}): Promise<BandwidthResult> {
  const threads = Math.max(1, Math.floor(opts.threads ?? os.availableParallelism()));
  const seconds = opts.seconds ?? 1;
  // Each slice is a whole number of kernel chunks for both halves (index, weight).
  const unit = 2 * CHUNK;
  const slice = Math.max(unit, Math.floor((opts.bytes ?? 256 * 1024 * 1024) / threads / unit) * unit);
  const total = slice * threads;
  const pages = Math.ceil(total / PAGE);
  const memory = new WasmMemory({ initial: pages, maximum: pages, shared: true });
  const ctlBuf = new SharedArrayBuffer(16);
  const ctl = new Int32Array(ctlBuf);
  const kernel = await bandwidthKernel();

  const workers: Worker[] = [];
  try {
    const ready: Promise<void>[] = [];
    for (let t = 0; t < threads; t++) {
      const wk = new Worker(WORKER_SRC, {
        eval: true,
        workerData: { memory, ctl: ctlBuf, kernel, base: t * slice, len: slice },
      });
      workers.push(wk);
      ready.push(
        new Promise((resolve, reject) => {
          wk.once('message', () => resolve());
          wk.once('error', reject);
        }),
      );
    }
    await Promise.all(ready);

    // Blocking Atomics.wait on the main thread is fine here: nothing else must run meanwhile.
    const pass = (method: number): number => {
      Atomics.store(ctl, 1, 0);
      Atomics.store(ctl, 2, method);
      const t0 = performance.now();
      Atomics.add(ctl, 0, 1);
      Atomics.notify(ctl, 0);
      for (let d = Atomics.load(ctl, 1); d < threads; d = Atomics.load(ctl, 1)) Atomics.wait(ctl, 1, d);
      return (performance.now() - t0) / 1000;
    };

    const moved = total * 1.5; // per element: 4 B index + 4 B weight read, 4 B weight written
    let best = { gbs: 0, method: '' };
    const all: string[] = [];
    for (const { code, name } of METHODS) {
      pass(code); // warm-up (tier-up, page faults)
      let bestTime = Infinity;
      const start = performance.now();
      for (let rep = 0; rep < 3 || (performance.now() - start) / 1000 < seconds; rep++) {
        bestTime = Math.min(bestTime, pass(code));
      }
      const gbs = moved / bestTime / 1e9;
      all.push(`${name} ${gbs.toFixed(1)}`);
      if (gbs > best.gbs) best = { gbs, method: name };
    }
    return {
      gbs: best.gbs,
      threads,
      method: `${best.method}: read u32 index + f32 weight, write f32 weight (12 B/element), ` +
        `${(total / 2 ** 20).toFixed(0)} MiB, best repetition (GB/s: ${all.join(', ')})`,
    };
  } finally {
    Atomics.store(ctl, 2, 0);
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
