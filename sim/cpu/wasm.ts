// The cpu backend's hot loop: one post neuron's synapses (plasticity of the pending step fused with
// the gather of the current step), generated per rule as WebAssembly with binaryen.
// Arithmetic is f64 with f32 loads/stores, exactly as the JS reference evaluates the same expressions.
import binaryen from 'binaryen';
import type { CompiledRule } from '../compiler/compile.ts';
import type { Expr } from '../compiler/parse.ts';
import type { Layout } from './layout.ts';

type Ref = number;
const { i32, f64 } = binaryen;

export interface KernelOptions {
  wMin: number;
  wMax: number;
  /** Every contribution sign is +1: skip the sign lookup. */
  uniformSign: boolean;
}

/** Imported from JS so both paths call the very same functions. */
export const MATH_IMPORTS = ['exp', 'log', 'tanh', 'pow'] as const;

/**
 * Exports `row(g0, g1, base, prevOff, curOff, mode, post, u, theta, fanin, ...terms) -> f64`.
 * mode bit 0: apply pending plasticity (pre = a[prevOff + pre]); bit 1: gather (pre = a[curOff + pre])
 * into v[g]. Returns the sum of updated weights so the caller can detect non-finite weights.
 */
export function buildRowKernel(rule: CompiledRule, l: Layout, o: KernelOptions): Uint8Array {
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.Atomics | binaryen.Features.BulkMemory | binaryen.Features.MutableGlobals);
  m.setMemory(l.pages, l.pages, null, [], true);
  m.addMemoryImport('0', 'env', 'memory', true);
  for (const fn of MATH_IMPORTS) {
    m.addFunctionImport(fn, 'math', fn, binaryen.createType(fn === 'pow' ? [f64, f64] : [f64]), f64);
  }

  const nT = rule.termNames.length;
  const nS = rule.slotNames.length;
  // params
  const P = { g0: 0, g1: 1, base: 2, prevOff: 3, curOff: 4, mode: 5, post: 6, u: 7, theta: 8, fanin: 9 };
  const termParam = (k: number) => 10 + k;
  const paramTypes = [i32, i32, i32, i32, i32, i32, f64, f64, f64, f64, ...Array(nT).fill(f64)];
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
    w: local(f64),
    x: local(f64),
    y: local(f64),
    sgn: local(f64),
    sgnSeg: local(f64),
    v: local(f64),
    d: local(f64),
    sum: local(f64),
    wsum: local(f64),
    dw: local(f64),
  };
  const slotOld = Array.from({ length: nS }, () => local(f64));
  const slotNew = Array.from({ length: nS }, () => local(f64));

  const get = (i: number, t: number) => m.local.get(i, t);
  const set = (i: number, v: Ref) => m.local.set(i, v);
  const addr = (idx: Ref) => m.i32.shl(idx, m.i32.const(2));
  const ldF = (off: number, idx: Ref) => m.f64.promote(m.f32.load(off, 4, addr(idx)));
  const ldU = (off: number, idx: Ref) => m.i32.load(off, 4, addr(idx));
  const stF = (off: number, idx: Ref, val: Ref) => m.f32.store(off, 4, addr(idx), m.f32.demote(val));
  const O = l.off;
  const S = l.S;

  const emit = (e: Expr, env: Record<string, () => Ref>): Ref => {
    switch (e.k) {
      case 'num':
        return m.f64.const(e.value);
      case 'id': {
        const f = env[e.name];
        if (!f) throw new Error(`wasm kernel: '${e.name}' is not available here`);
        return f();
      }
      case 'neg':
        return m.f64.neg(emit(e.arg, env));
      case 'bin': {
        const a = emit(e.a, env);
        const b = emit(e.b, env);
        return e.op === '+' ? m.f64.add(a, b) : e.op === '-' ? m.f64.sub(a, b) : e.op === '*' ? m.f64.mul(a, b) : m.f64.div(a, b);
      }
      case 'cmp': {
        const a = emit(e.a, env);
        const b = emit(e.b, env);
        const c = { '<': m.f64.lt, '<=': m.f64.le, '>': m.f64.gt, '>=': m.f64.ge, '==': m.f64.eq, '!=': m.f64.ne }[e.op](a, b);
        return m.f64.convert_u.i32(c);
      }
      case 'cond':
        return m.select(m.f64.ne(emit(e.c, env), m.f64.const(0)), emit(e.a, env), emit(e.b, env));
      case 'call': {
        const a = e.args.map((x) => emit(x, env));
        switch (e.fn) {
          case 'exp':
          case 'log':
          case 'tanh':
          case 'pow':
            return m.call(e.fn, a, f64);
          case 'sqrt':
            return m.f64.sqrt(a[0]);
          case 'abs':
            return m.f64.abs(a[0]);
          case 'min':
            return m.f64.min(a[0], a[1]);
          case 'max':
            return m.f64.max(a[0], a[1]);
          case 'clamp':
            return m.f64.min(m.f64.max(a[0], a[1]), a[2]);
          case 'relu':
            return m.f64.max(a[0], m.f64.const(0));
          case 'step':
            return m.f64.convert_u.i32(m.f64.gt(a[0], m.f64.const(0)));
          case 'sigmoid':
            return m.f64.div(m.f64.const(1), m.f64.add(m.f64.const(1), m.call('exp', [m.f64.neg(a[0])], f64)));
        }
        throw new Error(`wasm kernel: function ${e.fn}`);
      }
    }
  };

  const slotIdx = (k: number) => m.i32.add(get(L.s, i32), m.i32.const(k * S));
  const loadSign = () =>
    o.uniformSign
      ? m.nop()
      : set(L.sgn, m.select(m.f64.ne(get(L.sgnSeg, f64), m.f64.const(0)), get(L.sgnSeg, f64), ldF(O.sign, get(L.p, i32))));
  const sgnRef = () => (o.uniformSign ? m.f64.const(1) : get(L.sgn, f64));

  const synEnv: Record<string, () => Ref> = {
    pre: () => get(L.x, f64),
    post: () => get(P.post, f64),
    w: () => get(L.w, f64),
    v: () => get(L.v, f64),
    d: () => get(L.d, f64),
    sign: sgnRef,
    fanin: () => get(P.fanin, f64),
    u: () => get(P.u, f64),
    theta: () => get(P.theta, f64),
  };
  rule.slotNames.forEach((n, k) => (synEnv[n] = () => get(slotOld[k], f64)));
  rule.termNames.forEach((n, k) => (synEnv[n] = () => get(termParam(k), f64)));
  const contribEnv: Record<string, () => Ref> = { pre: () => get(L.y, f64), w: () => get(L.w, f64), sign: sgnRef };
  rule.slotNames.forEach((n, k) => (contribEnv[n] = () => get(slotNew[k], f64)));

  const plasticity = (): Ref[] => [
    set(L.x, ldF(O.a, m.i32.add(get(P.prevOff, i32), get(L.p, i32)))),
    ...slotOld.map((loc, k) => set(loc, ldF(O.slots, slotIdx(k)))),
    set(L.dw, emit(rule.dw.ast, synEnv)),
    ...slotNew.map((loc, k) => set(loc, emit(rule.slots[k].ast, synEnv))),
    // clip, then round to f32 so the gather below uses the stored value
    // clip as compare-and-select (NaN passes through, so divergence stays visible); f64.min/max
    // cost several instructions each for their -0/NaN rules
    set(L.w, m.f64.add(get(L.w, f64), get(L.dw, f64))),
    set(L.w, m.select(m.f64.lt(get(L.w, f64), m.f64.const(o.wMin)), m.f64.const(o.wMin), get(L.w, f64))),
    set(L.w, m.f64.promote(m.f32.demote(m.select(m.f64.gt(get(L.w, f64), m.f64.const(o.wMax)), m.f64.const(o.wMax), get(L.w, f64))))),
    stF(O.w, get(L.s, i32), get(L.w, f64)),
    ...slotNew.map((loc) => set(loc, m.f64.promote(m.f32.demote(get(loc, f64))))),
    ...slotNew.map((loc, k) => stF(O.slots, slotIdx(k), get(loc, f64))),
    set(L.wsum, m.f64.add(get(L.wsum, f64), get(L.w, f64))),
  ];
  const gather = (): Ref[] => {
    const y = set(L.y, ldF(O.a, m.i32.add(get(P.curOff, i32), get(L.p, i32))));
    const c =
      rule.defaultContribution && o.uniformSign ? m.f64.mul(get(L.w, f64), get(L.y, f64)) : emit(rule.contribution.ast, contribEnv);
    return [y, set(L.sum, m.f64.add(get(L.sum, f64), c))];
  };
  let loopId = 0;
  const synLoop = (doPlastic: boolean, doGather: boolean): Ref => {
    const id = loopId++;
    const body: Ref[] = [
      m.br(`out${id}`, m.i32.ge_u(get(L.s, i32), get(L.s1, i32))),
      set(L.p, m.i32.add(ldU(O.pre, get(L.s, i32)), get(P.base, i32))),
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

  const gatherOn = () => m.i32.and(get(P.mode, i32), m.i32.const(2));
  const segBody: Ref[] = [
    m.br('segsDone', m.i32.ge_u(get(L.g, i32), get(P.g1, i32))),
    set(L.s, ldU(O.segSynStart, get(L.g, i32))),
    set(L.s1, ldU(O.segSynStart, m.i32.add(get(L.g, i32), m.i32.const(1)))),
    set(L.sgnSeg, ldF(O.segSign, get(L.g, i32))),
    set(L.v, ldF(O.v, get(L.g, i32))),
    set(L.d, ldF(O.d, get(L.g, i32))),
    set(L.plastic, m.i32.and(m.i32.and(get(P.mode, i32), m.i32.const(1)), m.i32.ne(ldU(O.segPlastic, get(L.g, i32)), m.i32.const(0)))),
    set(L.sum, m.f64.const(0)),
    m.if(get(L.plastic, i32), m.if(gatherOn(), synLoop(true, true), synLoop(true, false)), m.if(gatherOn(), synLoop(false, true))),
    m.if(gatherOn(), stF(O.v, get(L.g, i32), get(L.sum, f64))),
    set(L.g, m.i32.add(get(L.g, i32), m.i32.const(1))),
    m.br('segs'),
  ];
  const body = m.block(null, [
    set(L.g, get(P.g0, i32)),
    set(L.wsum, m.f64.const(0)),
    m.block('segsDone', [m.loop('segs', m.block(null, segBody))]),
    get(L.wsum, f64),
  ], f64);
  m.addFunction('row', binaryen.createType(paramTypes), f64, vars, body);
  m.addFunctionExport('row', 'row');
  if (!m.validate()) throw new Error('wasm kernel failed validation');
  binaryen.setOptimizeLevel(3);
  binaryen.setShrinkLevel(0);
  m.optimize();
  const bin = m.emitBinary();
  m.dispose();
  return bin;
}
