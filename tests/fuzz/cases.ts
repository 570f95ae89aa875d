// The validate cases: a config file's text and the command line that validates it. Each case
// prints as its reproduction (fast-check shows counterexamples through toStringMethod).
import fc from 'fast-check';
import { expr, ruleName } from './exprs.ts';
import { applyEdits, edit, SHIPPED, textEdit } from './mutate.ts';
import { PROTO_NAMES, sometimes, specialNumber, value, valueText, type Value } from './values.ts';
import { walk } from '../cli/fixture.ts';

export const CONFIG_FILE = 'case.json';

export interface ValidateCase {
  /** Text of CONFIG_FILE. */
  text: string;
  args: string[];
  /** How the case was made, for the failure report. */
  story: string[];
  /** Whether the command line is wrong whatever the config (exit 2 is the only right answer). */
  fails?: boolean;
}

function withShow<T extends ValidateCase>(c: T): T {
  return Object.assign(c, {
    [fc.toStringMethod]: () => `\n  springtail ${c.args.map(shellQuote).join(' ')}\n  where ${CONFIG_FILE} is ${c.story.join('; ')}`,
  });
}

export function shellQuote(s: string): string {
  const shown = s.length > 200 ? `${s.slice(0, 120)}…(${s.length} chars)` : s;
  return /^[\w@%+=:,./-]+$/.test(shown) ? shown : JSON.stringify(shown);
}

const base = fc.constantFrom(...SHIPPED);

// ---- config mutations ---------------------------------------------------------------------

export const mutationCase: fc.Arbitrary<ValidateCase> = fc
  .tuple(base, fc.array(edit, { minLength: 1, maxLength: 3 }), sometimes(textEdit, 5))
  .map(([[file, json], edits, text]) => {
    const { text: t, applied } = applyEdits(json, edits, text);
    return withShow({ text: t, args: ['validate', CONFIG_FILE], story: [file, ...applied] });
  });

// ---- rule expressions ---------------------------------------------------------------------

const RULE_BASE = SHIPPED.find(([f]) => f === 'configs/rules/user-defined-bars.json')!;
type Rec = Record<string, unknown>;

interface Declared {
  kind: 'params' | 'slots' | 'terms';
  name: string;
  num: number;
  update: string;
}

const declared: fc.Arbitrary<Declared> = fc.record({
  kind: fc.constantFrom('params' as const, 'slots' as const, 'terms' as const),
  name: ruleName,
  num: specialNumber,
  update: fc.oneof(fc.constant('0'), expr),
});

export const ruleCase: fc.Arbitrary<ValidateCase> = fc
  .record({
    target: fc.constantFrom('update', 'contribution', 'segment', 'slots.e.update', 'terms.m.update'),
    expr,
    declare: fc.array(declared, { maxLength: 2 }),
    override: sometimes(fc.record({ name: ruleName, value: specialNumber }), 4),
    viaSet: fc.boolean(),
  })
  .map(({ target, expr: e, declare, override, viaSet }) => {
    const cfg = structuredClone(RULE_BASE[1]) as Rec;
    const rule = cfg.rule as Rec;
    const define = rule.define as Rec;
    const story = [RULE_BASE[0]];
    if (target === 'terms.m.update') define.terms = { m: { init: 0.1, update: '0' } };
    for (const d of declare) {
      const group = ((define[d.kind] as Rec | undefined) ??= {});
      const entry = d.kind === 'params' ? { default: d.num } : { init: d.num, update: d.update };
      Object.defineProperty(group, d.name, { value: entry, enumerable: true, writable: true, configurable: true });
      story.push(`with rule.define.${d.kind}[${JSON.stringify(d.name)}] = ${JSON.stringify(entry)}`);
    }
    if (override) {
      Object.defineProperty(rule.params, override.name, { value: override.value, enumerable: true, writable: true, configurable: true });
      story.push(`with rule.params[${JSON.stringify(override.name)}] = ${override.value}`);
    }
    const args = ['validate', CONFIG_FILE];
    // the expression goes in --set's value; argv cannot hold a NUL, so such an expression goes in the file
    if (viaSet && !e.includes('\u0000')) args.push('--set', `rule.define.${target}=${e}`);
    else {
      const parts = target.split('.');
      let node = define;
      for (const p of parts.slice(0, -1)) node = node[p] as Rec;
      node[parts[parts.length - 1]] = e;
      story.push(`with rule.define.${target} = ${JSON.stringify(e.length > 200 ? `${e.slice(0, 120)}…(${e.length} chars)` : e)}`);
    }
    return withShow({ text: JSON.stringify(cfg, null, 2), args, story });
  });

// ---- --set paths and values ---------------------------------------------------------------

interface SetSpec {
  segments: Array<{ real: number } | { name: string }>;
  value: Value | { text: string };
  form: 'pair' | 'joined' | 'bare' | 'no-equals';
}

const segment = fc.oneof(
  { weight: 6, arbitrary: fc.nat().map((real) => ({ real })) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constantFrom(...PROTO_NAMES, '0', '1', '2', '5', '99', '-1', '1e3', '01', ' 1', '1.5', '[0]', '', ' ', 'length', 'π', '*'),
        fc.string({ maxLength: 6 }),
      )
      .map((name) => ({ name })),
  },
);

const setSpec: fc.Arbitrary<SetSpec> = fc.record({
  segments: fc.array(segment, { minLength: 1, maxLength: 5 }),
  value: fc.oneof(
    { weight: 3, arbitrary: value },
    { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('', '=', 'a=b', '{', '[1,', '"', ' 1 ', '--help')).map((text) => ({ text })) },
  ),
  form: fc.constantFrom('pair', 'pair', 'pair', 'joined', 'bare', 'no-equals'),
});

/** `real` segments name a key (or index) that exists at that depth of the config, so paths go deep. */
function setPath(cfg: unknown, segments: SetSpec['segments']): string {
  const nodes = walk(cfg).map(([path]) => path);
  const out: string[] = [];
  for (const s of segments) {
    if ('name' in s) {
      out.push(s.name);
      continue;
    }
    const below = nodes.filter((p) => p.length === out.length + 1 && out.every((k, i) => p[i] === k));
    out.push(below.length ? below[s.real % below.length][out.length] : String(s.real));
  }
  return out.join('.');
}

export const setCase: fc.Arbitrary<ValidateCase> = fc
  .tuple(base, fc.array(setSpec, { minLength: 1, maxLength: 4 }), sometimes(fc.constantFrom('--sett', '-s', '--seed', 'extra.json', '--', '--set='), 8))
  .map(([[file, json], specs, extra]) => {
    const args = ['validate', CONFIG_FILE];
    for (const s of specs) {
      const v = 'text' in s.value ? s.value.text : valueText(s.value);
      const a = `${setPath(json, s.segments)}=${v}`;
      if (s.form === 'pair') args.push('--set', a);
      else if (s.form === 'joined') args.push(`--set=${a}`);
      else if (s.form === 'no-equals') args.push('--set', setPath(json, s.segments));
      else args.push('--set');
    }
    if (extra) args.push(extra);
    // a bare --set, one without '=', an unknown flag or an extra argument is never ignored
    const fails = specs.some((s) => s.form === 'bare' || s.form === 'no-equals') || (extra !== undefined && extra !== '--');
    return withShow({ text: JSON.stringify(json, null, 2), args, story: [file], fails });
  });
