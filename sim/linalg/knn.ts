// Exact k-nearest neighbours (squared Euclidean) on the cpu. A plain JS double loop over 2,000 ×
// 8,000 MNIST digits took 71-100 s here, this ~1.3 s: the dot products q·x run as a blocked f32
// matmul in a binaryen-generated WebAssembly SIMD kernel (packed panels: 4 queries × 8 base rows in
// eight f32x4 registers), split over pooled worker threads that share one WebAssembly.Memory, and
// ‖q − x‖² ≈ ‖q‖² + ‖x‖² − 2 q·x.
//
// That expansion in f32 is not exact, so it only proposes candidates: every base row whose approximate
// distance is within 2E of the k-th smallest approximate distance, E a rigorous bound on the
// approximation error (rounding of the centred, rescaled f32 copies, γ_{2d+2}‖q‖‖x‖ for the f32
// dot products, ...; see the core). The candidates get their exact distance — Σ_j (q_j − x_j)² in f64, in the caller's
// precision, the same expression and order as a brute-force loop — and are ranked by (distance,
// index). Every true neighbour is provably among the candidates, so the result equals brute force,
// ties included (equal distance → lower base index). Exact duplicates just make more candidates.
//
// Both entry points share one code path: `knnCpuSync` blocks (Atomics.wait while workers run; used
// by tasks/metrics.ts knnAcc, which is synchronous), `knnCpu` awaits (Atomics.waitAsync).
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import binaryen from 'binaryen';
import { emitOptimized, sharedMemoryModule } from '../wasm-module.ts';

export type Real = Float32Array | Float64Array;

export interface KnnOptions {
  /** Queries are the base rows themselves (nq === nb): query i never lists base row i. */
  excludeSelf?: boolean;
  /** Return squared distances (default: Euclidean, the square root of the exact squared distance). */
  squared?: boolean;
  /** Worker threads; default: all cores when nq·nb·(d + 25) exceeds 2e9. */
  threads?: number;
  /**
   * 'kernel': WebAssembly matmul + exact re-rank; 'direct': the exact f64 double loop (the
   * reference); 'auto' (default): direct for small work (nq·nb·(d + 25) < 2e8) or non-finite data.
   */
  method?: 'auto' | 'kernel' | 'direct';
  /** Queries per work item (multiple of 4; default 64). */
  queryBlock?: number;
  /** Base rows per cache block (multiple of 8; default 512). */
  baseBlock?: number;
  /** Dimensions per cache block (default 256). */
  depthBlock?: number;
}

export interface KnnResult {
  /** nq × k base row indices, nearest first (equal distances: lower index first). */
  indices: Int32Array;
  /** nq × k distances matching `indices` (Euclidean, or squared with `squared`). */
  distances: Float64Array;
  k: number;
}

/**
 * Work in multiply-add equivalents, nq·nb·(d + 25): the selection passes cost about as much per
 * (query, base row) pair as 25 multiply-adds. Below THREADS_PAY_ABOVE one thread wins (workers
 * start cold: ~0.1-0.2 s of start-up and JIT warm-up; at 2,000 × 8,000 × 20 one thread was as fast).
 */
const THREADS_PAY_ABOVE = 2e9;
/**
 * Below this much work (nq·nb·(d + 25), as THREADS_PAY_ABOVE) the direct loop is used: no kernel
 * build (~0.3 s once per process), no packing. Above it the kernel wins at any d: at 2,000 × 8,000
 * (warm, one thread) 170 ms vs 390 ms direct at d = 2, 150 ms vs 850 ms at d = 8.
 */
const KERNEL_PAYS_ABOVE = 2e8;

/**
 * Exports `dot(a, aStride, nIP, b, bStride, nJP, kc, out, ldo)` (byte addresses and strides):
 * for query panels ip < nIP (4 queries, f32 [r][4] at a + ip·aStride) and base panels jp < nJP
 * (8 rows, f32 [r][8] at b + jp·bStride), out[(4ip + i)·ldo + 32jp + 4c] (f32) −= 2·Σ_{r<kc} A[r][i]·B[r][c].
 * The caller fills each out row with ‖x̃_j‖² first, so after all depth blocks out = ‖x̃‖² − 2 q̃·x̃.
 */
function buildDotKernel(): Uint8Array {
  const { i32, v128 } = binaryen;
  const m = sharedMemoryModule(1, 65536);
  const P = { a: 0, aStride: 1, nIP: 2, b: 3, bStride: 4, nJP: 5, kc: 6, out: 7, ldo: 8 };
  let nextLocal = 9;
  const vars: number[] = [];
  const local = (t: number) => (vars.push(t), nextLocal++);
  const ip = local(i32), jp = local(i32), pa0 = local(i32), pb0 = local(i32), pa = local(i32), pb = local(i32);
  const end = local(i32), outRow = local(i32), outp = local(i32), tp = local(i32);
  const acc = Array.from({ length: 8 }, () => local(v128));
  const a = Array.from({ length: 4 }, () => local(v128));
  const b = Array.from({ length: 2 }, () => local(v128));
  const gi = (k: number) => m.local.get(k, i32);
  const gv = (k: number) => m.local.get(k, v128);
  const c = (v: number) => m.i32.const(v);
  const zero = m.v128.const(new Array(16).fill(0));

  const rLoop = m.loop('rl', m.block(null, [
    ...a.map((ak, i) => m.local.set(ak, m.v128.load32_splat(4 * i, 4, gi(pa)))),
    m.local.set(b[0], m.v128.load(0, 16, gi(pb))),
    m.local.set(b[1], m.v128.load(16, 16, gi(pb))),
    ...acc.map((ak, q) => m.local.set(ak, m.f32x4.add(gv(ak), m.f32x4.mul(gv(a[q >> 1]), gv(b[q & 1]))))),
    m.local.set(pa, m.i32.add(gi(pa), c(16))),
    m.local.set(pb, m.i32.add(gi(pb), c(32))),
    m.br('rl', m.i32.lt_u(gi(pa), gi(end))),
  ]));
  const flush: number[] = [];
  for (let i = 0; i < 4; i++) {
    flush.push(m.local.set(tp, i === 0 ? gi(outp) : m.i32.add(gi(outp), m.i32.mul(gi(P.ldo), c(i)))));
    // out −= 2·acc (doubling is exact)
    for (let h = 0; h < 2; h++) flush.push(m.v128.store(16 * h, 4, gi(tp), m.f32x4.sub(m.v128.load(16 * h, 4, gi(tp)), m.f32x4.add(gv(acc[2 * i + h]), gv(acc[2 * i + h])))));
  }
  const jLoop = m.loop('jl', m.block(null, [
    ...acc.map((ak) => m.local.set(ak, zero)),
    m.local.set(pa, gi(pa0)),
    m.local.set(pb, gi(pb0)),
    rLoop,
    ...flush,
    m.local.set(outp, m.i32.add(gi(outp), c(32))),
    m.local.set(pb0, m.i32.add(gi(pb0), gi(P.bStride))),
    m.local.set(jp, m.i32.add(gi(jp), c(1))),
    m.br('jl', m.i32.lt_u(gi(jp), gi(P.nJP))),
  ]));
  const iLoop = m.loop('il', m.block(null, [
    m.local.set(jp, c(0)),
    m.local.set(pb0, gi(P.b)),
    m.local.set(outp, gi(outRow)),
    m.local.set(end, m.i32.add(gi(pa0), m.i32.shl(gi(P.kc), c(4)))),
    jLoop,
    m.local.set(pa0, m.i32.add(gi(pa0), gi(P.aStride))),
    m.local.set(outRow, m.i32.add(gi(outRow), m.i32.shl(gi(P.ldo), c(2)))),
    m.local.set(ip, m.i32.add(gi(ip), c(1))),
    m.br('il', m.i32.lt_u(gi(ip), gi(P.nIP))),
  ]));
  const body = m.block(null, [
    m.local.set(ip, c(0)),
    m.local.set(pa0, gi(P.a)),
    m.local.set(outRow, gi(P.out)),
    m.if(m.i32.and(m.i32.and(m.i32.gt_s(gi(P.nIP), c(0)), m.i32.gt_s(gi(P.nJP), c(0))), m.i32.gt_s(gi(P.kc), c(0))), iLoop),
  ]);
  m.addFunction('dot', binaryen.createType(new Array(9).fill(i32)), binaryen.none, vars, body);
  m.addFunctionExport('dot', 'dot');
  return emitOptimized(m, 'knn dot kernel');
}

let compiled: WebAssembly.Module | null = null;
function dotModule(): WebAssembly.Module {
  // synchronous compile: Node allows it for any size, and knnAcc is synchronous
  compiled ??= new WebAssembly.Module(buildDotKernel() as Uint8Array<ArrayBuffer>);
  return compiled;
}

/**
 * Builds and compiles the kernel and warms it up (on this thread and the worker pool) so a timed
 * call measures only the work: V8 runs new wasm and JS unoptimized at first.
 */
export async function prepareKnnCpu(): Promise<void> {
  dotModule();
  const x = Float32Array.from({ length: 1024 * 64 }, (_, i) => Math.sin(i));
  knnCpuSync(x, 256, x, 1024, 64, 5, { method: 'kernel' });
  await knnCpu(x, 1024, x, 1024, 64, 5, { method: 'kernel', threads: os.availableParallelism() });
}

// Control block (Int32 slots) at the start of the memory.
const CTL = { next: 0, done: 1, error: 2, progress: 3 } as const;
const CTL_BYTES = 64;
const ERR_BYTES = 1024;

/** Parameters the core needs (byte offsets into the shared memory). */
interface CoreParams {
  d: number;
  nq: number;
  nb: number;
  nbp: number;
  k: number;
  excludeSelf: number;
  qb: number;
  nc: number;
  kc: number;
  nBlocks: number;
  Xp: number;
  Qp: number;
  xn: number;
  /** ‖x̃_j‖² as f32, padded with zeros to nbp. */
  xn32: number;
  qn: number;
  bx: number;
  bxF64: number;
  qx: number;
  qxF64: number;
  scratch: number;
  scratchBytes: number;
  outIdx: number;
  outDist: number;
  /** Max over base rows of ‖x̃‖ (f32 centred, rescaled copy). */
  maxXnorm: number;
  /** Bound on the relative error of one f32 dot product: γ_{2d+2}. */
  gamma: number;
}

// The per-thread work loop, as source: workers evaluate it and so does the main thread when it
// runs alone (one implementation). Claims blocks of queries until none are left.
const CORE_SOURCE = String.raw`(function () {
  // small hot functions: V8 optimizes them after a few calls, where one big loop nest waits for
  // on-stack replacement (which matters in workers: each starts cold)

  /** The k-th smallest of row[0..nb) (top: scratch of k, ascending). */
  function kthSmallest(f32, row, nb, k, top) {
    var filled = 0, thr = Infinity;
    for (var j = 0; j < nb; j++) {
      var a = f32[row + j];
      if (a >= thr) continue;
      var pos = filled < k ? filled++ : k - 1;
      while (pos > 0 && top[pos - 1] > a) { top[pos] = top[pos - 1]; pos--; }
      top[pos] = a;
      if (filled === k) thr = top[k - 1];
    }
    return top[k - 1];
  }

  /** Indices j with row[j] ≤ T into cand (up to its length); returns how many there are. */
  function collect(f32, row, nb, T, cand) {
    var n = 0, cap = cand.length;
    for (var j = 0; j < nb; j++) {
      if (!(f32[row + j] <= T)) continue;
      if (n < cap) cand[n] = j;
      n++;
    }
    return n;
  }

  function sqDist(a, ao, b, bo, d) {
    var s = 0;
    for (var r = 0; r < d; r++) { var diff = a[ao + r] - b[bo + r]; s += diff * diff; }
    return s;
  }

  /** order[0..n) ← 0..n−1 sorted by (e, position); positions follow index order. */
  function rank(e, order, n) {
    for (var c = 0; c < n; c++) order[c] = c;
    var ord = order.subarray(0, n);
    if (n > 32) ord.sort(function (x, y) { return e[x] - e[y] || x - y; });
    else for (var c = 1; c < n; c++) {
      var o = ord[c], v = e[o], p = c;
      while (p > 0 && e[ord[p - 1]] > v) { ord[p] = ord[p - 1]; p--; }
      ord[p] = o;
    }
  }

  return function knnCore(buf, dot, P, t) {
    var f32 = new Float32Array(buf), f64 = new Float64Array(buf), i32 = new Int32Array(buf);
    var d = P.d, nb = P.nb, k = P.k, ldo = P.nbp, qb = P.qb;
    var scratch = P.scratch + t * P.scratchBytes, s0 = scratch >> 2;
    var bxv = P.bxF64 ? f64 : f32, bxo = P.bxF64 ? P.bx >> 3 : P.bx >> 2;
    var qxv = P.qxF64 ? f64 : f32, qxo = P.qxF64 ? P.qx >> 3 : P.qx >> 2;
    var xn32 = P.xn32 >> 2, qn = P.qn >> 3, oi = P.outIdx >> 2, od = P.outDist >> 3;
    var nr = Math.ceil(d / P.kc), M = P.maxXnorm;
    var u = Math.pow(2, -24), u64 = Math.pow(2, -53);
    var top = new Float64Array(k);
    var cand = new Int32Array(256), candE = new Float64Array(256), order = new Int32Array(256);
    for (;;) {
      var blk = Atomics.add(i32, ${CTL.next}, 1);
      if (blk >= P.nBlocks) break;
      var q0 = blk * qb, qc = Math.min(qb, P.nq - q0), nIP = (qc + 3) >> 2;
      // each row starts as ‖x̃_j‖² (f32); the kernel subtracts 2 q̃·x̃ block by block
      for (var tq = 0; tq < nIP * 4; tq++) f32.copyWithin(s0 + tq * ldo, xn32, xn32 + ldo);
      for (var j0 = 0; j0 < ldo; j0 += P.nc) {
        var nJP = Math.min(P.nc, ldo - j0) >> 3;
        for (var r0 = 0; r0 < d; r0 += P.kc) {
          var kcur = Math.min(P.kc, d - r0);
          dot(P.Qp + (q0 >> 2) * d * 16 + r0 * 16, d * 16, nIP, P.Xp + (j0 >> 3) * d * 32 + r0 * 32, d * 32, nJP, kcur, scratch + j0 * 4, ldo * 4);
        }
      }
      for (var tq = 0; tq < qc; tq++) {
        var qi = q0 + tq, row = s0 + tq * ldo, qv = f64[qn + qi];
        if (P.excludeSelf) f32[row + qi] = Infinity;
        // pass 1: the k-th smallest approximate distance (without the constant ‖q̃‖²)
        var kth = kthSmallest(f32, row, nb, k, top);
        // |approx − exact·scale²| ≤ E for every base row: f32 rounding of the copies (eta), of ‖x̃‖²
        // and of each depth block's update (nr + 1 roundings of values ≤ M² + 2‖q̃‖M), the f32 dot
        // products (γ), and the f64 rounding of the exact sum itself; ×1.5 for slack
        var nqs = Math.sqrt(qv), span = nqs + M;
        var eta = u * span * 1.001 + d * Math.pow(2, -140);
        var E = 1.5 * (2 * P.gamma * nqs * M + (nr + 1) * u * (M * M + 2 * nqs * M) + eta * (2 * span + eta) + (8 + d) * u64 * span * span) + Math.pow(2, -1000);
        var T = kth + 2 * E;
        // pass 2: every row within T is a candidate; candidates get their exact distance
        var nc = collect(f32, row, nb, T, cand);
        if (nc > cand.length) {
          var cap = cand.length;
          while (cap < nc) cap *= 2;
          cand = new Int32Array(cap); candE = new Float64Array(cap); order = new Int32Array(cap);
          collect(f32, row, nb, T, cand);
        }
        if (nc < k) throw new Error('knn: ' + nc + ' candidates for k = ' + k + ' (query ' + qi + '): non-finite data?');
        var qo = qxo + qi * d;
        for (var c = 0; c < nc; c++) candE[c] = sqDist(qxv, qo, bxv, bxo + cand[c] * d, d);
        // rank by (exact distance, index)
        rank(candE, order, nc);
        for (var r = 0; r < k; r++) {
          var o = order[r];
          i32[oi + qi * k + r] = cand[o];
          f64[od + qi * k + r] = candE[o];
        }
      }
      Atomics.add(i32, ${CTL.progress}, 1);
    }
  };
})()`;

type CoreFn = (buf: ArrayBufferLike, dot: (...a: number[]) => void, P: CoreParams, t: number) => void;
let coreFn: CoreFn | null = null;
function core(): CoreFn {
  coreFn ??= new Function(`return ${CORE_SOURCE};`)() as CoreFn;
  return coreFn;
}

// Pool workers take one job per message (its memory, parameters and thread slot) and report
// through the job's control block, so a caller blocked in Atomics.wait sees them finish.
const WORKER_SOURCE = `
const { parentPort, workerData: wd } = require('node:worker_threads');
const core = (${CORE_SOURCE});
parentPort.on('message', ({ mem, P, t }) => {
  const ctl = new Int32Array(mem.buffer, 0, ${CTL_BYTES / 4});
  try {
    const inst = new WebAssembly.Instance(wd.module, { env: { memory: mem } });
    core(mem.buffer, inst.exports.dot, P, t);
  } catch (e) {
    if (Atomics.compareExchange(ctl, ${CTL.error}, 0, 1) === 0) {
      const msg = new TextEncoder().encode(String(e && e.stack || e)).subarray(0, ${ERR_BYTES});
      new Uint8Array(mem.buffer, ${CTL_BYTES}, ${ERR_BYTES}).set(msg);
    }
    Atomics.store(ctl, ${CTL.next}, 0x3fffffff);
  } finally {
    Atomics.add(ctl, ${CTL.done}, 1);
    Atomics.notify(ctl, ${CTL.done});
  }
});
`;

/** Exact f64 double loop: the reference, and the fast path for tiny problems. */
function knnDirect(queries: Real, nq: number, base: Real, nb: number, d: number, k: number, excludeSelf: boolean, squared: boolean): KnnResult {
  const indices = new Int32Array(nq * k);
  const distances = new Float64Array(nq * k);
  const bestD = new Float64Array(k);
  const bestI = new Int32Array(k);
  for (let q = 0; q < nq; q++) {
    let filled = 0;
    const qo = q * d;
    for (let i = 0; i < nb; i++) {
      if (excludeSelf && i === q) continue;
      const io = i * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const diff = queries[qo + j] - base[io + j];
        s += diff * diff;
      }
      if (s !== s) s = Infinity; // NaN (non-finite input) ranks last
      if (filled === k && !(s < bestD[k - 1])) continue; // strict: the lower index wins equal distance
      let pos = filled < k ? filled++ : k - 1;
      while (pos > 0 && bestD[pos - 1] > s) {
        bestD[pos] = bestD[pos - 1];
        bestI[pos] = bestI[pos - 1];
        pos--;
      }
      bestD[pos] = s;
      bestI[pos] = i;
    }
    for (let r = 0; r < k; r++) {
      indices[q * k + r] = bestI[r];
      distances[q * k + r] = squared ? bestD[r] : Math.sqrt(bestD[r]);
    }
  }
  return { indices, distances, k };
}

interface Job {
  memory: WebAssembly.Memory;
  P: CoreParams;
  threads: number;
}

/** Lays out the shared memory: packed f32 panels, norms, exact copies, scratch, outputs. */
function setup(queries: Real, nq: number, base: Real, nb: number, d: number, k: number, opts: KnnOptions): Job | null {
  const qb = opts.queryBlock ?? 64;
  const nc = opts.baseBlock ?? 512;
  const kc = opts.depthBlock ?? 256;
  if (!(qb >= 4 && qb % 4 === 0) || !(nc >= 8 && nc % 8 === 0) || !(kc >= 1 && Number.isInteger(kc)))
    throw new Error(`knnCpu: queryBlock ${qb} (multiple of 4), baseBlock ${nc} (multiple of 8), depthBlock ${kc} (positive integer)`);
  const nqp = Math.ceil(nq / 4) * 4;
  const nbp = Math.ceil(nb / 8) * 8;
  const nBlocks = Math.ceil(nq / qb);
  const work = nq * nb * (d + 25);
  const threads = Math.max(1, Math.min(nBlocks, opts.threads ?? (work > THREADS_PAY_ABOVE ? os.availableParallelism() : 1)));

  // centre on the base mean and rescale by a power of two (exact) so the f32 copies neither
  // overflow nor underflow; the approximate distances are then scale² times the true ones
  const mean = new Float64Array(d);
  for (let i = 0; i < nb; i++) for (let r = 0, o = i * d; r < d; r++) mean[r] += base[o + r];
  for (let r = 0; r < d; r++) mean[r] /= nb;
  let maxAbs = 0;
  for (let i = 0; i < nb; i++) for (let r = 0, o = i * d; r < d; r++) maxAbs = Math.max(maxAbs, Math.abs(base[o + r] - mean[r]));
  for (let i = 0; i < nq; i++) for (let r = 0, o = i * d; r < d; r++) maxAbs = Math.max(maxAbs, Math.abs(queries[o + r] - mean[r]));
  // a NaN or ±Inf anywhere makes maxAbs NaN or Inf (Math.max propagates NaN)
  if (!Number.isFinite(maxAbs)) return null;
  const scale = maxAbs > 0 ? 2 ** -Math.round(Math.log2(maxAbs)) : 1;

  const same = queries === base && nq === nb;
  let off = CTL_BYTES + ERR_BYTES;
  const take = (bytes: number, align = 16) => {
    off = Math.ceil(off / align) * align;
    const at = off;
    off += bytes;
    return at;
  };
  const Xp = take(nbp * d * 4);
  const Qp = take(nqp * d * 4);
  const xn = take(nb * 8);
  const xn32 = take(nbp * 4);
  const qn = take(nq * 8);
  const bxF64 = base instanceof Float64Array ? 1 : 0;
  const qxF64 = queries instanceof Float64Array ? 1 : 0;
  const bx = take(nb * d * (bxF64 ? 8 : 4));
  const qx = same ? bx : take(nq * d * (qxF64 ? 8 : 4));
  const scratchBytes = Math.ceil((qb * nbp * 4) / 64) * 64;
  const scratch = take(scratchBytes * threads, 64);
  const outIdx = take(nq * k * 4);
  const outDist = take(nq * k * 8);
  const pages = Math.ceil(off / 65536);
  if (pages > 65536) throw new Error(`knnCpu: ${nq} × ${nb} × ${d} needs ${(off / 2 ** 30).toFixed(1)} GiB of wasm memory (max 4)`);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const buf = memory.buffer as unknown as ArrayBuffer;
  const f32 = new Float32Array(buf);
  const f64 = new Float64Array(buf);

  let maxXn = 0;
  const pack = (src: Real, n: number, panel: number, at: number, norms: number) => {
    const p0 = at >> 2;
    for (let i = 0; i < n; i++) {
      const p = Math.floor(i / panel);
      const c = i - p * panel;
      const dst = p0 + p * d * panel + c;
      let s = 0;
      for (let r = 0, o = i * d; r < d; r++) {
        const v = Math.fround((src[o + r] - mean[r]) * scale);
        f32[dst + r * panel] = v;
        s += v * v;
      }
      f64[(norms >> 3) + i] = s;
    }
  };
  pack(base, nb, 8, Xp, xn);
  pack(queries, nq, 4, Qp, qn);
  for (let i = 0; i < nb; i++) {
    maxXn = Math.max(maxXn, f64[(xn >> 3) + i]);
    f32[(xn32 >> 2) + i] = f64[(xn >> 3) + i];
  }
  (bxF64 ? new Float64Array(buf, bx, nb * d) : new Float32Array(buf, bx, nb * d)).set(base.subarray(0, nb * d));
  if (!same) (qxF64 ? new Float64Array(buf, qx, nq * d) : new Float32Array(buf, qx, nq * d)).set(queries.subarray(0, nq * d));

  const depth = 2 * d + 2;
  const P: CoreParams = {
    d, nq, nb, nbp, k, excludeSelf: opts.excludeSelf ? 1 : 0, qb, nc, kc, nBlocks,
    Xp, Qp, xn, xn32, qn, bx, bxF64, qx, qxF64, scratch, scratchBytes, outIdx, outDist,
    maxXnorm: Math.sqrt(maxXn) * (1 + 1e-12),
    gamma: (depth * 2 ** -24) / (1 - depth * 2 ** -24),
  };
  return { memory, P, threads };
}

function finish(job: Job, squared: boolean): KnnResult {
  const { P, memory } = job;
  const buf = memory.buffer as unknown as ArrayBuffer;
  const indices = new Int32Array(buf, P.outIdx, P.nq * P.k).slice();
  const distances = new Float64Array(buf, P.outDist, P.nq * P.k).slice();
  if (!squared) for (let i = 0; i < distances.length; i++) distances[i] = Math.sqrt(distances[i]);
  return { indices, distances, k: P.k };
}

function workerError(ctl: Int32Array, memory: WebAssembly.Memory): Error {
  const bytes = new Uint8Array(memory.buffer as unknown as ArrayBuffer, CTL_BYTES, ERR_BYTES).slice();
  const end = bytes.indexOf(0);
  return new Error(`knnCpu worker failed: ${new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end))}`);
}

/** With no finished block for this long, a silent worker crash is assumed. */
const STALL_MS = 300_000;

/**
 * Workers kept for the process (unref'd, so they never hold it open), as gramCpu's: a fresh worker
 * starts cold (start-up, then the selection code and the wasm kernel run unoptimized for a while).
 * Jobs queue in each worker's message port; every job reports through its own memory, so calls
 * may overlap.
 */
const pool: Worker[] = [];
function dispatch(job: Job): Worker[] {
  const module = dotModule();
  while (pool.length < job.threads) {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module } });
    w.unref();
    w.on('error', () => drop(w));
    pool.push(w);
  }
  const workers = pool.slice(0, job.threads);
  workers.forEach((w, t) => w.postMessage({ mem: job.memory, P: job.P, t }));
  return workers;
}

function drop(w: Worker): void {
  const i = pool.indexOf(w);
  if (i >= 0) pool.splice(i, 1);
  void w.terminate();
}

/** One thread: the core runs on the calling thread. */
function runHere(job: Job, squared: boolean): KnnResult {
  const inst = new WebAssembly.Instance(dotModule(), { env: { memory: job.memory } });
  core()(job.memory.buffer, inst.exports.dot as (...a: number[]) => void, job.P, 0);
  return finish(job, squared);
}

type Plan = { direct: KnnResult } | { job: Job };

function plan(queries: Real, nq: number, base: Real, nb: number, d: number, k: number, opts: KnnOptions): Plan {
  if (!Number.isInteger(nq) || !Number.isInteger(nb) || !Number.isInteger(d) || nq < 0 || nb < 0 || d < 0)
    throw new Error(`knnCpu: sizes ${nq} × ${nb} × ${d} must be non-negative integers`);
  if (queries.length < nq * d || base.length < nb * d) throw new Error(`knnCpu: ${queries.length} query / ${base.length} base values for ${nq} / ${nb} rows of ${d}`);
  if (opts.excludeSelf && nq !== nb) throw new Error(`knnCpu: excludeSelf needs the queries to be the base rows (nq ${nq}, nb ${nb})`);
  const avail = nb - (opts.excludeSelf ? 1 : 0);
  if (!Number.isInteger(k) || k < 1 || k > avail) throw new Error(`knnCpu: k = ${k} must be an integer in 1..${avail}`);
  const method = opts.method ?? 'auto';
  const squared = !!opts.squared;
  const excludeSelf = !!opts.excludeSelf;
  if (nq === 0) return { direct: { indices: new Int32Array(0), distances: new Float64Array(0), k } };
  if (method === 'direct' || d === 0 || (method === 'auto' && nq * nb * (d + 25) < KERNEL_PAYS_ABOVE))
    return { direct: knnDirect(queries, nq, base, nb, d, k, excludeSelf, squared) };
  const job = setup(queries, nq, base, nb, d, k, opts);
  if (job) return { job };
  if (method === 'kernel') throw new Error('knnCpu: the kernel needs finite data (use method "direct")');
  return { direct: knnDirect(queries, nq, base, nb, d, k, excludeSelf, squared) };
}

/** A check to call after each wait: throws once the workers' progress counter has not moved for STALL_MS. */
function stallGuard(ctl: Int32Array): () => void {
  let seen = -1;
  let since = Date.now();
  return () => {
    const prog = Atomics.load(ctl, CTL.progress);
    if (prog !== seen) {
      seen = prog;
      since = Date.now();
    } else if (Date.now() - since > STALL_MS) throw new Error(`knnCpu: no progress from the workers in ${STALL_MS / 1000} s`);
  };
}

/**
 * The k nearest base rows of each query row (row-major nq × d and nb × d), exact, by squared
 * Euclidean distance; equal distances order by base index. Blocks the thread until done.
 */
export function knnCpuSync(queries: Real, nq: number, base: Real, nb: number, d: number, k: number, opts: KnnOptions = {}): KnnResult {
  const p = plan(queries, nq, base, nb, d, k, opts);
  if ('direct' in p) return p.direct;
  const { job } = p;
  if (job.threads === 1) return runHere(job, !!opts.squared);
  const buf = job.memory.buffer as unknown as ArrayBuffer;
  const ctl = new Int32Array(buf, 0, CTL_BYTES / 4);
  const workers = dispatch(job);
  try {
    const checkStall = stallGuard(ctl);
    for (;;) {
      const done = Atomics.load(ctl, CTL.done);
      if (done === job.threads) break;
      Atomics.wait(ctl, CTL.done, done, 1000);
      checkStall();
    }
  } catch (e) {
    for (const w of workers) drop(w);
    throw e;
  }
  if (Atomics.load(ctl, CTL.error)) throw workerError(ctl, job.memory);
  return finish(job, !!opts.squared);
}

/** Atomics.waitAsync (Node ≥ 16; not in the ES2022 lib typings). */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number, timeout: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync.bind(Atomics);

/** As knnCpuSync, but waits without blocking the event loop. */
export async function knnCpu(queries: Real, nq: number, base: Real, nb: number, d: number, k: number, opts: KnnOptions = {}): Promise<KnnResult> {
  const p = plan(queries, nq, base, nb, d, k, opts);
  if ('direct' in p) return p.direct;
  const { job } = p;
  if (job.threads === 1) return runHere(job, !!opts.squared);
  const buf = job.memory.buffer as unknown as ArrayBuffer;
  const ctl = new Int32Array(buf, 0, CTL_BYTES / 4);
  const workers = dispatch(job);
  let failed: Error | null = null;
  const onError = (e: unknown) => (failed ??= e instanceof Error ? e : new Error(String(e)));
  // referenced while the call waits, or Node could exit with only Atomics.waitAsync pending
  for (const w of workers) {
    w.ref();
    w.on('error', onError);
  }
  try {
    const checkStall = stallGuard(ctl);
    for (;;) {
      const done = Atomics.load(ctl, CTL.done);
      if (done === job.threads) break;
      if (failed) throw failed;
      const r = waitAsync(ctl, CTL.done, done, 1000);
      if (r.async) await r.value;
      checkStall();
    }
  } catch (e) {
    for (const w of workers) drop(w);
    throw e;
  } finally {
    for (const w of workers) {
      w.off('error', onError);
      w.unref();
    }
  }
  if (Atomics.load(ctl, CTL.error)) throw workerError(ctl, job.memory);
  return finish(job, !!opts.squared);
}
