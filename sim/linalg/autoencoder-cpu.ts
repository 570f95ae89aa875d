// The autoencoder kernels on the cpu (see autoencoder.ts for the model): a binaryen-generated
// WebAssembly SIMD kernel specialised to (D, P, batch), and a plain-JS kernel kept for comparison
// (README.md has the measurements). One thread: a minibatch of 64 MNIST digits is ~10 MFLOP
// (~0.8 ms here), so workers would need a hand-off per minibatch; single-threaded the kernel is
// already faster than PyTorch on both cores.
//
// Layout in wasm memory (f32 unless noted, rows padded to multiples of 4 floats: Dp, Pp):
//   params | grads | Adam m | Adam v, each [wfT (Dp×Pp) | bf (Pp) | wbT (Pp×Dp) | bb (Dp)]
//     (wfT[d][p] = W_f[p][d]: the encoder's rows for a pixel are contiguous; wbT[p] is unit p's
//     decoder image), then minibatch scratch: codes H (B×Pp), outputs Y and output deltas dA
//     (B×Dp), code deltas dZ (B×Pp), per-sample lists of active units and per-unit lists of the
//     samples that activate them, the minibatch's indices; then the training data: CSR of the
//     non-zero inputs (row starts, byte offsets d·Pp·4 into wfT, values) and the dense rows (N×Dp).
// Zeros are skipped twice: inputs by the CSR (MNIST digits are ~80 % zero pixels), hidden units
// by the lists (relu codes are often 0, and relu' = 0 there). Results equal the dense sums up to
// f32 rounding order.
//
// Per minibatch: forward(idx, n, gscale, ...) → Σ squared error (f64): codes, then the output in
// chunks of 8 f32x4 vectors (32 pixels) straight through the sigmoid (a Cephes-style exp, ~1 ulp)
// to dA = gscale·(y − x)·y·(1 − y), accumulating ∂b_b. backward: ∂W_b from the unit lists, dZ by
// dot products for active units only, ∂W_f and ∂b_f from the CSR. adam(...) over the flat params.
import binaryen from 'binaryen';
import { emitOptimized, sharedMemoryModule } from '../wasm-module.ts';
import {
  ADAM_FLUSH,
  adamScalars,
  type AeConfig,
  type AeKernel,
  type AeParams,
  type AeProbe,
  checkAeConfig,
  checkIndices,
  checkParams,
  gradScale,
} from './autoencoder.ts';

export interface AeCpuOptions {
  /** 'wasm' (default): the SIMD kernel; 'js': plain Float32Array loops (slower, for comparison). */
  impl?: 'wasm' | 'js';
}

export async function createAeCpu(x: Float32Array, count: number, cfg: AeConfig, opts: AeCpuOptions = {}): Promise<AeKernel> {
  checkAeConfig(cfg, count, x);
  return opts.impl === 'js' ? createAeJs(x, count, cfg) : createAeWasm(x, count, cfg);
}

/** Builds and compiles the kernel for a shape ahead of time (a few hundred ms with binaryen). */
export async function prepareAeCpu(dim: number, hidden: number, maxBatch: number): Promise<void> {
  await aeModule(aeLayout(dim, hidden, maxBatch));
}

// ---------------------------------------------------------------------------------------------
// Layout

interface Layout {
  D: number;
  P: number;
  Dp: number;
  Pp: number;
  DV: number;
  PV: number;
  maxB: number;
  /** Floats in one parameter block. */
  npar: number;
  /** Offsets within a parameter block (bytes). */
  oWF: number;
  oBF: number;
  oWB: number;
  oBB: number;
  /** Absolute byte addresses of the regions. */
  par: number;
  gr: number;
  mm: number;
  vv: number;
  h: number;
  y: number;
  da: number;
  dz: number;
  hlp: number;
  hlv: number;
  hln: number;
  pli: number;
  plv: number;
  pln: number;
  idx: number;
  /** First byte after the fixed regions: the training data starts here. */
  end: number;
}

function aeLayout(D: number, P: number, maxB: number): Layout {
  const Dp = Math.ceil(D / 4) * 4;
  const Pp = Math.ceil(P / 4) * 4;
  const oWF = 0;
  const oBF = oWF + Dp * Pp * 4;
  const oWB = oBF + Pp * 4;
  const oBB = oWB + Pp * Dp * 4;
  const npar = (oBB + Dp * 4) / 4;
  let at = 0;
  const take = (bytes: number) => {
    const a = at;
    at += Math.ceil(bytes / 16) * 16;
    return a;
  };
  const par = take(npar * 4);
  const gr = take(npar * 4);
  const mm = take(npar * 4);
  const vv = take(npar * 4);
  const h = take(maxB * Pp * 4);
  const y = take(maxB * Dp * 4);
  const da = take(maxB * Dp * 4);
  const dz = take(maxB * Pp * 4);
  const hlp = take(maxB * Pp * 4);
  const hlv = take(maxB * Pp * 4);
  const hln = take(maxB * 4);
  const pli = take(Pp * maxB * 4);
  const plv = take(Pp * maxB * 4);
  const pln = take(Pp * 4);
  const idx = take(maxB * 4);
  return { D, P, Dp, Pp, DV: Dp / 4, PV: Pp / 4, maxB, npar, oWF, oBF, oWB, oBB, par, gr, mm, vv, h, y, da, dz, hlp, hlv, hln, pli, plv, pln, idx, end: at };
}

// ---------------------------------------------------------------------------------------------
// The WebAssembly kernel

/** f32 bits of v, as the 16 bytes of a splatted v128 constant. */
function splatBytes(v: number): number[] {
  const b = new Uint8Array(new Float32Array([v, v, v, v]).buffer);
  return Array.from(b);
}

function buildAeKernel(L: Layout): Uint8Array {
  const { i32, f32, f64, v128 } = binaryen;
  const m = sharedMemoryModule(1, 65536);
  const c = (v: number) => m.i32.const(v);
  const { Dp, Pp, DV, PV, P, D, maxB } = L;
  const A16 = 16;

  /** Locals of the function being built. */
  let vars: number[] = [];
  let nextLocal = 0;
  const begin = (nParams: number) => {
    vars = [];
    nextLocal = nParams;
  };
  const local = (t: number) => (vars.push(t), nextLocal++);
  const gi = (k: number) => m.local.get(k, i32);
  const gv = (k: number) => m.local.get(k, v128);
  const gf = (k: number) => m.local.get(k, f32);
  const set = (k: number, e: number) => m.local.set(k, e);
  const add = (a: number, b: number) => m.i32.add(a, b);
  const mul = (a: number, b: number) => m.i32.mul(a, b);
  const vadd = (a: number, b: number) => m.f32x4.add(a, b);
  const vmul = (a: number, b: number) => m.f32x4.mul(a, b);
  const vsub = (a: number, b: number) => m.f32x4.sub(a, b);
  const ld = (offset: number, ptr: number) => m.v128.load(offset, A16, ptr);
  const st = (offset: number, ptr: number, v: number) => m.v128.store(offset, A16, ptr, v);
  const zeroV = () => m.v128.const(new Array(16).fill(0));
  const constV = (v: number) => m.v128.const(splatBytes(v));
  let labelN = 0;
  const label = (s: string) => `${s}${labelN++}`;
  /** do { body } while (cond), entered only when `guard` holds (if given). */
  const doWhile = (body: number[], cond: (l: string) => number, guard?: number) => {
    const l = label('l');
    const loop = m.loop(l, m.block(null, [...body, m.br(l, cond(l))]));
    return guard === undefined ? loop : m.if(guard, loop);
  };
  /** P-vector groups of at most 8 vectors (f32x4 accumulators held in registers). */
  const groups = (nv: number, size = 8) => {
    const out: [number, number][] = [];
    for (let k = 0; k < nv; k += size) out.push([k, Math.min(nv, k + size)]);
    return out;
  };
  // Output chunks: nC full chunks of 8 vectors, then a tail of 1..8 vectors holding the last
  // (possibly padded) vector, so the pixel mask is needed only there.
  const nC = Math.floor((DV - 1) / 8);
  const tailV = DV - 8 * nC;
  const maskLast = D % 4 !== 0;
  const maskBytes = Array.from(new Uint8Array(new Uint32Array([0, 1, 2, 3].map((l) => (l < D % 4 ? 0xffffffff : 0))).buffer));

  // ---- forward(idx, n, gscale, rp, co, va, xd) -> f64 --------------------------------------
  {
    begin(7);
    const pIdx = 0, pN = 1, pGs = 2, pRp = 3, pCo = 4, pVa = 5, pXd = 6;
    const i = local(i32), s = local(i32), jp = local(i32), jpEnd = local(i32), delta = local(i32);
    const hrow = local(i32), cnt = local(i32), p = local(i32), n = local(i32), q = local(i32), qEnd = local(i32);
    const cb = local(i32), xrow = local(i32), row = local(i32), wrow = local(i32), k4 = local(i32);
    const h = local(f32);
    const loss = local(f64);
    const acc = Array.from({ length: 8 }, () => local(v128));
    const vs = local(v128), lossv = local(v128), gsv = local(v128), yv = local(v128), rv = local(v128), dav = local(v128);
    const tv = local(v128), nv = local(v128);

    const body: number[] = [];
    // zero ∂b_b (accumulated per chunk below) and the per-unit list lengths
    body.push(set(k4, c(0)));
    body.push(doWhile([st(L.gr + L.oBB, gi(k4), zeroV()), set(k4, add(gi(k4), c(16)))], () => m.i32.lt_u(gi(k4), c(Dp * 4))));
    body.push(set(k4, c(0)));
    body.push(doWhile([m.i32.store(L.pln, 4, gi(k4), c(0)), set(k4, add(gi(k4), c(4)))], () => m.i32.lt_u(gi(k4), c(Pp * 4))));
    body.push(set(gsv, m.f32x4.splat(gf(pGs))));
    body.push(set(loss, m.f64.const(0)));
    body.push(set(delta, m.i32.sub(gi(pVa), gi(pCo))));

    /** y = sigmoid(a) into yv, via exp(−a) = 2ⁿ·p(r) (Cephes expf; −a clamped to [−87.3, 88]). */
    const sigmoid = (a: number): number[] => [
      set(tv, m.f32x4.min(m.f32x4.max(m.f32x4.neg(a), constV(-87.33654)), constV(88.0))),
      set(nv, m.f32x4.nearest(vmul(gv(tv), constV(1.44269504088896341)))),
      set(tv, vsub(vsub(gv(tv), vmul(gv(nv), constV(0.693359375))), vmul(gv(nv), constV(-2.12194440e-4)))),
      set(
        yv,
        vadd(
          vadd(
            vmul(
              vadd(vmul(vadd(vmul(vadd(vmul(vadd(vmul(vadd(vmul(constV(1.9875691500e-4), gv(tv)), constV(1.3981999507e-3)), gv(tv)), constV(8.3334519073e-3)), gv(tv)), constV(4.1665795894e-2)), gv(tv)), constV(1.6666665459e-1)), gv(tv)), constV(5.0000001201e-1)),
              vmul(gv(tv), gv(tv)),
            ),
            gv(tv),
          ),
          constV(1),
        ),
      ),
      // × 2ⁿ built from the exponent bits
      set(yv, vmul(gv(yv), m.i32x4.shl(m.i32x4.add(m.i32x4.trunc_sat_f32x4_s(gv(nv)), m.v128.const(Array.from(new Uint8Array(new Int32Array([127, 127, 127, 127]).buffer)))), c(23)))),
      set(yv, m.f32x4.div(constV(1), vadd(constV(1), gv(yv)))),
    ];

    /** One output chunk of K vectors at byte offset cb within the row. */
    const chunk = (K: number, masked: boolean): number[] => {
      const out: number[] = [];
      for (let k = 0; k < K; k++) out.push(set(acc[k], ld(L.par + L.oBB + 16 * k, gi(cb))));
      const inner: number[] = [
        set(p, m.i32.load(0, 4, gi(q))),
        set(vs, m.v128.load32_splat(L.hlv - L.hlp, 4, gi(q))),
        set(wrow, add(mul(gi(p), c(Dp * 4)), gi(cb))),
      ];
      for (let k = 0; k < K; k++) inner.push(set(acc[k], vadd(gv(acc[k]), vmul(gv(vs), ld(L.par + L.oWB + 16 * k, gi(wrow))))));
      inner.push(set(q, add(gi(q), c(4))));
      out.push(set(q, add(c(L.hlp), gi(hrow))));
      out.push(doWhile(inner, () => m.i32.lt_u(gi(q), gi(qEnd)), m.i32.lt_u(gi(q), gi(qEnd))));
      for (let k = 0; k < K; k++) {
        out.push(...sigmoid(gv(acc[k])));
        let r = vsub(gv(yv), ld(16 * k, add(gi(xrow), gi(cb))));
        if (masked && k === K - 1) r = m.v128.and(r, m.v128.const(maskBytes));
        out.push(set(rv, r));
        out.push(set(lossv, vadd(gv(lossv), vmul(gv(rv), gv(rv)))));
        out.push(set(dav, vmul(vmul(vmul(gv(gsv), gv(rv)), gv(yv)), vsub(constV(1), gv(yv)))));
        out.push(st(L.y + 16 * k, add(gi(row), gi(cb)), gv(yv)));
        out.push(st(L.da + 16 * k, add(gi(row), gi(cb)), gv(dav)));
        out.push(st(L.gr + L.oBB + 16 * k, gi(cb), vadd(ld(L.gr + L.oBB + 16 * k, gi(cb)), gv(dav))));
      }
      return out;
    };

    const sample: number[] = [
      set(s, m.i32.load(0, 4, add(gi(pIdx), m.i32.shl(gi(i), c(2))))),
      set(hrow, mul(gi(i), c(Pp * 4))),
    ];
    // codes: H[i] = relu(bf + Σ_nonzero x_d · wfT[d]), P in groups of ≤ 8 vectors
    for (const [k0, k1] of groups(PV)) {
      for (let k = k0; k < k1; k++) sample.push(set(acc[k - k0], ld(L.par + L.oBF + 16 * k, c(0))));
      sample.push(set(jp, add(gi(pCo), m.i32.shl(m.i32.load(0, 4, add(gi(pRp), m.i32.shl(gi(s), c(2)))), c(2)))));
      sample.push(set(jpEnd, add(gi(pCo), m.i32.shl(m.i32.load(4, 4, add(gi(pRp), m.i32.shl(gi(s), c(2)))), c(2)))));
      const inner: number[] = [set(n, m.i32.load(0, 4, gi(jp))), set(vs, m.v128.load32_splat(0, 4, add(gi(jp), gi(delta))))];
      for (let k = k0; k < k1; k++) inner.push(set(acc[k - k0], vadd(gv(acc[k - k0]), vmul(gv(vs), ld(L.par + L.oWF + 16 * k, gi(n))))));
      inner.push(set(jp, add(gi(jp), c(4))));
      sample.push(doWhile(inner, () => m.i32.lt_u(gi(jp), gi(jpEnd)), m.i32.lt_u(gi(jp), gi(jpEnd))));
      for (let k = k0; k < k1; k++) sample.push(st(L.h + 16 * k, gi(hrow), m.f32x4.max(gv(acc[k - k0]), zeroV())));
    }
    // lists: active units of this sample; this sample on each active unit's list
    sample.push(set(cnt, c(0)), set(p, c(0)));
    sample.push(
      doWhile(
        [
          set(h, m.f32.load(L.h, 4, add(gi(hrow), m.i32.shl(gi(p), c(2))))),
          m.if(
            m.f32.gt(gf(h), m.f32.const(0)),
            m.block(null, [
              m.i32.store(L.hlp, 4, add(gi(hrow), m.i32.shl(gi(cnt), c(2))), gi(p)),
              m.f32.store(L.hlv, 4, add(gi(hrow), m.i32.shl(gi(cnt), c(2))), gf(h)),
              set(cnt, add(gi(cnt), c(1))),
              set(n, m.i32.load(L.pln, 4, m.i32.shl(gi(p), c(2)))),
              m.i32.store(L.pli, 4, m.i32.shl(add(mul(gi(p), c(maxB)), gi(n)), c(2)), gi(i)),
              m.f32.store(L.plv, 4, m.i32.shl(add(mul(gi(p), c(maxB)), gi(n)), c(2)), gf(h)),
              m.i32.store(L.pln, 4, m.i32.shl(gi(p), c(2)), add(gi(n), c(1))),
            ]),
          ),
          set(p, add(gi(p), c(1))),
        ],
        () => m.i32.lt_u(gi(p), c(P)),
      ),
    );
    sample.push(m.i32.store(L.hln, 4, m.i32.shl(gi(i), c(2)), gi(cnt)));
    // outputs, deltas and loss, chunk by chunk
    sample.push(
      set(qEnd, add(add(c(L.hlp), gi(hrow)), m.i32.shl(gi(cnt), c(2)))),
      set(xrow, add(gi(pXd), mul(gi(s), c(Dp * 4)))),
      set(row, mul(gi(i), c(Dp * 4))),
      set(lossv, zeroV()),
      set(cb, c(0)),
    );
    if (nC > 0) sample.push(doWhile([...chunk(8, false), set(cb, add(gi(cb), c(128)))], () => m.i32.lt_u(gi(cb), c(nC * 128))));
    sample.push(...chunk(tailV, maskLast));
    sample.push(
      set(
        loss,
        m.f64.add(
          m.local.get(loss, f64),
          m.f64.promote(
            m.f32.add(
              m.f32.add(m.f32x4.extract_lane(gv(lossv), 0), m.f32x4.extract_lane(gv(lossv), 1)),
              m.f32.add(m.f32x4.extract_lane(gv(lossv), 2), m.f32x4.extract_lane(gv(lossv), 3)),
            ),
          ),
        ),
      ),
    );
    sample.push(set(i, add(gi(i), c(1))));
    body.push(set(i, c(0)));
    body.push(doWhile(sample, () => m.i32.lt_u(gi(i), gi(pN)), m.i32.lt_u(gi(i), gi(pN))));
    body.push(m.local.get(loss, f64));
    m.addFunction('forward', binaryen.createType([i32, i32, f32, i32, i32, i32, i32]), f64, vars, m.block(null, body, f64));
    m.addFunctionExport('forward', 'forward');
  }

  // ---- backward(idx, n, rp, co, va) ----------------------------------------------------------
  {
    begin(5);
    const pIdx = 0, pN = 1, pRp = 2, pCo = 3, pVa = 4;
    const i = local(i32), s = local(i32), p = local(i32), q = local(i32), qEnd = local(i32), cb = local(i32);
    const wrow = local(i32), arow = local(i32), hrow = local(i32), vb = local(i32), n = local(i32);
    const jp = local(i32), jpEnd = local(i32), delta = local(i32), k4 = local(i32);
    const acc = Array.from({ length: 8 }, () => local(v128));
    const vs = local(v128), sum = local(v128);
    const body: number[] = [set(delta, m.i32.sub(gi(pVa), gi(pCo)))];

    // ∂W_b: gwbT[p] = Σ over samples on p's list of h · dA[sample]
    const gchunk = (K: number): number[] => {
      const out: number[] = [];
      for (let k = 0; k < K; k++) out.push(set(acc[k], zeroV()));
      const inner: number[] = [
        set(arow, add(mul(m.i32.load(0, 4, gi(q)), c(Dp * 4)), gi(cb))),
        set(vs, m.v128.load32_splat(L.plv - L.pli, 4, gi(q))),
      ];
      for (let k = 0; k < K; k++) inner.push(set(acc[k], vadd(gv(acc[k]), vmul(gv(vs), ld(L.da + 16 * k, gi(arow))))));
      inner.push(set(q, add(gi(q), c(4))));
      out.push(set(q, add(c(L.pli), mul(gi(p), c(maxB * 4)))));
      out.push(doWhile(inner, () => m.i32.lt_u(gi(q), gi(qEnd)), m.i32.lt_u(gi(q), gi(qEnd))));
      for (let k = 0; k < K; k++) out.push(st(L.gr + L.oWB + 16 * k, add(gi(wrow), gi(cb)), gv(acc[k])));
      return out;
    };
    const unit: number[] = [
      set(qEnd, add(add(c(L.pli), mul(gi(p), c(maxB * 4))), m.i32.shl(m.i32.load(L.pln, 4, m.i32.shl(gi(p), c(2))), c(2)))),
      set(wrow, mul(gi(p), c(Dp * 4))),
      set(cb, c(0)),
    ];
    if (nC > 0) unit.push(doWhile([...gchunk(8), set(cb, add(gi(cb), c(128)))], () => m.i32.lt_u(gi(cb), c(nC * 128))));
    unit.push(...gchunk(tailV));
    unit.push(set(p, add(gi(p), c(1))));
    body.push(set(p, c(0)), doWhile(unit, () => m.i32.lt_u(gi(p), c(Pp))));

    // dZ[i][p] = dA[i] · wbT[p] for active units (0 for the others: relu' = 0)
    const DV4 = Math.floor(DV / 4);
    const dot: number[] = [set(p, m.i32.load(0, 4, gi(q))), set(wrow, mul(gi(p), c(Dp * 4)))];
    for (let k = 0; k < 4; k++) dot.push(set(acc[k], zeroV()));
    dot.push(set(vb, c(0)));
    if (DV4 > 0) {
      const inner: number[] = [];
      for (let k = 0; k < 4; k++) inner.push(set(acc[k], vadd(gv(acc[k]), vmul(ld(L.da + 16 * k, add(gi(arow), gi(vb))), ld(L.par + L.oWB + 16 * k, add(gi(wrow), gi(vb)))))));
      inner.push(set(vb, add(gi(vb), c(64))));
      dot.push(doWhile(inner, () => m.i32.lt_u(gi(vb), c(DV4 * 64))));
    }
    for (let k = 0; k < DV % 4; k++)
      dot.push(set(acc[k], vadd(gv(acc[k]), vmul(ld(L.da + DV4 * 64 + 16 * k, gi(arow)), ld(L.par + L.oWB + DV4 * 64 + 16 * k, gi(wrow))))));
    dot.push(set(sum, vadd(vadd(gv(acc[0]), gv(acc[1])), vadd(gv(acc[2]), gv(acc[3])))));
    dot.push(
      m.f32.store(
        L.dz,
        4,
        add(gi(hrow), m.i32.shl(gi(p), c(2))),
        m.f32.add(m.f32.add(m.f32x4.extract_lane(gv(sum), 0), m.f32x4.extract_lane(gv(sum), 1)), m.f32.add(m.f32x4.extract_lane(gv(sum), 2), m.f32x4.extract_lane(gv(sum), 3))),
      ),
    );
    dot.push(set(q, add(gi(q), c(4))));
    const dzSample: number[] = [set(hrow, mul(gi(i), c(Pp * 4))), set(arow, mul(gi(i), c(Dp * 4)))];
    for (let k = 0; k < PV; k++) dzSample.push(st(L.dz + 16 * k, gi(hrow), zeroV()));
    dzSample.push(
      set(q, add(c(L.hlp), gi(hrow))),
      set(qEnd, add(gi(q), m.i32.shl(m.i32.load(L.hln, 4, m.i32.shl(gi(i), c(2))), c(2)))),
      doWhile(dot, () => m.i32.lt_u(gi(q), gi(qEnd)), m.i32.lt_u(gi(q), gi(qEnd))),
      set(i, add(gi(i), c(1))),
    );
    body.push(set(i, c(0)), doWhile(dzSample, () => m.i32.lt_u(gi(i), gi(pN)), m.i32.lt_u(gi(i), gi(pN))));

    // ∂W_f, ∂b_f: zero them (contiguous), then gwfT[d] += x_d · dZ[i] over the CSR
    body.push(set(k4, c(L.gr + L.oWF)));
    body.push(doWhile([st(0, gi(k4), zeroV()), set(k4, add(gi(k4), c(16)))], () => m.i32.lt_u(gi(k4), c(L.gr + L.oWB))));
    const fSample: number[] = [set(s, m.i32.load(0, 4, add(gi(pIdx), m.i32.shl(gi(i), c(2))))), set(hrow, mul(gi(i), c(Pp * 4)))];
    const perGroup: number[] = [];
    for (const [k0, k1] of groups(PV)) {
      for (let k = k0; k < k1; k++) {
        perGroup.push(set(acc[k - k0], ld(L.dz + 16 * k, gi(hrow))));
        perGroup.push(st(L.gr + L.oBF + 16 * k, c(0), vadd(ld(L.gr + L.oBF + 16 * k, c(0)), gv(acc[k - k0]))));
      }
      perGroup.push(set(jp, add(gi(pCo), m.i32.shl(m.i32.load(0, 4, add(gi(pRp), m.i32.shl(gi(s), c(2)))), c(2)))));
      perGroup.push(set(jpEnd, add(gi(pCo), m.i32.shl(m.i32.load(4, 4, add(gi(pRp), m.i32.shl(gi(s), c(2)))), c(2)))));
      const inner: number[] = [set(n, m.i32.load(0, 4, gi(jp))), set(vs, m.v128.load32_splat(0, 4, add(gi(jp), gi(delta))))];
      for (let k = k0; k < k1; k++) inner.push(st(L.gr + L.oWF + 16 * k, gi(n), vadd(ld(L.gr + L.oWF + 16 * k, gi(n)), vmul(gv(vs), gv(acc[k - k0])))));
      inner.push(set(jp, add(gi(jp), c(4))));
      perGroup.push(doWhile(inner, () => m.i32.lt_u(gi(jp), gi(jpEnd)), m.i32.lt_u(gi(jp), gi(jpEnd))));
    }
    // a sample with no active unit has dZ = 0: nothing to add
    fSample.push(m.if(m.i32.ne(m.i32.load(L.hln, 4, m.i32.shl(gi(i), c(2))), c(0)), m.block(null, perGroup)));
    fSample.push(set(i, add(gi(i), c(1))));
    body.push(set(i, c(0)), doWhile(fSample, () => m.i32.lt_u(gi(i), gi(pN)), m.i32.lt_u(gi(i), gi(pN))));
    m.addFunction('backward', binaryen.createType([i32, i32, i32, i32, i32]), binaryen.none, vars, m.block(null, body));
    m.addFunctionExport('backward', 'backward');
  }

  // ---- adam(b1, b2, ob1, ob2, eps, step, bc2) -----------------------------------------------
  {
    begin(7);
    const q = local(i32);
    const sp = Array.from({ length: 7 }, () => local(v128));
    const g = local(v128), mv = local(v128), vv = local(v128);
    const [b1, b2, ob1, ob2, eps, step, bc2] = sp;
    const body: number[] = sp.map((k, j) => set(k, m.f32x4.splat(gf(j))));
    const G = L.gr - L.par, M = L.mm - L.par, V = L.vv - L.par;
    body.push(set(q, c(L.par)));
    body.push(
      doWhile(
        [
          set(g, ld(G, gi(q))),
          set(mv, vadd(vmul(gv(b1), ld(M, gi(q))), vmul(gv(ob1), gv(g)))),
          set(vv, vadd(vmul(gv(b2), ld(V, gi(q))), vmul(gv(ob2), vmul(gv(g), gv(g))))),
          // flush |m|, v < ADAM_FLUSH to 0 (see autoencoder.ts); NaN stays NaN
          set(mv, m.v128.andnot(gv(mv), m.f32x4.lt(m.f32x4.abs(gv(mv)), constV(ADAM_FLUSH)))),
          set(vv, m.v128.andnot(gv(vv), m.f32x4.lt(gv(vv), constV(ADAM_FLUSH)))),
          st(M, gi(q), gv(mv)),
          st(V, gi(q), gv(vv)),
          // PyTorch: p.addcdiv_(m, √v / √(1 − β2ᵗ) + eps, value = −lr / (1 − β1ᵗ))
          st(0, gi(q), vsub(ld(0, gi(q)), vmul(gv(step), m.f32x4.div(gv(mv), vadd(m.f32x4.div(m.f32x4.sqrt(gv(vv)), gv(bc2)), gv(eps)))))),
          set(q, add(gi(q), c(16))),
        ],
        () => m.i32.lt_u(gi(q), c(L.par + L.npar * 4)),
      ),
    );
    m.addFunction('adam', binaryen.createType(new Array(7).fill(f32)), binaryen.none, vars, m.block(null, body));
    m.addFunctionExport('adam', 'adam');
  }
  return emitOptimized(m, 'autoencoder kernel');
}

const modules = new Map<string, Promise<WebAssembly.Module>>();
function aeModule(L: Layout): Promise<WebAssembly.Module> {
  const key = `${L.D},${L.P},${L.maxB}`;
  let mod = modules.get(key);
  if (!mod) {
    mod = WebAssembly.compile(buildAeKernel(L) as Uint8Array<ArrayBuffer>);
    modules.set(key, mod);
    mod.catch(() => modules.delete(key));
  }
  return mod;
}

interface AeExports {
  forward(idx: number, n: number, gscale: number, rp: number, co: number, va: number, xd: number): number;
  backward(idx: number, n: number, rp: number, co: number, va: number): void;
  adam(b1: number, b2: number, ob1: number, ob2: number, eps: number, step: number, bc2: number): void;
}

async function createAeWasm(x: Float32Array, count: number, cfg: AeConfig): Promise<AeKernel> {
  const L = aeLayout(cfg.dim, cfg.hidden, cfg.maxBatch);
  const { D, P, Dp, Pp, maxB } = L;
  let nnz = 0;
  for (let i = 0; i < count * D; i++) if (x[i] !== 0) nnz++;
  const rp = L.end;
  const co = rp + Math.ceil(((count + 1) * 4) / 16) * 16;
  const va = co + Math.ceil((nnz * 4) / 16) * 16;
  const xd = va + Math.ceil((nnz * 4) / 16) * 16;
  const bytes = xd + count * Dp * 4;
  const pages = Math.ceil(bytes / 65536);
  if (pages > 65536) throw new Error(`autoencoder (wasm): ${count}×${D} training data needs more than 4 GiB of wasm memory`);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const buf = memory.buffer as unknown as ArrayBuffer;
  const f = new Float32Array(buf);
  const u = new Int32Array(buf);
  // training data: CSR of the non-zeros (offsets into wfT in bytes) and padded dense rows
  let j = 0;
  for (let s = 0; s < count; s++) {
    u[rp / 4 + s] = j;
    const o = s * D;
    for (let d = 0; d < D; d++) {
      const v = x[o + d];
      if (v === 0) continue;
      u[co / 4 + j] = d * Pp * 4;
      f[va / 4 + j] = v;
      j++;
    }
    f.set(x.subarray(o, o + D), xd / 4 + s * Dp);
  }
  u[rp / 4 + count] = j;
  const inst = await WebAssembly.instantiate(await aeModule(L), { env: { memory } });
  const k = inst.exports as unknown as AeExports;
  let steps = 0;
  let disposed = false;

  const toBlock = (p: AeParams, base: number) => {
    const w = base / 4;
    f.fill(0, w, w + L.npar);
    for (let q = 0; q < P; q++) for (let d = 0; d < D; d++) f[w + L.oWF / 4 + d * Pp + q] = p.wf[q * D + d];
    f.set(p.bf, w + L.oBF / 4);
    for (let d = 0; d < D; d++) for (let q = 0; q < P; q++) f[w + L.oWB / 4 + q * Dp + d] = p.wb[d * P + q];
    f.set(p.bb, w + L.oBB / 4);
  };
  const fromBlock = (base: number): AeParams => {
    const w = base / 4;
    const wf = new Float32Array(P * D);
    const wb = new Float32Array(D * P);
    for (let q = 0; q < P; q++) for (let d = 0; d < D; d++) wf[q * D + d] = f[w + L.oWF / 4 + d * Pp + q];
    for (let d = 0; d < D; d++) for (let q = 0; q < P; q++) wb[d * P + q] = f[w + L.oWB / 4 + q * Dp + d];
    return { wf, bf: f.slice(w + L.oBF / 4, w + L.oBF / 4 + P), wb, bb: f.slice(w + L.oBB / 4, w + L.oBB / 4 + D) };
  };
  const alive = () => {
    if (disposed) throw new Error('autoencoder (wasm): used after dispose()');
  };
  /** Forward + backward of indices[from, from + n) staged into the minibatch index region. */
  const pass = (indices: Int32Array, from: number, n: number): number => {
    u.set(indices.subarray(from, from + n), L.idx / 4);
    const sse = k.forward(L.idx, n, gradScale(cfg, n), rp, co, va, xd);
    k.backward(L.idx, n, rp, co, va);
    return sse;
  };

  return {
    config: cfg,
    kind: 'wasm-simd',
    get steps() {
      return steps;
    },
    async writeParams(p) {
      alive();
      checkParams(p, D, P);
      toBlock(p, L.par);
    },
    async readParams() {
      alive();
      return fromBlock(L.par);
    },
    async readAdam() {
      alive();
      return { m: fromBlock(L.mm), v: fromBlock(L.vv) };
    },
    async train(order) {
      alive();
      checkIndices(order, count, Infinity);
      let sse = 0;
      for (let b0 = 0; b0 < order.length; b0 += maxB) {
        const n = Math.min(maxB, order.length - b0);
        sse += pass(order, b0, n);
        const a = adamScalars(cfg, ++steps);
        k.adam(a.b1, a.b2, a.ob1, a.ob2, a.eps, a.step, a.bc2);
      }
      return sse;
    },
    async probe(indices) {
      alive();
      checkIndices(indices, count, maxB);
      const n = indices.length;
      const sse = pass(indices, 0, n);
      const codes = new Float32Array(n * P);
      const outputs = new Float32Array(n * D);
      for (let i = 0; i < n; i++) {
        codes.set(f.subarray(L.h / 4 + i * Pp, L.h / 4 + i * Pp + P), i * P);
        outputs.set(f.subarray(L.y / 4 + i * Dp, L.y / 4 + i * Dp + D), i * D);
      }
      return { codes, outputs, grads: fromBlock(L.gr), sse };
    },
    dispose() {
      disposed = true;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Plain JS, for comparison (same math, f32 storage, sums in f64 locals rounded when stored)

function createAeJs(x: Float32Array, count: number, cfg: AeConfig): AeKernel {
  const { dim: D, hidden: P, maxBatch: maxB } = cfg;
  // params in kernel layouts: wfT (D×P), bf, wbT (P×D), bb; grads, m, v alike
  const block = () => ({ wfT: new Float32Array(D * P), bf: new Float32Array(P), wbT: new Float32Array(P * D), bb: new Float32Array(D) });
  const par = block();
  const gr = block();
  const mo = block();
  const ve = block();
  const H = new Float32Array(maxB * P);
  const Y = new Float32Array(maxB * D);
  const dA = new Float32Array(maxB * D);
  const dZ = new Float32Array(maxB * P);
  const act = new Int32Array(maxB * P);
  const nAct = new Int32Array(maxB);
  const acc = new Float64Array(Math.max(P, D));
  // CSR of the inputs
  let nnz = 0;
  for (let i = 0; i < count * D; i++) if (x[i] !== 0) nnz++;
  const rp = new Int32Array(count + 1);
  const ci = new Int32Array(nnz);
  const cv = new Float32Array(nnz);
  for (let s = 0, j = 0; s < count; s++) {
    rp[s] = j;
    for (let d = 0; d < D; d++) {
      const v = x[s * D + d];
      if (v !== 0) {
        ci[j] = d;
        cv[j++] = v;
      }
    }
    rp[s + 1] = j;
  }
  let steps = 0;

  const pass = (idx: Int32Array, from: number, n: number): number => {
    const gs = gradScale(cfg, n);
    let sse = 0;
    // locals, so the loops index plain typed arrays
    const { wfT, bf, wbT, bb } = par;
    const gwfT = gr.wfT, gbf = gr.bf, gwbT = gr.wbT, gbb = gr.bb;
    gbb.fill(0);
    for (let i = 0; i < n; i++) {
      const s = idx[from + i];
      for (let q = 0; q < P; q++) acc[q] = bf[q];
      for (let j = rp[s]; j < rp[s + 1]; j++) {
        const v = cv[j];
        const o = ci[j] * P;
        for (let q = 0; q < P; q++) acc[q] += v * wfT[o + q];
      }
      let na = 0;
      for (let q = 0; q < P; q++) {
        const h = acc[q] > 0 ? Math.fround(acc[q]) : 0;
        H[i * P + q] = h;
        if (h > 0) act[i * P + na++] = q;
      }
      nAct[i] = na;
      for (let d = 0; d < D; d++) acc[d] = bb[d];
      for (let a = 0; a < na; a++) {
        const q = act[i * P + a];
        const h = H[i * P + q];
        const o = q * D;
        for (let d = 0; d < D; d++) acc[d] += h * wbT[o + d];
      }
      const xo = s * D;
      const ro = i * D;
      for (let d = 0; d < D; d++) {
        const y = Math.fround(1 / (1 + Math.exp(-acc[d])));
        const r = y - x[xo + d];
        sse += r * r;
        const g = Math.fround(gs * r * y * (1 - y));
        Y[ro + d] = y;
        dA[ro + d] = g;
        gbb[d] += g;
      }
    }
    // ∂W_b
    gwbT.fill(0);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < nAct[i]; a++) {
        const q = act[i * P + a];
        const h = H[i * P + q];
        const o = q * D;
        const ro = i * D;
        for (let d = 0; d < D; d++) gwbT[o + d] += h * dA[ro + d];
      }
    }
    // dZ, ∂W_f, ∂b_f
    gwfT.fill(0);
    gbf.fill(0);
    for (let i = 0; i < n; i++) {
      const zo = i * P;
      dZ.fill(0, zo, zo + P);
      const ro = i * D;
      for (let a = 0; a < nAct[i]; a++) {
        const q = act[i * P + a];
        const o = q * D;
        let t = 0;
        for (let d = 0; d < D; d++) t += dA[ro + d] * wbT[o + d];
        dZ[zo + q] = t;
      }
      for (let q = 0; q < P; q++) gbf[q] += dZ[zo + q];
      const s = idx[from + i];
      for (let j = rp[s]; j < rp[s + 1]; j++) {
        const v = cv[j];
        const o = ci[j] * P;
        for (let q = 0; q < P; q++) gwfT[o + q] += v * dZ[zo + q];
      }
    }
    return sse;
  };

  const adam = () => {
    const a = adamScalars(cfg, ++steps);
    const f = Math.fround;
    for (const key of ['wfT', 'bf', 'wbT', 'bb'] as const) {
      const p = par[key], g = gr[key], mm = mo[key], vv = ve[key];
      for (let j = 0; j < p.length; j++) {
        const gj = g[j];
        let mj = f(f(a.b1 * mm[j]) + f(a.ob1 * gj));
        let vj = f(f(a.b2 * vv[j]) + f(a.ob2 * f(gj * gj)));
        if (Math.abs(mj) < ADAM_FLUSH) mj = 0;
        if (vj < ADAM_FLUSH) vj = 0;
        mm[j] = mj;
        vv[j] = vj;
        p[j] -= f(a.step * f(mj / f(f(Math.sqrt(vj) / a.bc2) + a.eps)));
      }
    }
  };

  const toPy = (b: ReturnType<typeof block>): AeParams => {
    const wf = new Float32Array(P * D);
    const wb = new Float32Array(D * P);
    for (let q = 0; q < P; q++) for (let d = 0; d < D; d++) wf[q * D + d] = b.wfT[d * P + q];
    for (let d = 0; d < D; d++) for (let q = 0; q < P; q++) wb[d * P + q] = b.wbT[q * D + d];
    return { wf, bf: b.bf.slice(), wb, bb: b.bb.slice() };
  };

  return {
    config: cfg,
    kind: 'js',
    get steps() {
      return steps;
    },
    async writeParams(p) {
      checkParams(p, D, P);
      for (let q = 0; q < P; q++) for (let d = 0; d < D; d++) par.wfT[d * P + q] = p.wf[q * D + d];
      for (let d = 0; d < D; d++) for (let q = 0; q < P; q++) par.wbT[q * D + d] = p.wb[d * P + q];
      par.bf.set(p.bf);
      par.bb.set(p.bb);
    },
    async readParams() {
      return toPy(par);
    },
    async readAdam() {
      return { m: toPy(mo), v: toPy(ve) };
    },
    async train(order) {
      checkIndices(order, count, Infinity);
      let sse = 0;
      for (let b0 = 0; b0 < order.length; b0 += maxB) {
        sse += pass(order, b0, Math.min(maxB, order.length - b0));
        adam();
      }
      return sse;
    },
    async probe(indices) {
      checkIndices(indices, count, maxB);
      const n = indices.length;
      const sse = pass(indices, 0, n);
      return { codes: H.slice(0, n * P), outputs: Y.slice(0, n * D), grads: toPy(gr), sse };
    },
    dispose() {},
  };
}
