// Rule definition → checked ASTs plus JS and WGSL source for every expression of the rule.
import { closest, distance } from 'fastest-levenshtein';
import { emitJS, emitWGSL } from './emit.ts';
import { type Expr, ExprError, identifiers, parseExpr } from './parse.ts';
import { CONTEXT_VARS, type ContextName, type RuleDef } from './rule.ts';

export class RuleError extends Error {}

export interface CompiledExpr {
  ast: Expr;
  /** JS with f32 rounding after every operation: exactly what the WebAssembly kernel computes. */
  js: string;
  wgsl: string;
  /** Identifiers (other than params) it reads. */
  reads: Set<string>;
}

export interface CompiledRule {
  name: string;
  params: Record<string, number>;
  slotNames: string[];
  slotInit: number[];
  termNames: string[];
  termInit: number[];
  dw: CompiledExpr;
  slots: CompiledExpr[];
  terms: CompiledExpr[];
  /** c(s); default sign · w · pre. */
  contribution: CompiledExpr;
  /** δ(v); default v. */
  segment: CompiledExpr;
  /** True when the rule keeps the default contribution (backends may use a fast path). */
  defaultContribution: boolean;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set([...Object.keys(CONTEXT_VARS.synapse), 'exp', 'log', 'sqrt', 'abs', 'tanh', 'min', 'max', 'pow', 'clamp', 'sigmoid', 'relu', 'step']);

function substituteParams(e: Expr, params: Record<string, number>): Expr {
  switch (e.k) {
    case 'num':
      return e;
    case 'id':
      return e.name in params ? { k: 'num', value: params[e.name], pos: e.pos } : e;
    case 'neg':
      return { ...e, arg: substituteParams(e.arg, params) };
    case 'bin':
    case 'cmp':
      return { ...e, a: substituteParams(e.a, params), b: substituteParams(e.b, params) } as Expr;
    case 'cond':
      return { ...e, c: substituteParams(e.c, params), a: substituteParams(e.a, params), b: substituteParams(e.b, params) };
    case 'call':
      return { ...e, args: e.args.map((a) => substituteParams(a, params)) };
  }
}

/**
 * Compile a rule with parameter overrides. Every error names the rule, the expression and the
 * column, e.g. `rule "oja", update, column 12: unknown identifier 'etta' (did you mean 'eta'?)`.
 */
export function compileRule(def: RuleDef, overrides: Record<string, number> = {}): CompiledRule {
  const where = `rule "${def.name}"`;
  const fail = (m: string): never => {
    throw new RuleError(`${where}: ${m}`);
  };
  const params: Record<string, number> = {};
  for (const [k, p] of Object.entries(def.params)) {
    if (!IDENT.test(k) || RESERVED.has(k)) fail(`parameter name '${k}' is not allowed (reserved or not an identifier)`);
    params[k] = p.default;
  }
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in def.params)) fail(`unknown parameter '${k}'${suggest(k, Object.keys(def.params))}`);
    const p = def.params[k];
    if (!Number.isFinite(v)) fail(`parameter '${k}' must be a finite number, got ${v}`);
    if ((p.min !== undefined && v < p.min) || (p.max !== undefined && v > p.max)) fail(`parameter '${k}' = ${v} is outside [${p.min ?? '-inf'}, ${p.max ?? 'inf'}]`);
    params[k] = v;
  }
  const slotNames = Object.keys(def.slots ?? {});
  const termNames = Object.keys(def.terms ?? {});
  for (const n of [...slotNames, ...termNames]) {
    if (!IDENT.test(n) || RESERVED.has(n) || n in params) fail(`state name '${n}' is not allowed (reserved, a parameter, or not an identifier)`);
  }
  if (new Set([...slotNames, ...termNames]).size !== slotNames.length + termNames.length) fail('slot and term names must be distinct');

  const compile = (label: string, src: string, ctx: ContextName, extra: string[]): CompiledExpr => {
    let ast: Expr;
    try {
      ast = parseExpr(src);
    } catch (e) {
      if (e instanceof ExprError) return fail(`${label}, column ${e.pos + 1}: ${e.message} in \`${src}\``);
      throw e;
    }
    const allowed = [...Object.keys(CONTEXT_VARS[ctx]), ...extra];
    const reads = new Set<string>();
    const check = (x: Expr) => {
      if (x.k === 'id') {
        if (x.name in params) return;
        if (!allowed.includes(x.name)) fail(`${label}, column ${x.pos + 1}: unknown identifier '${x.name}'${suggest(x.name, [...allowed, ...Object.keys(params)])}; allowed here: ${[...allowed, ...Object.keys(params)].join(', ')}`);
        reads.add(x.name);
      }
    };
    walk(ast, check);
    const sub = substituteParams(ast, params);
    return { ast: sub, js: emitJS(sub), wgsl: emitWGSL(sub), reads };
  };

  for (const [k, v] of Object.entries({ ...def.slots, ...def.terms })) {
    if (!Number.isFinite(v.init)) fail(`initial value of '${k}' must be a finite number`);
  }
  const dw = compile('update', def.update, 'synapse', [...slotNames, ...termNames]);
  const slots = slotNames.map((n) => compile(`slot '${n}'`, def.slots![n].update, 'synapse', [...slotNames, ...termNames]));
  const terms = termNames.map((n) => compile(`term '${n}'`, def.terms![n].update, 'term', termNames));
  const contribution = compile('contribution', def.contribution ?? 'sign * w * pre', 'contribution', slotNames);
  const segment = compile('segment', def.segment ?? 'v', 'segment', []);
  return {
    name: def.name,
    params,
    slotNames,
    slotInit: slotNames.map((n) => def.slots![n].init),
    termNames,
    termInit: termNames.map((n) => def.terms![n].init),
    dw,
    slots,
    terms,
    contribution,
    segment,
    defaultContribution: def.contribution === undefined,
  };
}

function walk(e: Expr, f: (e: Expr) => void): void {
  f(e);
  if (e.k === 'neg') walk(e.arg, f);
  else if (e.k === 'bin' || e.k === 'cmp') {
    walk(e.a, f);
    walk(e.b, f);
  } else if (e.k === 'cond') {
    walk(e.c, f);
    walk(e.a, f);
    walk(e.b, f);
  } else if (e.k === 'call') e.args.forEach((a) => walk(a, f));
}

function suggest(name: string, options: string[]): string {
  if (options.length === 0) return '';
  const c = closest(name, options);
  return c && distance(name, c) <= 3 ? ` (did you mean '${c}'?)` : '';
}
