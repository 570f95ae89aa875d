// Expression → source text for JS and WGSL (the cpu kernel's WebAssembly is emitted in cpu/wasm.ts).
// Variables are emitted as `v_<name>`; each target declares those it provides. Parameters are
// inlined as constants. All targets compute in f32.
import type { Expr } from './parse.ts';

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

export function wgslNum(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`cannot emit ${x} as a WGSL constant`);
  let s = Number.isInteger(x) && Math.abs(x) < 1e15 ? `${x}.0` : String(x);
  if (!s.includes('.') && !s.includes('e')) s += '.0';
  // Plain-f32 literal: an abstract float that does not fit f32 would be a shader error.
  return x < 0 ? `(${s}f)` : `${s}f`;
}

export function emitWGSL(e: Expr): string {
  switch (e.k) {
    case 'num':
      return wgslNum(e.value);
    case 'id':
      return varName(e.name);
    case 'neg':
      return `(-${emitWGSL(e.arg)})`;
    case 'bin':
      return `(${emitWGSL(e.a)} ${e.op} ${emitWGSL(e.b)})`;
    case 'cmp':
      return `select(0.0f, 1.0f, ${emitWGSL(e.a)} ${e.op} ${emitWGSL(e.b)})`;
    case 'cond':
      return `select(${emitWGSL(e.b)}, ${emitWGSL(e.a)}, ${emitWGSL(e.c)} != 0.0f)`;
    case 'call': {
      const a = e.args.map(emitWGSL);
      switch (e.fn) {
        case 'sigmoid':
          return `(1.0f / (1.0f + exp(-${a[0]})))`;
        case 'relu':
          return `max(${a[0]}, 0.0f)`;
        case 'step':
          return `select(0.0f, 1.0f, ${a[0]} > 0.0f)`;
        case 'clamp':
          return `min(max(${a[0]}, ${a[1]}), ${a[2]})`;
        default:
          return `${e.fn}(${a.join(', ')})`;
      }
    }
  }
}
