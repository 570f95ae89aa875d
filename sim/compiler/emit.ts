// Expression → source text for JS and WGSL (the cpu kernel's WebAssembly is emitted in cpu/wasm.ts).
// Variables are emitted as `v_<name>`; each target declares those it provides. Parameters are
// inlined as constants. All targets compute in f32.
import { type Expr, F32_MAX } from './parse.ts';

export const varName = (name: string) => `v_${name}`;

function jsNum(x: number): string {
  const s = String(x);
  return x < 0 || Object.is(x, -0) ? `(${s})` : s;
}

/**
 * JS that computes exactly what f32 arithmetic (WebAssembly f32 ops, WGSL) computes: every
 * operation rounded to f32 (exact for + − × ÷ √ because f64 holds twice f32's precision).
 * Variables must already hold f32 values.
 */
export function emitJS(e: Expr): string {
  const r = (x: string) => `Math.fround(${x})`;
  switch (e.k) {
    case 'num':
      return jsNum(Math.fround(e.value));
    case 'id':
      return varName(e.name);
    case 'neg':
      return `(-${emitJS(e.arg)})`;
    case 'bin':
      return r(`${emitJS(e.a)} ${e.op} ${emitJS(e.b)}`);
    case 'cmp': {
      const op = e.op === '==' ? '===' : e.op === '!=' ? '!==' : e.op;
      return `(${emitJS(e.a)} ${op} ${emitJS(e.b)} ? 1 : 0)`;
    }
    case 'cond':
      return `(${emitJS(e.c)} !== 0 ? ${emitJS(e.a)} : ${emitJS(e.b)})`;
    case 'call': {
      const a = e.args.map(emitJS);
      switch (e.fn) {
        case 'sigmoid':
          return r(`1 / ${r(`1 + ${r(`Math.exp(-${a[0]})`)}`)}`);
        case 'relu':
          return `Math.max(${a[0]}, 0)`;
        case 'step':
          return `(${a[0]} > 0 ? 1 : 0)`;
        case 'clamp':
          return `Math.min(Math.max(${a[0]}, ${a[1]}), ${a[2]})`;
        case 'abs':
        case 'min':
        case 'max':
          return `Math.${e.fn}(${a.join(', ')})`;
        default:
          return r(`Math.${e.fn}(${a.join(', ')})`);
      }
    }
  }
}

/**
 * Every variable-free part of `e` (after parameters are inlined), each with the f32 value emitJS's
 * code computes for it, passed to `visit` innermost first. Returns the value of `e` if it is constant.
 */
export function constantParts(e: Expr, visit: (part: Expr, value: number) => void): number | undefined {
  const r = Math.fround;
  const sub = (x: Expr) => constantParts(x, visit);
  let v: number | undefined;
  switch (e.k) {
    case 'num':
      v = r(e.value);
      break;
    case 'id':
      return undefined;
    case 'neg': {
      const a = sub(e.arg);
      v = a === undefined ? undefined : -a;
      break;
    }
    case 'bin':
    case 'cmp': {
      const a = sub(e.a);
      const b = sub(e.b);
      if (a === undefined || b === undefined) return undefined;
      const ops = { '+': a + b, '-': a - b, '*': a * b, '/': a / b, '<': +(a < b), '<=': +(a <= b), '>': +(a > b), '>=': +(a >= b), '==': +(a === b), '!=': +(a !== b) };
      v = r(ops[e.op]);
      break;
    }
    case 'cond': {
      const c = sub(e.c);
      const a = sub(e.a);
      const b = sub(e.b);
      v = c === undefined || a === undefined || b === undefined ? undefined : c !== 0 ? a : b;
      break;
    }
    case 'call': {
      const a = e.args.map(sub);
      if (a.some((x) => x === undefined)) return undefined;
      const [x, y, z] = a as number[];
      const fns = {
        exp: Math.exp,
        log: Math.log,
        sqrt: Math.sqrt,
        abs: Math.abs,
        tanh: Math.tanh,
        sigmoid: () => 1 / r(1 + r(Math.exp(-x))),
        relu: () => Math.max(x, 0),
        step: () => +(x > 0),
        min: Math.min,
        max: Math.max,
        pow: Math.pow,
        clamp: () => Math.min(Math.max(x, y), z),
      } as Record<string, (...args: number[]) => number>;
      // e.fn is one of FUNCTIONS (the parser checked it)
      v = r(fns[e.fn](x, y));
      break;
    }
  }
  if (v !== undefined) visit(e, v);
  return v;
}

/**
 * The shortest decimal that reads back as the f32 `f`, inside f32's range (WGSL refuses a literal
 * above the largest f32 even where it would round down to it); else f exactly.
 */
function f32Decimal(f: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const d = Number(f.toPrecision(digits));
    if (Math.fround(d) === f && Math.abs(d) <= F32_MAX) return d;
  }
  return f;
}

/** A WGSL literal of x rounded to f32 (parse.ts and the compiler keep every constant finite there). */
export function wgslNum(x: number): string {
  const f = Math.fround(x);
  if (!Number.isFinite(f)) throw new Error(`cannot emit ${x} as a WGSL f32 constant`);
  const d = f32Decimal(f);
  let s = Number.isInteger(d) && Math.abs(d) < 1e15 ? `${d}.0` : String(d);
  if (!s.includes('.') && !s.includes('e')) s += '.0';
  return f < 0 ? `(${s}f)` : `${s}f`;
}

/**
 * Functions emitWGSL's code calls, for the shader to include. A call of sigmoid nests one
 * parenthesis, where its formula inline would nest up to five (parse.ts MAX_NESTING).
 */
export const WGSL_FUNCTIONS = 'fn r_sigmoid(x: f32) -> f32 { return 1.0f / (1.0f + exp(-x)); }';

// How tightly emitted WGSL binds; an operand binding more loosely than its place needs parentheses.
// Only those are written, so a long sum stays flat: WGSL compilers refuse deeply nested parentheses.
const ADD = 0;
const MUL = 1;
const UNARY = 2;
const PRIMARY = 3;
type Wgsl = { s: string; binds: number };
const at = (w: Wgsl, binds: number) => (w.binds >= binds ? w.s : `(${w.s})`);
const primary = (s: string): Wgsl => ({ s, binds: PRIMARY });

function wgsl(e: Expr): Wgsl {
  switch (e.k) {
    case 'num':
      return primary(wgslNum(e.value));
    case 'id':
      return primary(varName(e.name));
    case 'neg':
      // never `- -x` or `--x`: the operand is a primary
      return { s: `-${at(wgsl(e.arg), PRIMARY)}`, binds: UNARY };
    case 'bin': {
      const binds = e.op === '+' || e.op === '-' ? ADD : MUL;
      // left-associative: the right operand must bind tighter, or (a - b) - c would read a - (b - c)
      return { s: `${at(wgsl(e.a), binds)} ${e.op} ${at(wgsl(e.b), binds + 1)}`, binds };
    }
    case 'cmp':
      return primary(`select(0.0f, 1.0f, ${wgsl(e.a).s} ${e.op} ${wgsl(e.b).s})`);
    case 'cond':
      return primary(`select(${wgsl(e.b).s}, ${wgsl(e.a).s}, ${wgsl(e.c).s} != 0.0f)`);
    case 'call': {
      const a = e.args.map((x) => wgsl(x).s);
      switch (e.fn) {
        case 'sigmoid':
          return primary(`r_sigmoid(${a[0]})`);
        case 'relu':
          return primary(`max(${a[0]}, 0.0f)`);
        case 'step':
          return primary(`select(0.0f, 1.0f, ${a[0]} > 0.0f)`);
        case 'clamp':
          return primary(`min(max(${a[0]}, ${a[1]}), ${a[2]})`);
        default:
          return primary(`${e.fn}(${a.join(', ')})`);
      }
    }
  }
}

export function emitWGSL(e: Expr): string {
  return wgsl(e).s;
}
