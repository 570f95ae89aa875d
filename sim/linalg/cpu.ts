// Dense Gram / covariance matrix C = XᵀX / n on the cpu, as a binaryen-generated WebAssembly SIMD
// kernel. A plain JS triple loop takes ~5 s at 8,000×784; ml-pca's covariance far longer (SPEC §6).
// Microtile: 4 output rows × 8 output columns held in 8 f32x4 registers over a block of rows, then
// promoted and added into f64 totals (f32 sums of ≤ rowBlock products keep ~1e-6 relative error).
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import binaryen from 'binaryen';
import { emitOptimized, sharedMemoryModule } from '../wasm-module.ts';

export interface GramOptions {
  /** Subtract the column means first: C is then the (biased, /n) covariance of the rows. */
  center?: boolean;
  /** The column means when the caller has them already (with center); computed otherwise. */
  mean?: Float64Array;
  /** Worker threads; default: all cores when the work is large enough to pay for them. */
  threads?: number;
  /** Rows per f32 accumulation block (default 128: the block's columns stay in L2). */
  rowBlock?: number;
  /** Rows copied into wasm memory at once (default: as many as fit in 64 MiB). */
  chunkRows?: number;
}

/**
 * Rows [0, m) of C = XᵀX / n (m × d, row-major), for products against a few vectors (topk.ts).
 * Only entries with j ≥ 8⌊i/8⌋ are computed; the rest are 0.
 */
export async function gramRowsCpu(X: Float32Array, n: number, d: number, m: number): Promise<Float64Array> {
  return gramCore(X, n, d, {}, Math.min(m, d));
}

/** Below this many multiply-adds one thread wins (worker start-up is ~30-50 ms). */
const THREADS_PAY_ABOVE = 2e8;
/** Rows copied into wasm memory at once, bounding memory for large n. */
const CHUNK_BYTES = 64 << 20;

/**
 * Exports `gram(x, rows, dp, tot, rb, i0, i1)`: for output rows i in [i0, i1) (multiples of 4) and
 * columns j ≥ i rounded down to 8, tot[i·dp + j] (f64) += Σ_r x[r·dp + i]·x[r·dp + j] over `rows`
 * rows of x (f32, row stride dp, dp a multiple of 8), accumulating in f32 within blocks of rb rows.
 */
function buildGramKernel(): Uint8Array {
  const { i32, v128 } = binaryen;
  const m = sharedMemoryModule(1, 65536);
  const P = { x: 0, rows: 1, dp: 2, tot: 3, rb: 4, i0: 5, i1: 6 };
  let nextLocal = 7;
  const vars: number[] = [];
  const local = (t: number) => (vars.push(t), nextLocal++);
  const r0 = local(i32), r1 = local(i32), i = local(i32), j = local(i32);
  const pi = local(i32), pj = local(i32), end = local(i32), stride = local(i32), tp = local(i32);
  const acc = Array.from({ length: 8 }, () => local(v128));
  const a = Array.from({ length: 4 }, () => local(v128));
  const b = Array.from({ length: 2 }, () => local(v128));
  const gi = (k: number) => m.local.get(k, i32);
  const gv = (k: number) => m.local.get(k, v128);
  const c = (v: number) => m.i32.const(v);
  const HI_TO_LO = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
  const zero = m.v128.const(new Array(16).fill(0));

  const rowLoop = m.loop('rl', m.block(null, [
    ...a.map((ak, k) => m.local.set(ak, m.v128.load32_splat(4 * k, 4, gi(pi)))),
    m.local.set(b[0], m.v128.load(0, 4, gi(pj))),
    m.local.set(b[1], m.v128.load(16, 4, gi(pj))),
    ...acc.map((ak, q) => m.local.set(ak, m.f32x4.add(gv(ak), m.f32x4.mul(gv(a[q >> 1]), gv(b[q & 1]))))),
    m.local.set(pi, m.i32.add(gi(pi), gi(stride))),
    m.local.set(pj, m.i32.add(gi(pj), gi(stride))),
    m.br('rl', m.i32.lt_u(gi(pi), gi(end))),
  ]));

  const flush: number[] = [];
  for (let k = 0; k < 4; k++) {
    for (let h = 0; h < 2; h++) {
      const v = gv(acc[2 * k + h]);
      // tp = tot + ((i + k)·dp + j + 4h)·8
      flush.push(m.local.set(tp, m.i32.add(gi(P.tot), m.i32.shl(m.i32.add(m.i32.mul(m.i32.add(gi(i), c(k)), gi(P.dp)), m.i32.add(gi(j), c(4 * h))), c(3)))));
      flush.push(m.v128.store(0, 8, gi(tp), m.f64x2.add(m.v128.load(0, 8, gi(tp)), m.f64x2.promote_low_f32x4(v))));
      flush.push(m.v128.store(16, 8, gi(tp), m.f64x2.add(m.v128.load(16, 8, gi(tp)), m.f64x2.promote_low_f32x4(m.i8x16.shuffle(gv(acc[2 * k + h]), gv(acc[2 * k + h]), HI_TO_LO)))));
    }
  }

  const rowBase = (r: number, col: number) => m.i32.add(gi(P.x), m.i32.shl(m.i32.add(m.i32.mul(gi(r), gi(P.dp)), gi(col)), c(2)));
  const jLoop = m.loop('jl', m.block(null, [
    ...acc.map((ak) => m.local.set(ak, zero)),
    m.local.set(pi, rowBase(r0, i)),
    m.local.set(pj, rowBase(r0, j)),
    m.local.set(end, rowBase(r1, i)),
    rowLoop,
    ...flush,
    m.local.set(j, m.i32.add(gi(j), c(8))),
    m.br('jl', m.i32.lt_u(gi(j), gi(P.dp))),
  ]));
  const iLoop = m.loop('il', m.block(null, [
    m.local.set(j, m.i32.and(gi(i), c(~7))),
    jLoop,
    m.local.set(i, m.i32.add(gi(i), c(4))),
    m.br('il', m.i32.lt_u(gi(i), gi(P.i1))),
  ]));
  const body = m.block(null, [
    m.local.set(stride, m.i32.shl(gi(P.dp), c(2))),
    m.local.set(r0, c(0)),
    m.if(m.i32.and(m.i32.lt_u(gi(r0), gi(P.rows)), m.i32.lt_u(gi(P.i0), gi(P.i1))), m.loop('bl', m.block(null, [
      m.local.set(r1, m.i32.add(gi(r0), gi(P.rb))),
      m.if(m.i32.gt_u(gi(r1), gi(P.rows)), m.local.set(r1, gi(P.rows))),
      m.local.set(i, gi(P.i0)),
      iLoop,
      m.local.set(r0, gi(r1)),
      m.br('bl', m.i32.lt_u(gi(r0), gi(P.rows))),
    ]))),
  ]);
  m.addFunction('gram', binaryen.createType(new Array(7).fill(i32)), binaryen.none, vars, body);
  m.addFunctionExport('gram', 'gram');
  return emitOptimized(m, 'gram kernel');
}

let compiled: Promise<WebAssembly.Module> | null = null;
function gramModule(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(buildGramKernel() as Uint8Array<ArrayBuffer>);
  return compiled;
}

/**
 * Builds and compiles the kernel (~1 s once per process) and runs it once on a small block, so a
 * timed call measures only the work: V8 first runs wasm with its baseline compiler and tiers a
 * function up only after a call has spent enough time in it (measured: the first 8,000×784 call
 * took 1.8 s, the next 0.3 s; after a 256-row warm-up call (~80 ms) the first took 0.3 s).
 */
export async function prepareGramCpu(): Promise<void> {
  await gramModule();
  await gramCpu(new Float32Array(256 * 784), 256, 784, { threads: 1 });
  // and start the worker pool, which a first threaded call would otherwise pay for (50-100 ms)
  await gramCpu(new Float32Array(256 * 784), 256, 784, { threads: os.availableParallelism() });
}

type GramFn = (x: number, rows: number, dp: number, tot: number, rb: number, i0: number, i1: number) => void;

// Each message carries the memory of its call; the instance is rebuilt only when that changes.
const WORKER_SOURCE = `
const { parentPort, workerData: wd } = require('node:worker_threads');
let memory = null, inst = null;
parentPort.on('message', ({ mem, args }) => {
  if (mem !== memory) { memory = mem; inst = new WebAssembly.Instance(wd.module, { env: { memory } }); }
  inst.exports.gram(...args);
  parentPort.postMessage(0);
});
`;

/**
 * Workers kept for the process (unref'd, so they never hold it open): starting two took 50-100 ms
 * per call, a sixth of a whole 8,000×784 Gram matrix.
 */
const pool: Worker[] = [];
let poolQueue: Promise<unknown> = Promise.resolve();
function poolWorkers(module: WebAssembly.Module, k: number): Worker[] {
  while (pool.length < k) {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module } });
    w.unref();
    w.on('error', () => pool.splice(pool.indexOf(w), 1));
    pool.push(w);
  }
  return pool.slice(0, k);
}

/** Split output rows [0, dp) at multiples of 4 so each part has about the same triangle area. */
function splitTriangle(dp: number, parts: number): number[] {
  const cuts = [0];
  const total = (dp * (dp + 1)) / 2;
  for (let p = 1; p < parts; p++) {
    // rows [0, i) cover dp·i − i²/2 of the triangle
    const target = (total * p) / parts;
    const i = dp - Math.sqrt(Math.max(0, dp * dp - 2 * target));
    cuts.push(Math.min(dp, Math.max(cuts[p - 1], Math.round(i / 4) * 4)));
  }
  cuts.push(dp);
  return cuts;
}

/** C = XᵀX / n (d×d, row-major, symmetric) for X (n×d, row-major); with center, the covariance. */
export async function gramCpu(X: Float32Array, n: number, d: number, opts: GramOptions = {}): Promise<Float64Array> {
  return gramCore(X, n, d, opts);
}

async function gramCore(X: Float32Array, n: number, d: number, opts: GramOptions, outRows?: number): Promise<Float64Array> {
  if (X.length < n * d) throw new Error(`gramCpu: X holds ${X.length} values, expected ${n}×${d}`);
  const C = new Float64Array((outRows ?? d) * d);
  if (n === 0 || d === 0) return C;
  const dp = Math.ceil(d / 8) * 8;
  const mean = opts.mean ?? new Float64Array(d);
  if (opts.mean && opts.mean.length !== d) throw new Error(`gramCpu: ${opts.mean.length} means for ${d} columns`);
  if (opts.center && !opts.mean) {
    for (let r = 0; r < n; r++) for (let k = 0, o = r * d; k < d; k++) mean[k] += X[o + k];
    for (let k = 0; k < d; k++) mean[k] /= n;
  }
  const chunkRows = Math.max(1, Math.min(n, opts.chunkRows ?? Math.floor(CHUNK_BYTES / (dp * 4))));
  const totBytes = dp * dp * 8;
  const xOff = totBytes;
  const bytes = xOff + chunkRows * dp * 4;
  const pages = Math.ceil(bytes / 65536);
  if (pages > 65536) throw new Error(`gramCpu: d=${d} needs more than 4 GiB of wasm memory`);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const buf = memory.buffer as unknown as ArrayBuffer;
  const xv = new Float32Array(buf, xOff, chunkRows * dp);
  const module = await gramModule();
  const rb = opts.rowBlock ?? 128;
  const rowsOut = outRows === undefined ? dp : Math.ceil(outRows / 4) * 4;
  const work = outRows === undefined ? n * dp * dp * 0.5 : n * dp * rowsOut;
  const threads = Math.max(1, Math.min(opts.threads ?? (work > THREADS_PAY_ABOVE ? os.availableParallelism() : 1), rowsOut / 4));
  // More parts than threads, handed out as workers finish: a thread slowed by other load on the
  // machine then takes fewer parts instead of holding up the whole call.
  const parts = threads === 1 ? 1 : threads * 4;
  const cuts = outRows === undefined ? splitTriangle(dp, parts) : Array.from({ length: parts + 1 }, (_, t) => Math.round((rowsOut * t) / parts / 4) * 4);

  let run: (rows: number) => Promise<void>;
  let workers: Worker[] = [];
  if (threads === 1) {
    const inst = await WebAssembly.instantiate(module, { env: { memory } });
    const gram = inst.exports.gram as GramFn;
    run = async (rows) => gram(xOff, rows, dp, 0, rb, 0, rowsOut);
  } else {
    workers = poolWorkers(module, threads);
    run = (rows) => {
      let next = 0;
      const claim = () => {
        while (next < parts && cuts[next] === cuts[next + 1]) next++;
        return next < parts ? next++ : -1;
      };
      return Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              const onErr = (e: Error) => {
                w.off('message', onDone);
                reject(e);
              };
              const send = () => {
                const p = claim();
                if (p < 0) {
                  w.off('message', onDone);
                  w.off('error', onErr);
                  resolve();
                } else w.postMessage({ mem: memory, args: [xOff, rows, dp, 0, rb, cuts[p], cuts[p + 1]] });
              };
              const onDone = () => send();
              w.on('message', onDone);
              w.once('error', onErr);
              send();
            }),
        ),
      ).then(() => undefined);
    };
  }
  const job = async () => {
    // referenced while a call is under way, or Node could exit while awaiting a worker's reply
    for (const w of workers) w.ref();
    try {
      for (let s = 0; s < n; s += chunkRows) {
        const rows = Math.min(chunkRows, n - s);
        for (let r = 0; r < rows; r++) {
          const o = (s + r) * d;
          const q = r * dp;
          if (opts.center) for (let k = 0; k < d; k++) xv[q + k] = X[o + k] - mean[k];
          else xv.set(X.subarray(o, o + d), q);
        }
        await run(rows);
      }
    } finally {
      for (const w of workers) w.unref();
    }
  };
  // one call at a time on the shared pool: replies are matched to calls by order
  const turn = poolQueue.then(job);
  poolQueue = turn.catch(() => undefined);
  await turn;
  const tot = new Float64Array(buf, 0, dp * dp);
  if (outRows !== undefined) {
    for (let i = 0; i < outRows; i++) for (let j = 0; j < d; j++) C[i * d + j] = tot[i * dp + j] / n;
    return C;
  }
  // Only j ≥ i (rounded down to 8) was accumulated: take the upper triangle and mirror it.
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = tot[i * dp + j] / n;
      C[i * d + j] = v;
      C[j * d + i] = v;
    }
  }
  return C;
}
