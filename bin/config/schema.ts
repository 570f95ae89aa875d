// Simulation config schema (SPEC §9): a network, a rule and a stimulus.
import * as z from 'zod';
import { builtinRules } from '../../rules/index.ts';
import type { Problem } from '../errors.ts';
import { finite, int, isInt, isRec, list, name, nonNegative, obj, oneOf, positive, sign, unitInterval, variants, type Rec } from './zod-helpers.ts';

const Soma = obj({
  f: oneOf(['relu', 'clamp01', 'sigmoid', 'linear']).default('relu'),
  gain: positive().default(1),
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
});

const Connect = variants(
  ['full', 'fanIn', 'prob'],
  [
    obj({ kind: z.literal('full') }),
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

export const ConfigSchema = obj({
  name: name(),
  seed: int(0).default(1),
  backend: oneOf(['cpu', 'webgpu', 'auto']).default('auto'),
  steps: int(1),
  chunk: int(1, 1000).default(50),
  logEvery: int(1).default(250),
  record: obj({ every: int(1), capacity: int(1) }).optional(),
  network: obj({
    organisms: int(1).default(1),
    layers: z.array(Layer, { error: 'array of layers' }).min(1, { error: 'non-empty array of layers' }),
    projections: z.array(Projection, { error: 'array of projections' }),
  }),
  rule: obj({
    name: z.string({ error: 'rule name (string)' }),
    params: z.record(z.string(), z.number({ error: 'number' }), { error: 'object of numbers' }).default({}),
  }),
  plasticity: obj({
    // null: unbounded (Oja needs no clip, and then a too-high rate really diverges)
    wMin: z.number({ error: 'finite number or null (unbounded)' }).nullable().default(0),
    wMax: z.number({ error: 'finite number or null (unbounded)' }).nullable().default(1),
    normalize: oneOf(['none', 'l1', 'l2', 'subtractive']).default('none'),
    normalizeTarget: finite().default(1),
  }).prefault({}),
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
  if (rule && typeof rule.name === 'string') {
    const known = Object.keys(builtinRules);
    const def = Object.hasOwn(builtinRules, rule.name) ? builtinRules[rule.name] : undefined;
    if (!def) {
      out.push({ path: 'rule.name', value: rule.name, expected: `a known rule: ${list(known)}${suggest(rule.name, known)}` });
    } else if (isRec(rule.params)) {
      const allowed = Object.keys(def.params);
      for (const [k, v] of Object.entries(rule.params)) {
        const spec = Object.hasOwn(def.params, k) ? def.params[k] : undefined;
        if (!spec) {
          out.push({
            path: `rule.params.${k}`,
            value: v,
            expected: `a parameter of rule "${rule.name}": ${list(allowed)}${suggest(k, allowed)}`,
          });
        } else if (typeof v === 'number' && ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max))) {
          out.push({
            path: `rule.params.${k}`,
            value: v,
            expected: `number in [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}]`,
          });
        }
      }
    }
  }
  return out;
}

/** The rule's defaults overlaid with the config's params, so a resolved config is self-contained. */
export function resolveRuleParams(config: Config): Config {
  const def = builtinRules[config.rule.name];
  const params: Record<string, number> = {};
  for (const [k, p] of Object.entries(def.params)) params[k] = p.default;
  return { ...config, rule: { ...config.rule, params: { ...params, ...config.rule.params } } };
}
