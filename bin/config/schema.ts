// Simulation config schema (SPEC §9): a network, a rule and a stimulus.
import * as z from 'zod';
import { builtinRules } from '../../rules/index.ts';
import { compileRule, RuleError } from '../../sim/compiler/compile.ts';
import { F32_MAX, isF32 } from '../../sim/compiler/parse.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import type { Problem } from '../errors.ts';
import { f32, finite, int, isInt, isRec, list, name, NAME_RE, nonNegative, obj, oneOf, positive, seed, sign, unitInterval, variants, type Rec } from './zod-helpers.ts';

const Soma = obj({
  // kwta and softmax act on the layer's neurons of one organism together (sim/README.md)
  f: oneOf(['relu', 'clamp01', 'sigmoid', 'linear', 'kwta', 'softmax']).default('relu'),
  gain: positive().default(1),
  /** kwta: how many neurons of the layer stay active. */
  k: int(1).optional(),
  alpha: unitInterval(true).default(1),
  bias: finite().default(0),
  theta: finite().default(0),
});

const Layer = obj({
  name: name(),
  size: int(1),
  role: oneOf(['input', 'hidden', 'output']),
  sign: sign().default(1),
  segments: int(1).default(1),
  soma: Soma.prefault({}),
  homeostasis: obj({
    eta: nonNegative(),
    target: finite(),
  }).optional(),
  /** 3D position per neuron (default: a grid in the plane z = the layer's index). */
  pos: z.array(z.tuple([finite(), finite(), finite()], { error: '[x, y, z] of finite numbers' }), { error: 'array of [x, y, z] positions' }).optional(),
});

const Connect = variants(
  ['full', 'fanIn', 'prob', 'oneToOne', 'list'],
  [
    obj({ kind: z.literal('full') }),
    obj({ kind: z.literal('oneToOne') }),
    // explicit synapses [pre in from, post in to] (e.g. an evolved organism written out), weights optional
    obj({
      kind: z.literal('list'),
      pairs: z.array(z.tuple([int(0), int(0)], { error: '[pre, post] pair of integers >= 0' }), { error: 'array of [pre, post] pairs' }),
      w: z.array(finite(), { error: 'array of finite numbers' }).optional(),
    }),
    obj({ kind: z.literal('fanIn'), k: int(1) }),
    obj({
      kind: z.literal('prob'),
      p: unitInterval(true),
    }),
  ],
);

const Projection = obj({
  from: z.string({ error: 'layer name (string)' }),
  to: z.string({ error: 'layer name (string)' }),
  connect: Connect,
  init: obj({ min: finite(), max: finite() }),
  segment: int(0).default(0),
  sign: sign().optional(),
  plastic: z.boolean({ error: 'boolean' }).default(true),
  /** Read by rules as `tag` (e.g. key-query's key synapses are tag 1). */
  tag: int(0, 255).optional(),
});

const expression = () => z.string({ error: 'expression (string), e.g. "eta * pre * post"' });
const docText = () => z.string({ error: 'string' });

/** A per-synapse slot or per-neuron term of a user-defined rule. */
const StateVar = obj({ init: finite(), update: expression() });

/** A learning rule defined in the config (SPEC §4): the same data as a built-in RuleDef. */
const RuleDefine = obj({
  doc: docText().optional(),
  params: z
    .record(z.string(), obj({ default: finite(), min: finite().optional(), max: finite().optional(), doc: docText().optional() }), {
      error: 'object of parameters { default, min?, max?, doc? }',
    })
    .default({}),
  slots: z.record(z.string(), StateVar, { error: 'object of slots { init, update }' }).optional(),
  terms: z.record(z.string(), StateVar, { error: 'object of terms { init, update }' }).optional(),
  update: expression(),
  contribution: expression().optional(),
  segment: expression().optional(),
});

const Stimulus = variants(
  ['bars', 'gaussian'],
  [
    obj({
      kind: z.literal('bars'),
      side: int(2),
      p: unitInterval(true),
      noise: nonNegative(),
    }),
    obj({ kind: z.literal('gaussian'), dim: int(1), rank: int(1), noise: nonNegative() }),
  ],
);

export const Network = obj({
  organisms: int(1).default(1),
  layers: z.array(Layer, { error: 'array of layers' }).min(1, { error: 'non-empty array of layers' }),
  projections: z.array(Projection, { error: 'array of projections' }),
});

export const Rule = obj({
  name: z.string({ error: 'rule name (string)' }),
  params: z.record(z.string(), z.number({ error: 'number' }), { error: 'object of numbers' }).default({}),
  /** Defines the rule here instead of naming a built-in one (see configs/README.md). */
  define: RuleDefine.optional(),
});

export const Plasticity = obj({
  // null: unbounded (Oja needs no clip, and then a too-high rate really diverges)
  wMin: f32('finite number or null (unbounded)').nullable().default(0),
  wMax: f32('finite number or null (unbounded)').nullable().default(1),
  normalize: oneOf(['none', 'l1', 'l2', 'subtractive']).default('none'),
  normalizeTarget: finite().default(1),
});

export const ConfigSchema = obj({
  name: name(),
  seed: seed().default(1),
  backend: oneOf(['cpu', 'webgpu', 'auto']).default('auto'),
  steps: int(1),
  chunk: int(1, 1000).default(50),
  logEvery: int(1).default(250),
  record: obj({ every: int(1), capacity: int(1) }).optional(),
  network: Network,
  rule: Rule,
  plasticity: Plasticity.prefault({}),
  stimulus: Stimulus,
});

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Flattened element count of one stimulus sample. */
export function stimulusDim(s: Config['stimulus']): number {
  return s.kind === 'bars' ? s.side * s.side : s.dim;
}

// ---- cross-field checks -------------------------------------------------------------
// Run on the raw (pre-zod) object so they can be reported together with the schema
// problems; each check only looks at fields that have the right type.


export function crossCheck(raw: unknown, suggest: (word: string, options: string[]) => string): Problem[] {
  const out: Problem[] = [];
  if (!isRec(raw)) return out;
  const net = isRec(raw.network) ? raw.network : undefined;
  const layers = net && Array.isArray(net.layers) ? net.layers : undefined;

  const byName = new Map<string, { index: number; layer: Rec }>();
  if (layers) {
    layers.forEach((l, i) => {
      if (!isRec(l) || typeof l.name !== 'string') return;
      const prev = byName.get(l.name);
      if (prev) {
        out.push({
          path: `network.layers[${i}].name`,
          value: l.name,
          expected: `a unique layer name (network.layers[${prev.index}] is already "${l.name}")`,
        });
      } else byName.set(l.name, { index: i, layer: l });
    });
    layers.forEach((l, i) => {
      if (!isRec(l) || !isRec(l.soma)) return;
      const { f, k } = l.soma;
      const at = `network.layers[${i}].soma.k`;
      if (f === 'kwta' && k === undefined) out.push({ path: at, value: k, expected: `integer 1..${isInt(l.size) ? l.size : 'size'} (soma "kwta" needs k)` });
      else if (f === 'kwta' && isInt(k) && isInt(l.size) && k > l.size) out.push({ path: at, value: k, expected: `integer 1..${l.size} (at most the layer size ${l.size})` });
      else if (f !== 'kwta' && k !== undefined) out.push({ path: at, value: k, expected: `no k: k is only for soma "kwta" (f is ${JSON.stringify(f ?? 'relu')})` });
    });
    layers.forEach((l, i) => {
      if (isRec(l) && Array.isArray(l.pos) && isInt(l.size) && l.pos.length !== l.size) out.push({ path: `network.layers[${i}].pos`, value: `${l.pos.length} positions`, expected: `one [x, y, z] per neuron (${l.size})` });
    });
    const inputs = layers.filter((l) => isRec(l) && l.role === 'input');
    const roles = layers.map((l) => (isRec(l) ? l.role : undefined));
    if (layers.length > 0 && inputs.length === 0 && roles.every((r) => r === 'input' || r === 'hidden' || r === 'output')) {
      out.push({ path: 'network.layers', value: roles, expected: 'at least one layer with role "input"' });
    }
    const sizes = inputs.map((l) => (l as Rec).size);
    const stim = isRec(raw.stimulus) ? raw.stimulus : undefined;
    if (inputs.length > 0 && sizes.every(isInt) && stim) {
      const total = (sizes as number[]).reduce((a, b) => a + b, 0);
      if (stim.kind === 'bars' && isInt(stim.side) && stim.side * stim.side !== total) {
        const root = Math.round(Math.sqrt(total));
        out.push({
          path: 'stimulus.side',
          value: stim.side,
          expected:
            root * root === total
              ? `${root} (side*side must equal the total input layer size ${total})`
              : `side*side equal to the total input layer size ${total}, which is not a square`,
        });
      }
      if (stim.kind === 'gaussian' && isInt(stim.dim) && stim.dim !== total) {
        out.push({ path: 'stimulus.dim', value: stim.dim, expected: `${total} (the total input layer size)` });
      }
    }
  }
  if (isRec(raw.stimulus) && raw.stimulus.kind === 'gaussian') {
    const { dim, rank } = raw.stimulus;
    if (isInt(dim) && isInt(rank) && rank > dim && rank >= 1) {
      out.push({ path: 'stimulus.rank', value: rank, expected: `integer 1..${dim} (at most dim)` });
    }
  }

  const projections = net && Array.isArray(net.projections) ? net.projections : undefined;
  const names = [...byName.keys()];
  // a segment's synapses share one tag (rules read it per segment)
  const segTags = new Map<string, { index: number; tag: unknown }>();
  projections?.forEach((p, i) => {
    if (!isRec(p) || typeof p.to !== 'string') return;
    const key = `${p.to}:${p.segment === undefined ? 0 : p.segment}`;
    const tag = p.tag === undefined ? 0 : p.tag;
    const prev = segTags.get(key);
    if (!prev) segTags.set(key, { index: i, tag });
    else if (prev.tag !== tag)
      out.push({ path: `network.projections[${i}].tag`, value: tag, expected: `${JSON.stringify(prev.tag)}, the tag of network.projections[${prev.index}] into the same segment of "${p.to}"` });
  });
  projections?.forEach((p, i) => {
    if (!isRec(p)) return;
    const at = `network.projections[${i}]`;
    for (const end of ['from', 'to'] as const) {
      const v = p[end];
      if (typeof v === 'string' && layers && !byName.has(v)) {
        out.push({ path: `${at}.${end}`, value: v, expected: `a layer name: ${list(names)}${suggest(v, names)}` });
      }
    }
    const target = typeof p.to === 'string' ? byName.get(p.to)?.layer : undefined;
    if (target?.role === 'input') {
      out.push({ path: `${at}.to`, value: p.to, expected: `a hidden or output layer ("${p.to}" is an input layer)` });
    }
    const segments = target ? (target.segments === undefined ? 1 : target.segments) : undefined;
    const segment = p.segment === undefined ? 0 : p.segment;
    if (isInt(segments) && segments >= 1 && isInt(segment) && segment >= segments) {
      out.push({
        path: `${at}.segment`,
        value: segment,
        expected: `integer 0..${segments - 1} (layer "${p.to}" has ${segments} segment${segments === 1 ? '' : 's'})`,
      });
    }
    const source = typeof p.from === 'string' ? byName.get(p.from)?.layer : undefined;
    if (isRec(p.connect) && p.connect.kind === 'oneToOne' && source && target && isInt(source.size) && isInt(target.size) && source.size !== target.size) {
      out.push({
        path: `${at}.connect`,
        value: p.connect,
        expected: `layers of the same size for oneToOne ("${p.from}" has ${source.size}, "${p.to}" ${target.size})`,
      });
    }
    if (isRec(p.connect) && p.connect.kind === 'list' && Array.isArray(p.connect.pairs) && source && target && isInt(source.size) && isInt(target.size)) {
      const pairs = p.connect.pairs;
      const bad = pairs.findIndex((q) => Array.isArray(q) && isInt(q[0]) && isInt(q[1]) && (q[0] >= (source.size as number) || q[1] >= (target.size as number)));
      if (bad >= 0) out.push({ path: `${at}.connect.pairs[${bad}]`, value: pairs[bad], expected: `[pre 0..${source.size - 1}, post 0..${target.size - 1}] (layers "${p.from}" and "${p.to}")` });
      if (Array.isArray(p.connect.w) && p.connect.w.length !== pairs.length) out.push({ path: `${at}.connect.w`, value: `${p.connect.w.length} weights`, expected: `one weight per pair (${pairs.length})` });
    }
    if (isRec(p.init) && typeof p.init.min === 'number' && typeof p.init.max === 'number' && p.init.min > p.init.max) {
      out.push({ path: `${at}.init`, value: p.init, expected: 'min <= max' });
    }
  });

  const pl = isRec(raw.plasticity) ? raw.plasticity : undefined;
  if (pl) {
    const wMin = pl.wMin === undefined ? 0 : pl.wMin;
    const wMax = pl.wMax === undefined ? 1 : pl.wMax;
    if (typeof wMin === 'number' && typeof wMax === 'number' && wMin > wMax) {
      out.push({ path: 'plasticity', value: { wMin, wMax }, expected: 'wMin <= wMax' });
    }
  }

  const rule = isRec(raw.rule) ? raw.rule : undefined;
  if (rule) out.push(...checkRule(rule, suggest));
  return out;
}

type ParamSpec = { min?: number; max?: number };

export function checkRule(rule: Rec, suggest: (word: string, options: string[]) => string): Problem[] {
  const out: Problem[] = [];
  if (typeof rule.name !== 'string') return out;
  const known = Object.keys(builtinRules);
  // a Map: a user's param name (`constructor`) is never found on Object.prototype
  let specs: Map<string, ParamSpec> | undefined;
  let whose: string;
  if (rule.define !== undefined) {
    whose = `the rule "${rule.name}" defined in rule.define`;
    if (Object.hasOwn(builtinRules, rule.name)) {
      out.push({ path: 'rule.name', value: rule.name, expected: `a name that is not a built-in rule (${list(known)}) when rule.define is given` });
    } else if (!NAME_RE.test(rule.name)) {
      out.push({ path: 'rule.name', value: rule.name, expected: `string matching ${NAME_RE} (the name of the rule rule.define defines)` });
    }
    if (isRec(rule.define)) {
      out.push(...checkDefine(String(rule.name), rule.define));
      if (isRec(rule.define.params)) {
        specs = new Map();
        for (const [k, p] of Object.entries(rule.define.params)) {
          specs.set(k, isRec(p) ? { min: typeof p.min === 'number' ? p.min : undefined, max: typeof p.max === 'number' ? p.max : undefined } : {});
        }
      } else if (rule.define.params === undefined) specs = new Map();
    }
  } else {
    whose = `rule "${rule.name}"`;
    const def = Object.hasOwn(builtinRules, rule.name) ? builtinRules[rule.name] : undefined;
    if (!def) {
      out.push({ path: 'rule.name', value: rule.name, expected: `a known rule: ${list(known)}${suggest(rule.name, known)} (or define one under rule.define)` });
    } else specs = new Map(Object.entries(def.params));
  }
  if (specs && isRec(rule.params)) {
    const allowed = [...specs.keys()];
    for (const [k, v] of Object.entries(rule.params)) {
      const spec = specs.get(k);
      if (!spec) {
        out.push({
          path: `rule.params.${k}`,
          value: v,
          expected: allowed.length ? `a parameter of ${whose}: ${list(allowed)}${suggest(k, allowed)}` : `nothing: ${whose} has no parameters`,
        });
      } else if (typeof v === 'number' && ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max))) {
        out.push({ path: `rule.params.${k}`, value: v, expected: `number in [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}]` });
      } else if (typeof v === 'number' && !isF32(v)) {
        out.push({ path: `rule.params.${k}`, value: v, expected: F32_EXPECTED });
      }
    }
  }
  // the definition's own checks compiled it with its defaults; the config's values can still
  // make a constant part of an expression overflow
  if (out.length === 0 && specs && isRec(rule.params) && Object.values(rule.params).every((v) => typeof v === 'number')) {
    const define = rule.define === undefined ? undefined : RuleDefine.safeParse(rule.define);
    const def: RuleDef | undefined = define === undefined ? builtinRules[rule.name] : define.success ? { name: rule.name, ...define.data } : undefined;
    if (def) {
      try {
        compileRule(def, rule.params as Record<string, number>);
      } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        out.push({ path: 'rule.params', value: undefined, expected: '', message: stripRuleName(e.message, rule.name) });
      }
    }
  }
  return out;
}

const F32_EXPECTED = `number of magnitude at most ${F32_MAX} (the backends compute in f32)`;

/** The compiler's message without the `rule "name": ` prefix that the path replaces. */
function stripRuleName(m: string, ruleName: string): string {
  const prefix = `rule "${ruleName}": `;
  return m.startsWith(prefix) ? m.slice(prefix.length) : m;
}

/**
 * Compiles every part of a rule definition on its own (the others replaced by constants), so each
 * compiler error lands on the path of the part it is about. Parts with the wrong type are left to
 * the schema; names of badly typed params, slots and terms still count as declared.
 */
function checkDefine(ruleName: string, d: Rec): Problem[] {
  const out: Problem[] = [];
  const at = 'rule.define';
  // the one name a parsed config cannot carry: an object's `__proto__` key is dropped or sets its prototype
  for (const kind of ['params', 'slots', 'terms'] as const) {
    const group = d[kind];
    if (isRec(group) && Object.hasOwn(group, '__proto__')) {
      out.push({ path: `${at}.${kind}.__proto__`, value: undefined, expected: '', message: "'__proto__' is not allowed as a name (a JavaScript object cannot keep it as a key)" });
    }
  }
  if (out.length) return out;
  const params: RuleDef['params'] = {};
  if (isRec(d.params)) {
    for (const [k, p] of Object.entries(d.params)) {
      const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
      if (isRec(p) && typeof p.default === 'number' && Number.isFinite(p.default) && !isF32(p.default)) {
        out.push({ path: `${at}.params.${k}.default`, value: p.default, expected: F32_EXPECTED });
      }
      const dflt = isRec(p) && typeof p.default === 'number' && isF32(p.default) ? p.default : undefined;
      const min = isRec(p) ? num(p.min) : undefined;
      const max = isRec(p) ? num(p.max) : undefined;
      params[k] = { default: dflt ?? 0 };
      if (min !== undefined && max !== undefined && min > max) {
        out.push({ path: `${at}.params.${k}`, value: { min, max }, expected: 'min <= max' });
      } else if (dflt !== undefined && ((min !== undefined && dflt < min) || (max !== undefined && dflt > max))) {
        out.push({ path: `${at}.params.${k}.default`, value: dflt, expected: `number in [${min ?? '-inf'}, ${max ?? 'inf'}] (the parameter's min and max)` });
      }
    }
  }
  for (const kind of ['slots', 'terms'] as const) {
    const group = d[kind];
    if (!isRec(group)) continue;
    for (const [n, v] of Object.entries(group)) {
      if (isRec(v) && typeof v.init === 'number' && Number.isFinite(v.init) && !isF32(v.init)) out.push({ path: `${at}.${kind}.${n}.init`, value: v.init, expected: F32_EXPECTED });
    }
  }
  const states = (v: unknown) => (isRec(v) ? Object.keys(v) : []);
  const slotNames = states(d.slots);
  const termNames = states(d.terms);
  const blank = (names: string[]) => Object.fromEntries(names.map((n) => [n, { init: 0, update: '0' }]));
  const base: RuleDef = { name: ruleName, params: {}, update: '0' };
  /** The compiler's message without the `rule "name": ` and `<label>, ` prefixes the path replaces. */
  const tryCompile = (def: RuleDef, path: string, label?: string): boolean => {
    try {
      compileRule(def);
      return true;
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      let m = stripRuleName(e.message, ruleName);
      if (label && m.startsWith(`${label}, `)) m = m.slice(label.length + 2);
      out.push({ path, value: undefined, expected: '', message: m });
      return false;
    }
  };
  // names first: each parameter, slot and term alone
  let namesOk = true;
  const goodParams: RuleDef['params'] = {};
  for (const k of Object.keys(params)) {
    if (tryCompile({ ...base, params: { [k]: params[k] } }, `${at}.params.${k}`)) goodParams[k] = params[k];
    else namesOk = false;
  }
  for (const [kind, names] of [['slots', slotNames], ['terms', termNames]] as const) {
    for (const n of names) namesOk = tryCompile({ ...base, params: goodParams, [kind]: blank([n]) }, `${at}.${kind}.${n}`) && namesOk;
  }
  for (const n of termNames) {
    if (slotNames.includes(n)) {
      out.push({ path: `${at}.terms.${n}`, value: undefined, expected: '', message: `name '${n}' is already a slot (slot and term names must be distinct)` });
      namesOk = false;
    }
  }
  if (!namesOk) return out;
  // then each expression with every name declared
  const decl: RuleDef = { ...base, params, slots: blank(slotNames), terms: blank(termNames) };
  const src = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const update = src(d.update);
  if (update !== undefined) tryCompile({ ...decl, update }, `${at}.update`, 'update');
  const contribution = src(d.contribution);
  if (contribution !== undefined) tryCompile({ ...decl, contribution }, `${at}.contribution`, 'contribution');
  const segment = src(d.segment);
  if (segment !== undefined) tryCompile({ ...decl, segment }, `${at}.segment`, 'segment');
  for (const [kind, label] of [['slots', 'slot'], ['terms', 'term']] as const) {
    const group = d[kind];
    if (!isRec(group)) continue;
    for (const [n, v] of Object.entries(group)) {
      const u = isRec(v) ? src(v.update) : undefined;
      if (u === undefined) continue;
      const def: RuleDef = { ...decl, [kind]: { ...decl[kind], [n]: { init: 0, update: u } } };
      tryCompile(def, `${at}.${kind}.${n}.update`, `${label} '${n}'`);
    }
  }
  return out;
}

/** The definition of the config's rule: its own `rule.define`, or the built-in one it names. */
export function ruleDef(config: Pick<Config, 'rule'>): RuleDef {
  const d = config.rule.define;
  if (!d) return builtinRules[config.rule.name];
  return { name: config.rule.name, ...d };
}

/** The rule's defaults overlaid with the config's params, so a resolved config is self-contained. */
export function resolveRuleParams<C extends Pick<Config, 'rule'>>(config: C): C {
  const def = ruleDef(config);
  const params: Record<string, number> = {};
  for (const [k, p] of Object.entries(def.params)) params[k] = p.default;
  return { ...config, rule: { ...config.rule, params: { ...params, ...config.rule.params } } };
}
