// Expression language of rules: numbers, identifiers, + − * / , unary −, comparisons (1 or 0),
// `c ? a : b`, parentheses and a fixed set of functions. Positions are kept for error messages.

export type Expr =
  | { k: 'num'; value: number; pos: number }
  | { k: 'id'; name: string; pos: number }
  | { k: 'neg'; arg: Expr; pos: number }
  | { k: 'bin'; op: '+' | '-' | '*' | '/'; a: Expr; b: Expr; pos: number }
  | { k: 'cmp'; op: '<' | '<=' | '>' | '>=' | '==' | '!='; a: Expr; b: Expr; pos: number }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr; pos: number }
  | { k: 'call'; fn: string; args: Expr[]; pos: number };

/** Supported functions and their arity. */
export const FUNCTIONS: Record<string, number> = {
  exp: 1,
  log: 1,
  sqrt: 1,
  abs: 1,
  tanh: 1,
  sigmoid: 1,
  relu: 1,
  step: 1,
  min: 2,
  max: 2,
  pow: 2,
  clamp: 3,
};

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

export function parseExpr(src: string): Expr {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const expect = (s: string) => {
    const t = next();
    if (t.s !== s || t.t === 'end' && s !== '') throw new ExprError(t.t === 'end' ? `expected '${s}' but the expression ended` : `expected '${s}' but found '${t.s}'`, t.pos);
  };

  const cond = (): Expr => {
    const c = compare();
    if (peek().s === '?') {
      const pos = next().pos;
      const a = cond();
      expect(':');
      const b = cond();
      return { k: 'cond', c, a, b, pos };
    }
    return c;
  };
  const compare = (): Expr => {
    let a = additive();
    while (['<', '<=', '>', '>=', '==', '!='].includes(peek().s) && peek().t === 'op') {
      const t = next();
      a = { k: 'cmp', op: t.s as '<', a, b: additive(), pos: t.pos };
    }
    return a;
  };
  const additive = (): Expr => {
    let a = term();
    while ((peek().s === '+' || peek().s === '-') && peek().t === 'op') {
      const t = next();
      a = { k: 'bin', op: t.s as '+', a, b: term(), pos: t.pos };
    }
    return a;
  };
  const term = (): Expr => {
    let a = unary();
    while ((peek().s === '*' || peek().s === '/') && peek().t === 'op') {
      const t = next();
      a = { k: 'bin', op: t.s as '*', a, b: unary(), pos: t.pos };
    }
    return a;
  };
  const unary = (): Expr => {
    if (peek().s === '-' && peek().t === 'op') {
      const pos = next().pos;
      return { k: 'neg', arg: unary(), pos };
    }
    if (peek().s === '+' && peek().t === 'op') {
      next();
      return unary();
    }
    return primary();
  };
  const primary = (): Expr => {
    const t = next();
    if (t.t === 'num') return { k: 'num', value: Number(t.s), pos: t.pos };
    if (t.t === 'id') {
      if (peek().s === '(') {
        next();
        const args: Expr[] = [];
        if (peek().s !== ')') {
          args.push(cond());
          while (peek().s === ',') {
            next();
            args.push(cond());
          }
        }
        expect(')');
        const arity = FUNCTIONS[t.s];
        if (arity === undefined) throw new ExprError(`unsupported function '${t.s}' (supported: ${Object.keys(FUNCTIONS).join(', ')})`, t.pos);
        if (arity !== args.length) throw new ExprError(`'${t.s}' takes ${arity} argument${arity > 1 ? 's' : ''}, got ${args.length}`, t.pos);
        return { k: 'call', fn: t.s, args, pos: t.pos };
      }
      return { k: 'id', name: t.s, pos: t.pos };
    }
    if (t.s === '(') {
      const e = cond();
      expect(')');
      return e;
    }
    throw new ExprError(t.t === 'end' ? 'the expression ended too early' : `unexpected '${t.s}'`, t.pos);
  };

  const e = cond();
  const rest = peek();
  if (rest.t !== 'end') throw new ExprError(`unexpected '${rest.s}' after a complete expression`, rest.pos);
  return e;
}

/** Identifiers an expression reads. */
export function identifiers(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.k) {
    case 'id':
      out.add(e.name);
      break;
    case 'neg':
      identifiers(e.arg, out);
      break;
    case 'bin':
    case 'cmp':
      identifiers(e.a, out);
      identifiers(e.b, out);
      break;
    case 'cond':
      identifiers(e.c, out);
      identifiers(e.a, out);
      identifiers(e.b, out);
      break;
    case 'call':
      for (const a of e.args) identifiers(a, out);
      break;
  }
  return out;
}
