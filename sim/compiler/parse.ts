// Expression language of rules: numbers, identifiers, + − * / , unary −, comparisons (1 or 0),
// `c ? a : b`, parentheses and a fixed set of functions. Positions are kept for error messages.
// Every tree it returns is bounded (MAX_LENGTH, MAX_NESTING, MAX_CHAIN) and holds only f32
// literals, so later passes (checks, emitters, the oracle) may recurse and no target sees a bad constant.

export type Expr =
  | { k: 'num'; value: number; pos: number }
  | { k: 'id'; name: string; pos: number }
  | { k: 'neg'; arg: Expr; pos: number }
  | { k: 'bin'; op: '+' | '-' | '*' | '/'; a: Expr; b: Expr; pos: number }
  | { k: 'cmp'; op: '<' | '<=' | '>' | '>=' | '==' | '!='; a: Expr; b: Expr; pos: number }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr; pos: number }
  | { k: 'call'; fn: string; args: Expr[]; pos: number };

/** Supported functions and their arity (a Map: a user's name never reaches Object.prototype). */
export const FUNCTIONS: ReadonlyMap<string, number> = new Map([
  ['exp', 1],
  ['log', 1],
  ['sqrt', 1],
  ['abs', 1],
  ['tanh', 1],
  ['sigmoid', 1],
  ['relu', 1],
  ['step', 1],
  ['min', 2],
  ['max', 2],
  ['pow', 2],
  ['clamp', 3],
]);

/** Longest expression, in characters (a shipped rule's longest has 390): bounds the parser's work. */
export const MAX_LENGTH = 4096;
/**
 * Deepest nesting: parentheses, function calls, unary signs, comparisons and conditionals met on
 * the way from the whole expression down to one number or name. Bounds the parser's recursion and
 * the emitted WGSL's (at most 2 nested parentheses or signs a level; Tint accepts 126).
 */
export const MAX_NESTING = 32;
/**
 * Most operations on one such way, `+ − * /` included, so a + b + … may have 256 terms. Bounds
 * the recursion of every pass over the tree and WGSL's operator chains (Tint accepts 512).
 */
export const MAX_CHAIN = 255;
/** Largest finite f32. */
export const F32_MAX = 3.4028234663852886e38;

/** A number every backend holds unchanged in magnitude: finite as an f32 (it may round, or underflow to 0). */
export const isF32 = (x: number) => Number.isFinite(x) && Math.abs(x) <= F32_MAX;

export class ExprError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

type Tok = { t: 'num' | 'id' | 'op' | 'end'; s: string; pos: number };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', s: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: 'id', s: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = /^(<=|>=|==|!=|[-+*/()<>?:,])/.exec(src.slice(i));
    if (op) {
      out.push({ t: 'op', s: op[0], pos: i });
      i += op[0].length;
      continue;
    }
    throw new ExprError(`unexpected character '${c}'`, i);
  }
  out.push({ t: 'end', s: '', pos: src.length });
  return out;
}

/** A parsed piece with its nesting and operation depth (MAX_NESTING, MAX_CHAIN). */
type Parsed = { e: Expr; nest: number; chain: number };

export function parseExpr(src: string): Expr {
  if (src.length > MAX_LENGTH) throw new ExprError(`the expression is ${src.length} characters long, more than the ${MAX_LENGTH} allowed`, MAX_LENGTH);
  const toks = tokenize(src);
  let i = 0;
  /** Constructs open around the parser's position: never more than the nesting they will make. */
  let open = 0;
  const tooDeep = (pos: number) => new ExprError(`nested more than ${MAX_NESTING} levels deep (each parenthesis, function call, sign, comparison and conditional is a level)`, pos);
  /** `f` parsed one level further in. */
  const inner = <T>(pos: number, f: () => T): T => {
    if (++open > MAX_NESTING) throw tooDeep(pos);
    const r = f();
    open--;
    return r;
  };
  /** A node over `parts`: one more operation, and one more level unless it is + − * /. */
  const node = (e: Expr, parts: Parsed[], level: 0 | 1): Parsed => {
    const nest = Math.max(0, ...parts.map((p) => p.nest)) + level;
    const chain = Math.max(0, ...parts.map((p) => p.chain)) + 1;
    if (nest > MAX_NESTING) throw tooDeep(e.pos);
    if (chain > MAX_CHAIN) throw new ExprError(`more than ${MAX_CHAIN} operations deep (a + b + … may have at most ${MAX_CHAIN + 1} terms)`, e.pos);
    return { e, nest, chain };
  };
  /** Parentheses or a unary plus around `p`: a level, no operation. */
  const level = (p: Parsed, pos: number): Parsed => {
    if (p.nest + 1 > MAX_NESTING) throw tooDeep(pos);
    return { ...p, nest: p.nest + 1 };
  };
  const peek = () => toks[i];
  const next = () => toks[i++];
  const isOp = (...ops: string[]) => peek().t === 'op' && ops.includes(peek().s);
  const expect = (s: string) => {
    const t = next();
    if (t.s !== s || t.t === 'end' && s !== '') throw new ExprError(t.t === 'end' ? `expected '${s}' but the expression ended` : `expected '${s}' but found '${t.s}'`, t.pos);
  };

  const cond = (): Parsed => {
    const c = compare();
    if (!isOp('?')) return c;
    const pos = next().pos;
    return inner(pos, () => {
      const a = cond();
      expect(':');
      const b = cond();
      return node({ k: 'cond', c: c.e, a: a.e, b: b.e, pos }, [c, a, b], 1);
    });
  };
  const compare = (): Parsed => {
    let a = additive();
    // (a < b) < c: each comparison after the first is one level further in
    const entered = open;
    for (let n = 0; isOp('<', '<=', '>', '>=', '==', '!='); n++) {
      const t = next();
      if (n > 0 && ++open > MAX_NESTING) throw tooDeep(t.pos);
      const b = additive();
      a = node({ k: 'cmp', op: t.s as '<', a: a.e, b: b.e, pos: t.pos }, [a, b], 1);
    }
    open = entered;
    return a;
  };
  const additive = (): Parsed => {
    let a = term();
    while (isOp('+', '-')) {
      const t = next();
      const b = term();
      a = node({ k: 'bin', op: t.s as '+', a: a.e, b: b.e, pos: t.pos }, [a, b], 0);
    }
    return a;
  };
  const term = (): Parsed => {
    let a = unary();
    while (isOp('*', '/')) {
      const t = next();
      const b = unary();
      a = node({ k: 'bin', op: t.s as '*', a: a.e, b: b.e, pos: t.pos }, [a, b], 0);
    }
    return a;
  };
  const unary = (): Parsed => {
    if (isOp('-')) {
      const pos = next().pos;
      const arg = inner(pos, unary);
      return node({ k: 'neg', arg: arg.e, pos }, [arg], 1);
    }
    if (isOp('+')) {
      const pos = next().pos;
      return level(inner(pos, unary), pos);
    }
    return primary();
  };
  const primary = (): Parsed => {
    const t = next();
    if (t.t === 'num') {
      const value = Number(t.s);
      if (!isF32(value)) throw new ExprError(`the number ${t.s} does not fit in f32 (largest magnitude ${F32_MAX})`, t.pos);
      return { e: { k: 'num', value, pos: t.pos }, nest: 0, chain: 0 };
    }
    if (t.t === 'id') {
      if (peek().s !== '(') return { e: { k: 'id', name: t.s, pos: t.pos }, nest: 0, chain: 0 };
      const args = inner(next().pos, () => {
        const out: Parsed[] = [];
        if (peek().s !== ')') {
          out.push(cond());
          while (peek().s === ',') {
            next();
            out.push(cond());
          }
        }
        expect(')');
        return out;
      });
      const arity = FUNCTIONS.get(t.s);
      if (arity === undefined) throw new ExprError(`unsupported function '${t.s}' (supported: ${[...FUNCTIONS.keys()].join(', ')})`, t.pos);
      if (arity !== args.length) throw new ExprError(`'${t.s}' takes ${arity} argument${arity > 1 ? 's' : ''}, got ${args.length}`, t.pos);
      return node({ k: 'call', fn: t.s, args: args.map((a) => a.e), pos: t.pos }, args, 1);
    }
    if (t.s === '(') {
      return level(
        inner(t.pos, () => {
          const e = cond();
          expect(')');
          return e;
        }),
        t.pos,
      );
    }
    throw new ExprError(t.t === 'end' ? 'the expression ended too early' : `unexpected '${t.s}'`, t.pos);
  };

  const e = cond();
  const rest = peek();
  if (rest.t !== 'end') throw new ExprError(`unexpected '${rest.s}' after a complete expression`, rest.pos);
  return e.e;
}
