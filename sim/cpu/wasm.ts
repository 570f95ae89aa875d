// The cpu backend's hot loop: one post neuron's synapses (plasticity of the pending step fused with
// the gather of the current step), generated per rule as WebAssembly with binaryen.
// Arithmetic is f32, like WGSL: measured here, f32↔f64 conversions in the synapse loop halve its
// throughput (gcc -O3 on the W1 loop: 3.3e8 synapse-steps/s in f32 against 1.6-1.9e8 in f64).
// compile.ts's `js` emits the same expressions with an f32 rounding after every operation.
import binaryen from 'binaryen';
import { emitOptimized, sharedMemoryModule } from '../wasm-module.ts';
import type { CompiledRule } from '../compiler/compile.ts';
import type { Expr } from '../compiler/parse.ts';
import { isGroupSoma, SOMA } from '../tensor.ts';
import type { Layout } from './layout.ts';

type Ref = number;
const { i32, f32, f64, v128 } = binaryen;

export interface KernelOptions {
  wMin: number;
  wMax: number;
  /** Every contribution sign is +1: skip the sign lookup. */
  uniformSign: boolean;
  traits: NeuronTraits;
}

/** What the whole tensor shares, so the generated neuron phase can drop branches it never takes. */
export interface NeuronTraits {
  /** The soma code every neuron without a group soma uses, or null when they differ. */
  soma: number | null;
  /** Some neuron has a group soma (kwta, softmax): the row pass leaves it to `groups`. */
  groups: boolean;
  /** Some neuron has α < 1. */
  leak: boolean;
  /** Some neuron has ηθ ≠ 0. */
  homeostasis: boolean;
}

export function neuronTraits(t: { soma: Uint8Array; alpha: Float32Array; etaTheta: Float32Array }): NeuronTraits {
  const plain = t.soma.filter((k) => !isGroupSoma(k));
  return {
    soma: plain.every((k) => k === (plain[0] ?? SOMA.relu)) ? (plain[0] ?? SOMA.relu) : null,
    groups: plain.length < t.soma.length,
    leak: t.alpha.some((x) => x !== 1),
    homeostasis: t.etaTheta.some((x) => x !== 0),
  };
}

/** Imported from JS so both paths call the very same functions. */
export const MATH_IMPORTS = ['exp', 'log', 'tanh', 'pow'] as const;

/**
 * Activities are [previous, current] pairs per neuron, a[inBase + 2n + {0, 1}], in two buffers that
 * alternate every step (the neuron phase writes the other one), so a synapse's two gathers (pre for
 * its plasticity, pre for the new step) are one 8-byte load from an 8-byte-per-neuron working set.
 * The layout stores each synapse's presynaptic neuron as the byte offset of its pair, 8·(base + pre),
 * so a lane's address is one add.
 *
 * Exports `row(g0, g1, prevByte, curByte, mode, post, u, theta, fanin, ...terms, ...orgParams) -> f32`,
 * with prevByte = 4·inBase and curByte = prevByte + 4, and the row's organism's values of the
 * rule's per-organism parameters (rule.orgParamNames; loaded once per row, not per synapse):
 * mode bit 0: apply pending plasticity (pre = activity at prevByte + pre(s)); bit 1: gather (at
 * curByte + pre(s)) into v[g]. Returns 0, or NaN when an updated weight is not finite.
 * `neuron(n, inBase, outBase, p, T) -> flags`: the neuron phase of row n.
 * `rows(r0, r1, inBase, outBase, mode, p, T) -> flags`: both for a range of rows (one call per
 * block of rows instead of one per neuron).
 * With group somas (traits.groups), the neuron phase of their rows stops after storing u, and
 * `groups(q0, q1, inBase, outBase) -> flags` finishes groups [q0, q1) once every row is done.
 */
export function buildRowKernel(rule: CompiledRule, l: Layout, o: KernelOptions): Uint8Array {
  const m = sharedMemoryModule(l.pages, l.pages);
  for (const fn of MATH_IMPORTS) {
    m.addFunctionImport(fn, 'math', fn, binaryen.createType(fn === 'pow' ? [f64, f64] : [f64]), f64);
  }

  const nT = rule.termNames.length;
  const nS = rule.slotNames.length;
  const nP = rule.orgParamNames.length;
  // params
  const P = { g0: 0, g1: 1, prevSlot: 2, curSlot: 3, mode: 4, post: 5, u: 6, theta: 7, fanin: 8 };
  const termParam = (k: number) => 9 + k;
  const orgParamArg = (k: number) => 9 + nT + k;
  const paramTypes = [i32, i32, i32, i32, i32, f32, f32, f32, f32, ...Array(nT).fill(f32), ...Array(nP).fill(f32)];
  // locals
  const vars: number[] = [];
  let next = paramTypes.length;
  const local = (t: number) => {
    vars.push(t);
    return next++;
  };
  const L = {
    g: local(i32),
    s: local(i32),
    s1: local(i32),
    p: local(i32),
    plastic: local(i32),
    w: local(f32),
    x: local(f32),
    y: local(f32),
    sgn: local(f32),
    sgnSeg: local(f32),
    v: local(f32),
    d: local(f32),
    sum: local(f32),
    wbad: local(f32),
    dw: local(f32),
  };
  const slotOld = Array.from({ length: nS }, () => local(f32));
  const slotNew = Array.from({ length: nS }, () => local(f32));
  // 4-wide copies for the SIMD loop
  const V = {
    pre: local(v128),
    w: local(v128),
    x: local(v128),
    y: local(v128),
    sgn: local(v128),
    sum: local(v128),
    bad: local(v128),
    dw: local(v128),
    pairA: local(v128),
    pairB: local(v128),
    addr: local(v128),
  };
  const slotOld4 = Array.from({ length: nS }, () => local(v128));
  const slotNew4 = Array.from({ length: nS }, () => local(v128));

  const get = (i: number, t: number) => m.local.get(i, t);
  const set = (i: number, v: Ref) => m.local.set(i, v);
  const addr = (idx: Ref) => m.i32.shl(idx, m.i32.const(2));
  const ldF = (off: number, idx: Ref) => m.f32.load(off, 4, addr(idx));
  const ldU = (off: number, idx: Ref) => m.i32.load(off, 4, addr(idx));
  const stF = (off: number, idx: Ref, val: Ref) => m.f32.store(off, 4, addr(idx), val);
  const actIdx = (n: Ref, slot: Ref) => m.i32.add(m.i32.shl(n, m.i32.const(1)), slot);
  /** Byte address of sign[n] from a pair's byte offset 8n. */
  const neuronOf = (pairByte: Ref) => m.i32.shr_u(pairByte, m.i32.const(1));
  const O = l.off;
  const S = l.S;
  /** Per-organism parameter k of neuron n's organism (outside the synapse loop). */
  const orgParamOf = (n: () => Ref, k: number) => ldF(O.orgParams, m.i32.add(m.i32.mul(ldU(O.org, n()), m.i32.const(nP)), m.i32.const(k)));
  /** Adds the per-organism parameters to an expression environment. */
  const withOrgParams = (env: Record<string, () => Ref>, ref: (k: number) => Ref): Record<string, () => Ref> => {
    rule.orgParamNames.forEach((name, k) => (env[name] = () => ref(k)));
    return env;
  };

  /** The arithmetic an expression needs, on one f32 (scalarOps) or four lanes (vectorOps). */
  interface Ops {
    const(x: number): Ref;
    neg(a: Ref): Ref;
    add(a: Ref, b: Ref): Ref;
    sub(a: Ref, b: Ref): Ref;
    mul(a: Ref, b: Ref): Ref;
    div(a: Ref, b: Ref): Ref;
    cmp: Record<'<' | '<=' | '>' | '>=' | '==' | '!=', (a: Ref, b: Ref) => Ref>;
    /** A comparison's result as 1 or 0. */
    bool(mask: Ref): Ref;
    select(mask: Ref, a: Ref, b: Ref): Ref;
    sqrt(a: Ref): Ref;
    abs(a: Ref): Ref;
    min(a: Ref, b: Ref): Ref;
    max(a: Ref, b: Ref): Ref;
    /** An imported f64 function (exp, log, tanh, pow). */
    call(fn: string, args: Ref[]): Ref;
  }
  const emitWith = (o: Ops, e: Expr, env: Record<string, () => Ref>): Ref => {
    const rec = (x: Expr) => emitWith(o, x, env);
    switch (e.k) {
      case 'num':
        return o.const(e.value);
      case 'id': {
        const f = Object.hasOwn(env, e.name) ? env[e.name] : undefined;
        if (!f) throw new Error(`wasm kernel: '${e.name}' is not available here`);
        return f();
      }
      case 'neg':
        return o.neg(rec(e.arg));
      case 'bin': {
        const a = rec(e.a);
        const b = rec(e.b);
        return e.op === '+' ? o.add(a, b) : e.op === '-' ? o.sub(a, b) : e.op === '*' ? o.mul(a, b) : o.div(a, b);
      }
      case 'cmp':
        return o.bool(o.cmp[e.op](rec(e.a), rec(e.b)));
      case 'cond':
        return o.select(o.cmp['!='](rec(e.c), o.const(0)), rec(e.a), rec(e.b));
      case 'call': {
        const a = e.args.map(rec);
        switch (e.fn) {
          case 'exp':
          case 'log':
          case 'tanh':
          case 'pow':
            return o.call(e.fn, a);
          case 'sqrt':
            return o.sqrt(a[0]);
          case 'abs':
            return o.abs(a[0]);
          case 'min':
            return o.min(a[0], a[1]);
          case 'max':
            return o.max(a[0], a[1]);
          case 'clamp':
            return o.min(o.max(a[0], a[1]), a[2]);
          case 'relu':
            return o.max(a[0], o.const(0));
          case 'step':
            return o.bool(o.cmp['>'](a[0], o.const(0)));
          case 'sigmoid':
            return o.div(o.const(1), o.add(o.const(1), o.call('exp', [o.neg(a[0])])));
        }
        throw new Error(`wasm kernel: function ${e.fn}`);
      }
    }
  };
  const scalarOps: Ops = {
    const: (x) => m.f32.const(x),
    neg: m.f32.neg,
    add: m.f32.add,
    sub: m.f32.sub,
    mul: m.f32.mul,
    div: m.f32.div,
    cmp: { '<': m.f32.lt, '<=': m.f32.le, '>': m.f32.gt, '>=': m.f32.ge, '==': m.f32.eq, '!=': m.f32.ne },
    bool: (mask) => m.f32.convert_u.i32(mask),
    select: (mask, a, b) => m.select(mask, a, b),
    sqrt: m.f32.sqrt,
    abs: m.f32.abs,
    min: m.f32.min,
    max: m.f32.max,
    call: (fn, args) => m.f32.demote(m.call(fn, args.map((x) => m.f64.promote(x)), f64)),
  };
  const emit = (e: Expr, env: Record<string, () => Ref>): Ref => emitWith(scalarOps, e, env);

  const slotIdx = (k: number) => m.i32.add(get(L.s, i32), m.i32.const(k * S));
  const loadSign = () =>
    o.uniformSign
      ? m.nop()
      : set(L.sgn, m.select(m.f32.ne(get(L.sgnSeg, f32), m.f32.const(0)), get(L.sgnSeg, f32), m.f32.load(O.sign, 4, neuronOf(get(L.p, i32)))));
  const sgnRef = () => (o.uniformSign ? m.f32.const(1) : get(L.sgn, f32));
  // the segment's projection tag, loaded where a rule reads it
  const tagRef = () => ldF(O.segTag, get(L.g, i32));

  const synEnv: Record<string, () => Ref> = {
    pre: () => get(L.x, f32),
    post: () => get(P.post, f32),
    w: () => get(L.w, f32),
    v: () => get(L.v, f32),
    d: () => get(L.d, f32),
    sign: sgnRef,
    fanin: () => get(P.fanin, f32),
    u: () => get(P.u, f32),
    theta: () => get(P.theta, f32),
    tag: tagRef,
  };
  rule.slotNames.forEach((n, k) => (synEnv[n] = () => get(slotOld[k], f32)));
  rule.termNames.forEach((n, k) => (synEnv[n] = () => get(termParam(k), f32)));
  withOrgParams(synEnv, (k) => get(orgParamArg(k), f32));
  const contribEnv: Record<string, () => Ref> = { pre: () => get(L.y, f32), w: () => get(L.w, f32), sign: sgnRef, tag: tagRef };
  rule.slotNames.forEach((n, k) => (contribEnv[n] = () => get(slotNew[k], f32)));
  withOrgParams(contribEnv, (k) => get(orgParamArg(k), f32));

  const plasticity = (): Ref[] => [
    set(L.x, m.f32.load(O.a, 4, m.i32.add(get(L.p, i32), get(P.prevSlot, i32)))),
    ...slotOld.map((loc, k) => set(loc, ldF(O.slots, slotIdx(k)))),
    set(L.dw, emit(rule.dw.ast, synEnv)),
    ...slotNew.map((loc, k) => set(loc, emit(rule.slots[k].ast, synEnv))),
    // clip, then round to f32 so the gather below uses the stored value
    // clip as compare-and-select (NaN passes through, so divergence stays visible); f32.min/max
    // cost several instructions each for their -0/NaN rules
    set(L.w, m.f32.add(get(L.w, f32), get(L.dw, f32))),
    set(L.w, m.select(m.f32.lt(get(L.w, f32), m.f32.const(o.wMin)), m.f32.const(o.wMin), get(L.w, f32))),
    set(L.w, m.select(m.f32.gt(get(L.w, f32), m.f32.const(o.wMax)), m.f32.const(o.wMax), get(L.w, f32))),
    stF(O.w, get(L.s, i32), get(L.w, f32)),
    ...slotNew.map((loc, k) => stF(O.slots, slotIdx(k), get(loc, f32))),
    // w·0 is 0 for every finite weight and NaN otherwise: a sum would overflow first
    set(L.wbad, m.f32.add(get(L.wbad, f32), m.f32.mul(get(L.w, f32), m.f32.const(0)))),
  ];
  const gather = (): Ref[] => {
    const y = set(L.y, m.f32.load(O.a, 4, m.i32.add(get(L.p, i32), get(P.curSlot, i32))));
    const c =
      rule.defaultContribution && o.uniformSign ? m.f32.mul(get(L.w, f32), get(L.y, f32)) : emit(rule.contribution.ast, contribEnv);
    return [y, set(L.sum, m.f32.add(get(L.sum, f32), c))];
  };
  let loopId = 0;

  // ---- SIMD: four synapses per iteration -------------------------------------------------
  const splat = (x: Ref) => m.f32x4.splat(x);
  const lane = (vec: Ref, k: number) => m.f32x4.extract_lane(vec, k as unknown as Ref);
  const ONE = () => splat(m.f32.const(1));
  /** Lane-wise call of an imported f64 function. */
  const perLane = (args: Ref[], fn: string): Ref => {
    const tmps = args.map((a) => {
      const t = local(v128);
      return { t, set: set(t, a) };
    });
    let out: Ref = splat(m.f32.const(0));
    for (let k = 0; k < 4; k++) {
      const call = m.f32.demote(m.call(fn, tmps.map(({ t }) => m.f64.promote(lane(get(t, v128), k))), f64));
      out = m.f32x4.replace_lane(out, k as unknown as Ref, call);
    }
    return m.block(null, [...tmps.map((x) => x.set), out], v128);
  };
  const vectorOps: Ops = {
    const: (x) => splat(m.f32.const(x)),
    neg: m.f32x4.neg,
    add: m.f32x4.add,
    sub: m.f32x4.sub,
    mul: m.f32x4.mul,
    div: m.f32x4.div,
    cmp: { '<': m.f32x4.lt, '<=': m.f32x4.le, '>': m.f32x4.gt, '>=': m.f32x4.ge, '==': m.f32x4.eq, '!=': m.f32x4.ne },
    bool: (mask) => m.v128.and(mask, ONE()),
    select: (mask, a, b) => m.v128.bitselect(a, b, mask),
    sqrt: m.f32x4.sqrt,
    abs: m.f32x4.abs,
    min: m.f32x4.min,
    max: m.f32x4.max,
    call: (fn, args) => perLane(args, fn),
  };
  const emitV = (e: Expr, env: Record<string, () => Ref>): Ref => emitWith(vectorOps, e, env);
  const preLane = (k: number) => m.i32x4.extract_lane(get(V.pre, v128), k as unknown as Ref);
  /** Byte address (without the array offset) of neuron p's activity slot. */
  /** One activity per lane, from `slot`. */
  const gatherLanes = (slot: number): Ref => {
    let out: Ref = splat(m.f32.load(O.a, 4, m.i32.add(preLane(0), get(slot, i32))));
    for (let k = 1; k < 4; k++) out = m.f32x4.replace_lane(out, k as unknown as Ref, m.f32.load(O.a, 4, m.i32.add(preLane(k), get(slot, i32))));
    return out;
  };
  const slotAddr4 = (k: number) => m.i32.shl(m.i32.add(get(L.s, i32), m.i32.const(k * S)), m.i32.const(2));
  const sgnV = () => (o.uniformSign ? ONE() : get(V.sgn, v128));
  const synEnvV: Record<string, () => Ref> = {
    pre: () => get(V.x, v128),
    post: () => splat(get(P.post, f32)),
    w: () => get(V.w, v128),
    v: () => splat(get(L.v, f32)),
    d: () => splat(get(L.d, f32)),
    sign: sgnV,
    fanin: () => splat(get(P.fanin, f32)),
    u: () => splat(get(P.u, f32)),
    theta: () => splat(get(P.theta, f32)),
    tag: () => splat(tagRef()),
  };
  rule.slotNames.forEach((n, k) => (synEnvV[n] = () => get(slotOld4[k], v128)));
  rule.termNames.forEach((n, k) => (synEnvV[n] = () => splat(get(termParam(k), f32))));
  withOrgParams(synEnvV, (k) => splat(get(orgParamArg(k), f32)));
  const contribEnvV: Record<string, () => Ref> = { pre: () => get(V.y, v128), w: () => get(V.w, v128), sign: sgnV, tag: () => splat(tagRef()) };
  rule.slotNames.forEach((n, k) => (contribEnvV[n] = () => get(slotNew4[k], v128)));
  withOrgParams(contribEnvV, (k) => splat(get(orgParamArg(k), f32)));

  /** Byte addresses (without the array offset) of the four presynaptic neurons' `slot`. */
  const laneAddrs = (slot: number) => m.i32x4.add(get(V.pre, v128), m.i32x4.splat(get(slot, i32)));
  const addrLane = (k: number) => m.i32x4.extract_lane(get(V.addr, v128), k as unknown as Ref);
  const simdLoop = (doPlastic: boolean, doGather: boolean, unroll: number): Ref => {
    const id = loopId++;
    // With both, previous and current activity are one 8-byte pair.
    // functions, not values: binaryen expressions may appear only once in a tree, and groups repeat
    const loadActs = (): Ref[] =>
      doPlastic && doGather
        ? [
            set(V.addr, laneAddrs(P.prevSlot)),
            set(V.pairA, m.v128.load64_lane(O.a, 4, 1, addrLane(1), m.v128.load64_zero(O.a, 4, addrLane(0)))),
            set(V.pairB, m.v128.load64_lane(O.a, 4, 1, addrLane(3), m.v128.load64_zero(O.a, 4, addrLane(2)))),
            set(V.x, m.i8x16.shuffle(get(V.pairA, v128), get(V.pairB, v128), [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27])),
            set(V.y, m.i8x16.shuffle(get(V.pairA, v128), get(V.pairB, v128), [4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31])),
          ]
        : doPlastic
          ? [set(V.x, gatherLanes(P.prevSlot))]
          : [set(V.y, gatherLanes(P.curSlot))];
    const signLanes = (): Ref => {
      let out: Ref = splat(m.f32.load(O.sign, 4, neuronOf(preLane(0))));
      for (let k = 1; k < 4; k++) out = m.f32x4.replace_lane(out, k as unknown as Ref, m.f32.load(O.sign, 4, neuronOf(preLane(k))));
      return out;
    };
    const plastic = (): Ref[] =>
      doPlastic
      ? [
          ...slotOld4.map((loc, k) => set(loc, m.v128.load(O.slots, 4, slotAddr4(k)))),
          set(V.dw, emitV(rule.dw.ast, synEnvV)),
          ...slotNew4.map((loc, k) => set(loc, emitV(rule.slots[k].ast, synEnvV))),
          set(V.w, m.f32x4.add(get(V.w, v128), get(V.dw, v128))),
          set(V.w, m.v128.bitselect(splat(m.f32.const(o.wMin)), get(V.w, v128), m.f32x4.lt(get(V.w, v128), splat(m.f32.const(o.wMin))))),
          set(V.w, m.v128.bitselect(splat(m.f32.const(o.wMax)), get(V.w, v128), m.f32x4.gt(get(V.w, v128), splat(m.f32.const(o.wMax))))),
          m.v128.store(O.w, 4, m.i32.shl(get(L.s, i32), m.i32.const(2)), get(V.w, v128)),
          ...slotNew4.map((loc, k) => m.v128.store(O.slots, 4, slotAddr4(k), get(loc, v128))),
          set(V.bad, m.f32x4.add(get(V.bad, v128), m.f32x4.mul(get(V.w, v128), splat(m.f32.const(0))))),
        ]
      : doGather
        ? slotNew4.flatMap((loc, k) => (rule.contribution.reads.has(rule.slotNames[k]) ? [set(loc, m.v128.load(O.slots, 4, slotAddr4(k)))] : []))
        : [];
    const contrib = () =>
      rule.defaultContribution && o.uniformSign ? m.f32x4.mul(get(V.w, v128), get(V.y, v128)) : emitV(rule.contribution.ast, contribEnvV);
    const group = (): Ref[] => [
      set(V.pre, m.v128.load(O.pre, 4, m.i32.shl(get(L.s, i32), m.i32.const(2)))),
      set(V.w, m.v128.load(O.w, 4, m.i32.shl(get(L.s, i32), m.i32.const(2)))),
      ...loadActs(),
      ...(o.uniformSign ? [] : [set(V.sgn, m.select(m.f32.ne(get(L.sgnSeg, f32), m.f32.const(0)), splat(get(L.sgnSeg, f32)), signLanes()))]),
      ...plastic(),
      ...(doGather ? [set(V.sum, m.f32x4.add(get(V.sum, v128), contrib()))] : []),
      set(L.s, m.i32.add(get(L.s, i32), m.i32.const(4))),
    ];
    const body: Ref[] = [
      m.br(`vout${id}`, m.i32.gt_u(m.i32.add(get(L.s, i32), m.i32.const(4 * unroll)), get(L.s1, i32))),
      ...Array.from({ length: unroll }, group).flat(),
      m.br(`vloop${id}`),
    ];
    return m.block(`vout${id}`, [m.loop(`vloop${id}`, m.block(null, body))]);
  };
  /** Four lanes, then the scalar tail, summed in a fixed order: ((l0 + l1) + (l2 + l3)) + tail. */
  const hsum = (vec: () => Ref, tail: Ref) => m.f32.add(m.f32.add(m.f32.add(lane(vec(), 0), lane(vec(), 1)), m.f32.add(lane(vec(), 2), lane(vec(), 3))), tail);
  const scalarLoop = (doPlastic: boolean, doGather: boolean): Ref => {
    const id = loopId++;
    const body: Ref[] = [
      m.br(`out${id}`, m.i32.ge_u(get(L.s, i32), get(L.s1, i32))),
      set(L.p, ldU(O.pre, get(L.s, i32))),
      set(L.w, ldF(O.w, get(L.s, i32))),
      loadSign(),
      // when only gathering, slot values are the stored ones
      ...(doPlastic ? plasticity() : doGather ? slotNew.flatMap((loc, k) => (rule.contribution.reads.has(rule.slotNames[k]) ? [set(loc, ldF(O.slots, slotIdx(k)))] : [])) : []),
      ...(doGather ? gather() : []),
      set(L.s, m.i32.add(get(L.s, i32), m.i32.const(1))),
      m.br(`loop${id}`),
    ];
    return m.block(`out${id}`, [m.loop(`loop${id}`, m.block(null, body))]);
  };

  // unrolled four times, then once, then scalar; lanes accumulate in the same order whatever the unrolling
  const synLoop = (doPlastic: boolean, doGather: boolean): Ref =>
    m.block(null, [simdLoop(doPlastic, doGather, 4), simdLoop(doPlastic, doGather, 1), scalarLoop(doPlastic, doGather)]);
  const gatherOn = () => m.i32.and(get(P.mode, i32), m.i32.const(2));
  const segBody: Ref[] = [
    m.br('segsDone', m.i32.ge_u(get(L.g, i32), get(P.g1, i32))),
    set(L.s, ldU(O.segSynStart, get(L.g, i32))),
    set(L.s1, ldU(O.segSynStart, m.i32.add(get(L.g, i32), m.i32.const(1)))),
    set(L.sgnSeg, ldF(O.segSign, get(L.g, i32))),
    set(L.v, ldF(O.v, get(L.g, i32))),
    set(L.d, ldF(O.d, get(L.g, i32))),
    set(L.plastic, m.i32.and(m.i32.and(get(P.mode, i32), m.i32.const(1)), m.i32.ne(ldU(O.segPlastic, get(L.g, i32)), m.i32.const(0)))),
    set(L.sum, m.f32.const(0)),
    set(V.sum, splat(m.f32.const(0))),
    m.if(get(L.plastic, i32), m.if(gatherOn(), synLoop(true, true), synLoop(true, false)), m.if(gatherOn(), synLoop(false, true))),
    m.if(gatherOn(), stF(O.v, get(L.g, i32), hsum(() => get(V.sum, v128), get(L.sum, f32)))),
    set(L.g, m.i32.add(get(L.g, i32), m.i32.const(1))),
    m.br('segs'),
  ];
  const body = m.block(null, [
    set(L.g, get(P.g0, i32)),
    set(L.wbad, m.f32.const(0)),
    set(V.bad, splat(m.f32.const(0))),
    m.block('segsDone', [m.loop('segs', m.block(null, segBody))]),
    hsum(() => get(V.bad, v128), get(L.wbad, f32)),
  ], f32);
  m.addFunction('row', binaryen.createType(paramTypes), f32, vars, body);
  m.addFunctionExport('row', 'row');

  /**
   * Locals of a function that finishes neurons: a_next = (1−α)·a_cur + α·f, homeostasis, terms.
   * `nl` allocates a local of the function being built.
   */
  const tailLocals = (nl: (t: number) => number) => ({
    uu: nl(f32),
    f: nl(f32),
    an: nl(f32),
    al: nl(f32),
    termOld: rule.termNames.map(() => nl(f32)),
    termNew: rule.termNames.map(() => nl(f32)),
  });
  /**
   * From f (local), u (local) and a_cur: a_next stored at outCur, θ, terms; ends with the flag (2
   * when a_next is not finite).
   */
  const neuronTail = (L2: ReturnType<typeof tailLocals>, nIdx: () => Ref, cur: () => Ref, outCurByte: () => Ref, afterStore: Ref[] = []): Ref[] => {
    const q = (i: number) => get(i, f32);
    const termEnv: Record<string, () => Ref> = { post: () => q(L2.an), u: () => q(L2.uu), theta: () => ldF(O.theta, nIdx()) };
    rule.termNames.forEach((name, k) => (termEnv[name] = () => q(L2.termOld[k])));
    withOrgParams(termEnv, (k) => orgParamOf(nIdx, k));
    const termAt = (k: number) => m.i32.add(nIdx(), m.i32.const(k * l.N));
    return [
      o.traits.leak
        ? m.block(null, [
            set(L2.al, ldF(O.alpha, nIdx())),
            set(
              L2.an,
              m.select(m.f32.eq(q(L2.al), m.f32.const(1)), q(L2.f), m.f32.add(m.f32.mul(m.f32.sub(m.f32.const(1), q(L2.al)), cur()), m.f32.mul(q(L2.al), q(L2.f)))),
            ),
          ])
        : set(L2.an, q(L2.f)),
      m.f32.store(O.a, 4, outCurByte(), q(L2.an)),
      ...afterStore,
      ...(o.traits.homeostasis
        ? [stF(O.theta, nIdx(), m.f32.add(ldF(O.theta, nIdx()), m.f32.mul(ldF(O.etaTheta, nIdx()), m.f32.sub(q(L2.an), ldF(O.target, nIdx())))))]
        : []),
      ...L2.termOld.map((loc, k) => set(loc, ldF(O.terms, termAt(k)))),
      ...L2.termNew.map((loc, k) => set(loc, emit(rule.terms[k].ast, termEnv))),
      ...L2.termNew.map((loc, k) => stF(O.terms, termAt(k), q(loc))),
      m.select(m.f32.ne(m.f32.sub(q(L2.an), q(L2.an)), m.f32.const(0)), m.i32.const(2), m.i32.const(0)),
    ];
  };

  // ---- neuron(n, inBase, outBase, p, T) -> flags: the neuron phase of one row, in f32 -------
  // (input rows take the next sample). Returns 2 when the new activity is not finite.
  {
    const Q = { n: 0, inBase: 1, outBase: 2, p: 3, T: 4 };
    const nv: number[] = [];
    let nn = 5;
    const nl = (t: number) => {
      nv.push(t);
      return nn++;
    };
    const QL = { ii: nl(i32), g: nl(i32), g1: nl(i32), vv: nl(f32), dd: nl(f32), z: nl(f32), ...tailLocals(nl) };
    const q = (i: number, t = i32) => get(i, t);
    const nIdx = () => q(Q.n);
    const cur = () => ldF(O.a, m.i32.add(q(Q.inBase), m.i32.add(m.i32.shl(nIdx(), m.i32.const(1)), m.i32.const(1))));
    const outPrev = () => m.i32.add(q(Q.outBase), m.i32.shl(nIdx(), m.i32.const(1)));
    const outCur = () => m.i32.add(outPrev(), m.i32.const(1));
    const sigmoidOf = (z: Ref) =>
      m.f32.div(m.f32.const(1), m.f32.add(m.f32.const(1), m.f32.demote(m.call('exp', [m.f64.promote(m.f32.neg(m.f32.mul(ldF(O.gain, nIdx()), z)))], f64))));
    const somaOf = (kind: number, z: () => Ref): Ref =>
      kind === SOMA.relu
        ? m.select(m.f32.gt(z(), m.f32.const(0)), z(), m.f32.const(0))
        : kind === SOMA.sigmoid
          ? sigmoidOf(z())
          : kind === SOMA.clamp01
            ? m.f32.min(m.f32.max(z(), m.f32.const(0)), m.f32.const(1))
            : z();
    const z = () => q(QL.z, f32);
    const somaKind = () => m.i32.load(O.soma, 4, addr(nIdx()));
    const soma: Ref =
      o.traits.soma !== null
        ? somaOf(o.traits.soma, z)
        : m.select(
            m.i32.eq(somaKind(), m.i32.const(SOMA.relu)),
            somaOf(SOMA.relu, z),
            m.select(m.i32.eq(somaKind(), m.i32.const(SOMA.sigmoid)), somaOf(SOMA.sigmoid, z), m.select(m.i32.eq(somaKind(), m.i32.const(SOMA.clamp01)), somaOf(SOMA.clamp01, z), z())),
          );
    const segEnv = withOrgParams({ v: () => q(QL.vv, f32), sign: () => ldF(O.segSign, q(QL.g)), tag: () => ldF(O.segTag, q(QL.g)) }, (k) => orgParamOf(nIdx, k));
    const xIndex = m.i32.add(
      m.i32.mul(m.select(m.i32.lt_u(m.i32.add(q(Q.p), m.i32.const(1)), q(Q.T)), m.i32.add(q(Q.p), m.i32.const(1)), q(Q.p)), m.i32.const(l.nIn)),
      q(QL.ii),
    );
    const body = m.block(null, [
      set(QL.ii, m.i32.load(O.inputIndex, 4, addr(nIdx()))),
      m.f32.store(O.a, 4, m.i32.shl(outPrev(), m.i32.const(2)), cur()),
      m.if(
        m.i32.ge_s(q(QL.ii), m.i32.const(0)),
        m.block(null, [m.f32.store(O.a, 4, m.i32.shl(outCur(), m.i32.const(2)), ldF(O.x, xIndex)), m.return(m.i32.const(0))]),
      ),
      set(QL.uu, ldF(O.bias, nIdx())),
      set(QL.g, ldU(O.neuronSegStart, nIdx())),
      set(QL.g1, ldU(O.neuronSegStart, m.i32.add(nIdx(), m.i32.const(1)))),
      m.block('nsegsDone', [
        m.loop(
          'nsegs',
          m.block(null, [
            m.br('nsegsDone', m.i32.ge_u(q(QL.g), q(QL.g1))),
            set(QL.vv, ldF(O.v, q(QL.g))),
            set(QL.dd, emit(rule.segment.ast, segEnv)),
            stF(O.d, q(QL.g), q(QL.dd, f32)),
            set(QL.uu, m.f32.add(q(QL.uu, f32), q(QL.dd, f32))),
            set(QL.g, m.i32.add(q(QL.g), m.i32.const(1))),
            m.br('nsegs'),
          ]),
        ),
      ]),
      // a group soma needs the whole group's u first: `groups` finishes it
      ...(o.traits.groups ? [stF(O.u, nIdx(), q(QL.uu, f32)), m.if(m.i32.ge_u(somaKind(), m.i32.const(SOMA.kwta)), m.return(m.i32.const(0)))] : []),
      set(QL.z, m.f32.sub(q(QL.uu, f32), ldF(O.theta, nIdx()))),
      set(QL.f, soma),
      ...neuronTail(QL, nIdx, cur, () => m.i32.shl(outCur(), m.i32.const(2)), o.traits.groups ? [] : [stF(O.u, nIdx(), q(QL.uu, f32))]),
    ], i32);
    m.addFunction('neuron', binaryen.createType([i32, i32, i32, i32, i32]), i32, nv, body);
    m.addFunctionExport('neuron', 'neuron');
  }

  // ---- groups(q0, q1, inBase, outBase) -> flags: f of every neuron of each group from the z of
  // the group (kwta, softmax; sim/README.md), then a_next, θ, terms as for any neuron.
  if (o.traits.groups) {
    const Q = { q0: 0, q1: 1, inBase: 2, outBase: 3 };
    const nv: number[] = [];
    let nn = 4;
    const nl = (t: number) => {
      nv.push(t);
      return nn++;
    };
    const GL = { q: nl(i32), n0: nl(i32), n1: nl(i32), n: nl(i32), mm: nl(i32), above: nl(i32), kk: nl(i32), flags: nl(i32), z: nl(f32), zm: nl(f32), mx: nl(f32), sum: nl(f32), ...tailLocals(nl) };
    const gi = (i: number) => get(i, i32);
    const gf = (i: number) => get(i, f32);
    const zOf = (n: () => Ref) => m.f32.sub(ldF(O.u, n()), ldF(O.theta, n()));
    const actByte = (base: number, n: () => Ref) => m.i32.shl(m.i32.add(gi(base), m.i32.add(m.i32.shl(n(), m.i32.const(1)), m.i32.const(1))), m.i32.const(2));
    const outCurByte = (n: () => Ref) => actByte(Q.outBase, n);
    /** for (i = from; i < GL.n1; i++) body */
    let loops = 0;
    const forRange = (i: number, from: Ref, body: Ref[], extraExit?: Ref): Ref => {
      const id = loops++;
      return m.block(null, [
        set(i, from),
        m.block(`gdone${id}`, [
          m.loop(
            `gloop${id}`,
            m.block(null, [
              m.br(`gdone${id}`, m.i32.ge_u(gi(i), gi(GL.n1))),
              ...(extraExit ? [m.br(`gdone${id}`, extraExit)] : []),
              ...body,
              set(i, m.i32.add(gi(i), m.i32.const(1))),
              m.br(`gloop${id}`),
            ]),
          ),
        ]),
      ]);
    };
    const n = () => gi(GL.n);
    const mm = () => gi(GL.mm);
    const x = (idx: () => Ref) => m.f32.mul(ldF(O.gain, idx()), zOf(idx));
    const expOf = (v: Ref) => m.f32.demote(m.call('exp', [m.f64.promote(v)], f64));
    // f goes to a_next's slot first, then neuronTail reads it back
    const kwta = forRange(GL.n, gi(GL.n0), [
      set(GL.z, zOf(n)),
      set(GL.above, m.i32.const(0)),
      // rank of n: neurons with a larger z, or an equal z and a lower index (stop at k)
      forRange(
        GL.mm,
        gi(GL.n0),
        [
          set(GL.zm, zOf(mm)),
          set(GL.above, m.i32.add(gi(GL.above), m.i32.or(m.f32.gt(gf(GL.zm), gf(GL.z)), m.i32.and(m.f32.eq(gf(GL.zm), gf(GL.z)), m.i32.lt_u(mm(), n()))))),
        ],
        m.i32.ge_u(gi(GL.above), gi(GL.kk)),
      ),
      m.f32.store(
        O.a,
        4,
        outCurByte(n),
        m.select(m.i32.and(m.i32.lt_u(gi(GL.above), gi(GL.kk)), m.f32.gt(gf(GL.z), m.f32.const(0))), gf(GL.z), m.f32.const(0)),
      ),
    ]);
    const softmax = m.block(null, [
      set(GL.mx, x(() => gi(GL.n0))),
      forRange(GL.mm, m.i32.add(gi(GL.n0), m.i32.const(1)), [set(GL.zm, x(mm)), set(GL.mx, m.select(m.f32.gt(gf(GL.zm), gf(GL.mx)), gf(GL.zm), gf(GL.mx)))]),
      set(GL.sum, m.f32.const(0)),
      // sequential sum in neuron order (every backend)
      forRange(GL.mm, gi(GL.n0), [
        set(GL.zm, expOf(m.f32.sub(x(mm), gf(GL.mx)))),
        m.f32.store(O.a, 4, outCurByte(mm), gf(GL.zm)),
        set(GL.sum, m.f32.add(gf(GL.sum), gf(GL.zm))),
      ]),
      forRange(GL.mm, gi(GL.n0), [m.f32.store(O.a, 4, outCurByte(mm), m.f32.div(m.f32.load(O.a, 4, outCurByte(mm)), gf(GL.sum)))]),
    ]);
    const finish = forRange(GL.n, gi(GL.n0), [
      set(GL.f, m.f32.load(O.a, 4, outCurByte(n))),
      set(GL.uu, ldF(O.u, n())),
      set(GL.flags, m.i32.or(gi(GL.flags), m.block(null, neuronTail(GL, n, () => m.f32.load(O.a, 4, actByte(Q.inBase, n)), () => outCurByte(n)), i32))),
    ]);
    const body = m.block(null, [
      set(GL.flags, m.i32.const(0)),
      set(GL.q, gi(Q.q0)),
      m.block('qdone', [
        m.loop(
          'qloop',
          m.block(null, [
            m.br('qdone', m.i32.ge_u(gi(GL.q), gi(Q.q1))),
            set(GL.n0, ldU(O.groupStart, gi(GL.q))),
            set(GL.n1, ldU(O.groupEnd, gi(GL.q))),
            set(GL.kk, ldU(O.k, gi(GL.n0))),
            m.if(m.i32.eq(m.i32.load(O.soma, 4, addr(gi(GL.n0))), m.i32.const(SOMA.kwta)), kwta, softmax),
            finish,
            set(GL.q, m.i32.add(gi(GL.q), m.i32.const(1))),
            m.br('qloop'),
          ]),
        ),
      ]),
      gi(GL.flags),
    ], i32);
    m.addFunction('groups', binaryen.createType([i32, i32, i32, i32]), i32, nv, body);
    m.addFunctionExport('groups', 'groups');
  }

  // ---- rows(r0, r1, inBase, outBase, mode, p, T) -> flags: synapses then neuron phase of a range
  // of rows. Flags: 1 = an updated weight is not finite (previous step), 2 = an activity is not.
  // pb: index of the row's organism's first per-organism parameter (only when the rule has some)
  const R = { r0: 0, r1: 1, inBase: 2, outBase: 3, mode: 4, p: 5, T: 6, n: 7, g0: 8, g1: 9, flags: 10, pb: 11 };
  const n = () => get(R.n, i32);
  const rowCall = m.call(
    'row',
    [
      get(R.g0, i32),
      get(R.g1, i32),
      m.i32.shl(get(R.inBase, i32), m.i32.const(2)),
      m.i32.add(m.i32.shl(get(R.inBase, i32), m.i32.const(2)), m.i32.const(4)),
      get(R.mode, i32),
      ldF(O.a, actIdx(n(), m.i32.add(get(R.inBase, i32), m.i32.const(1)))),
      ldF(O.u, n()),
      ldF(O.theta, n()),
      m.f32.convert_u.i32(m.i32.sub(ldU(O.segSynStart, get(R.g1, i32)), ldU(O.segSynStart, get(R.g0, i32)))),
      ...rule.termNames.map((_, k) => ldF(O.terms, m.i32.add(n(), m.i32.const(k * l.N)))),
      ...rule.orgParamNames.map((_, k) => ldF(O.orgParams, m.i32.add(get(R.pb, i32), m.i32.const(k)))),
    ],
    f32,
  );
  const rowsBody = m.block(null, [
    set(R.n, get(R.r0, i32)),
    set(R.flags, m.i32.const(0)),
    m.block('rowsDone', [
      m.loop(
        'rowsLoop',
        m.block(null, [
          m.br('rowsDone', m.i32.ge_u(n(), get(R.r1, i32))),
          m.if(
            m.i32.lt_s(m.i32.load(O.inputIndex, 4, addr(n())), m.i32.const(0)),
            m.block(null, [
              set(R.g0, ldU(O.neuronSegStart, n())),
              set(R.g1, ldU(O.neuronSegStart, m.i32.add(n(), m.i32.const(1)))),
              ...(nP > 0 ? [set(R.pb, m.i32.mul(ldU(O.org, n()), m.i32.const(nP)))] : []),
              m.if(m.f32.ne(rowCall, m.f32.const(0)), set(R.flags, m.i32.or(get(R.flags, i32), m.i32.const(1)))),
            ]),
          ),
          m.if(
            m.i32.and(get(R.mode, i32), m.i32.const(2)),
            set(R.flags, m.i32.or(get(R.flags, i32), m.call('neuron', [n(), get(R.inBase, i32), get(R.outBase, i32), get(R.p, i32), get(R.T, i32)], i32))),
          ),
          set(R.n, m.i32.add(n(), m.i32.const(1))),
          m.br('rowsLoop'),
        ]),
      ),
    ]),
    get(R.flags, i32),
  ], i32);
  m.addFunction('rows', binaryen.createType([i32, i32, i32, i32, i32, i32, i32]), i32, [i32, i32, i32, i32, ...(nP > 0 ? [i32] : [])], rowsBody);
  m.addFunctionExport('rows', 'rows');
  return emitOptimized(m, 'wasm kernel');
}
