// Rule definition → checked ASTs plus JS and WGSL source for every expression of the rule.
import { closest, distance } from 'fastest-levenshtein';
import { constantParts, emitJS, emitWGSL } from './emit.ts';
import { type Expr, ExprError, F32_MAX, FUNCTIONS, isF32, parseExpr } from './parse.ts';
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
  /**
   * Parameters left as identifiers in the ASTs (compileRule's `perOrganism`): every organism reads
   * its own value from BackendInit.orgParams; `params` holds their defaults. Empty by default.
   */
  orgParamNames: string[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
// `__proto__` too: an object (a parsed config, a backend's table of names) cannot keep it as a key
const RESERVED = new Set([...Object.keys(CONTEXT_VARS.synapse), ...FUNCTIONS.keys(), '__proto__']);

function substituteParams(e: Expr, params: ReadonlyMap<string, number>): Expr {
  switch (e.k) {
    case 'num':
      return e;
    case 'id': {
      const value = params.get(e.name);
      return value === undefined ? e : { k: 'num', value, pos: e.pos };
    }
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

/** `src` for a message: whole when short, else the part around `pos` (a source may be 4096 characters). */
function excerpt(src: string, pos: number): string {
  const half = 40;
  if (src.length <= 2 * half) return src;
  const from = Math.max(0, Math.min(pos - half, src.length - 2 * half));
  return `${from > 0 ? '…' : ''}${src.slice(from, from + 2 * half)}${from + 2 * half < src.length ? '…' : ''}`;
}

export interface CompileOptions {
  /** Parameters each organism sets for itself: left as identifiers (CompiledRule.orgParamNames). */
  perOrganism?: readonly string[];
}

/**
 * Compile a rule with parameter overrides. Every error names the rule, the expression and the
 * column, e.g. `rule "oja", update, column 12: unknown identifier 'etta' (did you mean 'eta'?)`.
 * Names are looked up in Maps and Sets only, so `constructor` or `toString` is a name like any other.
 */
export function compileRule(def: RuleDef, overrides: Record<string, number> = {}, opts: CompileOptions = {}): CompiledRule {
  const where = `rule "${def.name}"`;
  const fail = (m: string): never => {
    throw new RuleError(`${where}: ${m}`);
  };
  const f32 = (what: string, v: number) => {
    if (!isF32(v)) fail(`${what} must be a finite number of magnitude at most ${F32_MAX} (f32), got ${v}`);
  };
  const specs = new Map(Object.entries(def.params));
  const params = new Map<string, number>();
  for (const [k, p] of specs) {
    if (!IDENT.test(k) || RESERVED.has(k)) fail(`parameter name '${k}' is not allowed (reserved or not an identifier)`);
    f32(`parameter '${k}'`, p.default);
    params.set(k, p.default);
  }
  for (const [k, v] of Object.entries(overrides)) {
    const p = specs.get(k);
    if (!p) return fail(`unknown parameter '${k}'${suggest(k, [...specs.keys()])}`);
    f32(`parameter '${k}'`, v);
    if ((p.min !== undefined && v < p.min) || (p.max !== undefined && v > p.max)) fail(`parameter '${k}' = ${v} is outside [${p.min ?? '-inf'}, ${p.max ?? 'inf'}]`);
    params.set(k, v);
  }
  const orgParamNames = [...new Set(opts.perOrganism ?? [])];
  for (const k of orgParamNames) if (!specs.has(k)) fail(`unknown per-organism parameter '${k}'${suggest(k, [...specs.keys()])}`);
  /** The parameters inlined as constants. */
  const constants = new Map([...params].filter(([k]) => !orgParamNames.includes(k)));
  const slotDefs = Object.entries(def.slots ?? {});
  const termDefs = Object.entries(def.terms ?? {});
  const slotNames = slotDefs.map(([n]) => n);
  const termNames = termDefs.map(([n]) => n);
  for (const n of [...slotNames, ...termNames]) {
    if (!IDENT.test(n) || RESERVED.has(n) || params.has(n)) fail(`state name '${n}' is not allowed (reserved, a parameter, or not an identifier)`);
  }
  if (new Set([...slotNames, ...termNames]).size !== slotNames.length + termNames.length) fail('slot and term names must be distinct');
  for (const [k, v] of [...slotDefs, ...termDefs]) f32(`initial value of '${k}'`, v.init);

  const compile = (label: string, src: string, ctx: ContextName, extra: string[]): CompiledExpr => {
    const at = (pos: number, m: string): never => fail(`${label}, column ${pos + 1}: ${m} in \`${excerpt(src, pos)}\``);
    let ast: Expr;
    try {
      ast = parseExpr(src);
    } catch (e) {
      if (e instanceof ExprError) return at(e.pos, e.message);
      throw e;
    }
    const allowed = new Set([...Object.keys(CONTEXT_VARS[ctx]), ...extra]);
    const reads = new Set<string>();
    const check = (x: Expr) => {
      if (x.k === 'id') {
        if (params.has(x.name)) return;
        if (!allowed.has(x.name)) {
          const names = [...allowed, ...params.keys()];
          fail(`${label}, column ${x.pos + 1}: unknown identifier '${x.name}'${suggest(x.name, names)}; allowed here: ${names.join(', ')}`);
        }
        reads.add(x.name);
      }
    };
    walk(ast, check);
    const sub = substituteParams(ast, constants);
    // WGSL compilers evaluate constant parts when the shader is created and refuse a non-finite
    // one; on cpu it would make every step diverge
    constantParts(sub, (x, value) => {
      if (!Number.isFinite(value)) at(x.pos, `this constant part evaluates to ${value} (with the parameters' values); a constant must be a finite f32 number`);
    });
    return { ast: sub, js: emitJS(sub), wgsl: emitWGSL(sub), reads };
  };

  const names = [...slotNames, ...termNames];
  const dw = compile('update', def.update, 'synapse', names);
  const slots = slotDefs.map(([n, v]) => compile(`slot '${n}'`, v.update, 'synapse', names));
  const terms = termDefs.map(([n, v]) => compile(`term '${n}'`, v.update, 'term', termNames));
  const contribution = compile('contribution', def.contribution ?? 'sign * w * pre', 'contribution', slotNames);
  const segment = compile('segment', def.segment ?? 'v', 'segment', []);
  return {
    name: def.name,
    params: Object.fromEntries(params),
    slotNames,
    slotInit: slotDefs.map(([, v]) => v.init),
    termNames,
    termInit: termDefs.map(([, v]) => v.init),
    dw,
    slots,
    terms,
    contribution,
    segment,
    defaultContribution: def.contribution === undefined,
    orgParamNames,
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
