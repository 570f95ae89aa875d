// Hostile rule expressions (issue 9 item 1): names of Object.prototype, literals outside f32,
// constant parts that overflow, and nesting or length past the limits are clean RuleErrors naming
// the column; the deepest and longest expressions within the limits compile on every backend.
import { describe, expect, it, test } from 'vitest';
import { hebbian } from '../../rules/hebbian.ts';
import { fromLayers } from '../../sim/build.ts';
import { compileRule, RuleError } from '../../sim/compiler/compile.ts';
import { emitWGSL } from '../../sim/compiler/emit.ts';
import { type Expr, MAX_CHAIN, MAX_LENGTH, MAX_NESTING, parseExpr } from '../../sim/compiler/parse.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import { defaultPlasticity, ojaSpec } from '../parity/fixtures.ts';
import { compareStates, simulate } from '../parity/run-compare.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';

const webgpu = useWebgpu();
const PROTO = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'];
const rule = (update: string, extra: Partial<RuleDef> = {}): RuleDef => ({ name: 'r', params: { eta: { default: 0.1 } }, update, ...extra });
const evalJS = (js: string, vars: Record<string, number>) => new Function(...Object.keys(vars).map((k) => `v_${k}`), `return ${js};`)(...Object.values(vars));
/** `{ [name]: value }`, an own property even for `__proto__` (as JSON.parse makes it). */
const own = <T>(name: string, value: T): Record<string, T> => Object.defineProperty({}, name, { value, enumerable: true });

/** The RuleError message of compiling `def`; fails on any other outcome. */
function errorOf(def: RuleDef, overrides: Record<string, number> = {}): string {
  try {
    compileRule(def, overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(RuleError);
    return (e as Error).message;
  }
  throw new Error('expected a RuleError');
}

describe("names of Object.prototype are ordinary names", () => {
  test.for(PROTO)('%s: unknown identifier, unsupported function, unknown parameter', (name) => {
    for (const [src, msg] of [
      [`${name} * pre`, `update, column 1: unknown identifier '${name}'`],
      [`pre + ${name}(pre)`, `update, column 7: unsupported function '${name}'`],
    ]) {
      const m = errorOf(rule(src));
      expect(m).toContain(msg);
      expect(m).not.toMatch(/native code|\[object/);
    }
    expect(errorOf(hebbian, { [name]: 1 })).toContain(`unknown parameter '${name}'`);
    expect(() => compileRule(hebbian, {}, { perOrganism: [name] })).toThrow(`unknown per-organism parameter '${name}'`);
  });

  test.for(PROTO.filter((n) => n !== '__proto__'))('%s: a parameter, a slot and a term', (name) => {
    const asParam = compileRule(rule(`${name} * pre`, { params: own(name, { default: 3 }) }), { [name]: 2 });
    expect(evalJS(asParam.dw.js, { pre: 5 })).toBe(10);
    expect(asParam.params[name]).toBe(2);
    const asSlot = compileRule(rule(`eta * ${name}`, { slots: own(name, { init: 0.5, update: `${name} + pre` }) }));
    expect(asSlot.slotNames).toEqual([name]);
    expect(asSlot.slotInit).toEqual([0.5]);
    expect(evalJS(asSlot.slots[0].js, { [name]: 1, pre: 2 })).toBe(3);
    const asTerm = compileRule(rule(`${name} * pre`, { terms: own(name, { init: 0, update: `${name} + post` }) }));
    expect(asTerm.termNames).toEqual([name]);
    expect(asTerm.dw.reads.has(name)).toBe(true);
  });

  test('__proto__ is reserved: no object could keep it as a name', () => {
    expect(errorOf(rule('pre', { params: own('__proto__', { default: 1 }) }))).toContain("parameter name '__proto__' is not allowed");
    expect(errorOf(rule('pre', { slots: own('__proto__', { init: 0, update: '0' }) }))).toContain("state name '__proto__' is not allowed");
  });
});

describe('literals and constants are finite f32 numbers', () => {
  test.each([
    ['1e309 * pre', 1, '1e309'],
    ['pre + 1e39', 7, '1e39'],
    ['pre - 3.5e38', 7, '3.5e38'],
    [`pre * 1${'0'.repeat(400)}`, 7, '1000'],
  ])('`%s`: the number does not fit in f32, at column %i', (src, column, shown) => {
    const m = errorOf(rule(src));
    expect(m).toContain(`update, column ${column}: the number ${shown}`);
    expect(m).toContain('does not fit in f32');
  });

  test('the largest f32, subnormal and underflowing literals compile; WGSL gets them as f32', () => {
    const c = compileRule(rule('3.4028234663852886e38 * pre + 1e-40 * post + 1e-50 * w'));
    expect(c.dw.wgsl).toBe('3.4028234663852886e+38f * v_pre + 1e-40f * v_post + 0.0f * v_w');
    expect(evalJS(c.dw.js, { pre: 0, post: 0, w: 0 })).toBe(0);
  });

  test.each([
    ['1e38 * 10 * pre', 6, 'Infinity'],
    ['pre + log(0)', 7, '-Infinity'],
    ['pre * sqrt(-1)', 7, 'NaN'],
    ['pre + 1 / 0', 9, 'Infinity'],
    ['min(exp(100), 1) * pre', 5, 'Infinity'],
    ['pre > 0 ? pre : 0 / 0', 19, 'NaN'],
    ['eta * 1e38 * 100 + pre', 12, 'Infinity'],
  ])('`%s`: a constant part evaluates to %s at column %i', (src, column, value) => {
    expect(errorOf(rule(src, { params: { eta: { default: 1 } } }))).toContain(`update, column ${column}: this constant part evaluates to ${value}`);
  });

  test('variables keep a part from being constant; a parameter override can make one overflow', () => {
    expect(() => compileRule(rule('pre * 1e38 * 10'))).not.toThrow();
    const def = rule('eta * 1e37 * pre', { params: { eta: { default: 1 } } });
    expect(() => compileRule(def)).not.toThrow();
    expect(errorOf(def, { eta: 100 })).toMatch(/update, column 5: this constant part evaluates to Infinity/);
  });

  test('parameter values and initial values must fit in f32', () => {
    expect(errorOf(rule('eta', { params: { eta: { default: 1e39 } } }))).toContain("parameter 'eta' must be a finite number of magnitude at most 3.4028234663852886e+38 (f32), got 1e+39");
    expect(errorOf(rule('eta'), { eta: -1e39 })).toContain("parameter 'eta' must be a finite number");
    expect(errorOf(rule('eta'), { eta: Infinity })).toContain("parameter 'eta' must be a finite number");
    expect(errorOf(rule('eta', { slots: { e: { init: 1e39, update: 'e' } } }))).toContain("initial value of 'e' must be a finite number");
  });
});

describe('nesting and length are bounded, with the column', () => {
  const n = 10_000;
  test.each([
    ['parentheses', `${'('.repeat(n)}pre${')'.repeat(n)}`],
    ['unary minus', `${'-'.repeat(n)}pre`],
    ['ternaries', `${'pre > 0 ? '.repeat(n)}pre${' : 0'.repeat(n)}`],
    ['a sum of 100,000 characters', Array(25_000).fill('pre').join('+')],
  ])('10,000 %s: longer than allowed, no stack overflow', (_, src) => {
    expect(errorOf(rule(src))).toContain(`update, column ${MAX_LENGTH + 1}: the expression is ${src.length} characters long, more than the ${MAX_LENGTH} allowed`);
  });

  const nested = (k: number): [string, string][] => [
    ['parentheses', `${'('.repeat(k)}pre${')'.repeat(k)}`],
    ['unary minus', `${'-'.repeat(k)}pre`],
    ['unary plus', `${'+'.repeat(k)}pre`],
    ['calls', `${'abs('.repeat(k)}pre${')'.repeat(k)}`],
    ['ternaries', `${'pre > 0 ? '.repeat(k - 1)}pre${' : 0'.repeat(k - 1)}`],
    ['chained comparisons', `pre${' < pre'.repeat(k)}`],
  ];
  test.each(nested(MAX_NESTING))(`${MAX_NESTING} levels of %s compile`, (_, src) => {
    expect(() => compileRule(rule(src))).not.toThrow();
  });
  test.each(nested(MAX_NESTING + 1))(`${MAX_NESTING + 1} levels of %s are refused`, (_, src) => {
    expect(errorOf(rule(src))).toMatch(new RegExp(`update, column \\d+: nested more than ${MAX_NESTING} levels deep`));
  });
  test.each(nested(2000).filter(([, src]) => src.length <= MAX_LENGTH))('2000 levels of %s: refused where the limit is crossed', (_, src) => {
    expect(errorOf(rule(src))).toMatch(new RegExp(`nested more than ${MAX_NESTING} levels deep`));
  });

  test(`a sum of ${MAX_CHAIN + 1} terms compiles, one more term is refused at its operator`, () => {
    const sum = (terms: number) => Array(terms).fill('w').join('+');
    expect(evalJS(compileRule(rule(sum(MAX_CHAIN + 1))).dw.js, { w: 1 })).toBe(MAX_CHAIN + 1);
    expect(errorOf(rule(sum(MAX_CHAIN + 2)))).toContain(`update, column ${2 * MAX_CHAIN + 2}: more than ${MAX_CHAIN} operations deep`);
    // a long message quotes the part around the column, not the whole expression
    expect(errorOf(rule(sum(MAX_CHAIN + 2))).length).toBeLessThan(300);
  });
});

describe('WGSL is written with only the parentheses the tree needs', () => {
  test.each([
    ['a - (b - c)', 'v_a - (v_b - v_c)'],
    ['(a - b) - c', 'v_a - v_b - v_c'],
    ['a / (b * c)', 'v_a / (v_b * v_c)'],
    ['(a + b) * c', '(v_a + v_b) * v_c'],
    ['-(a + b)', '-(v_a + v_b)'],
    ['- -a', '-(-v_a)'],
    ['a - -b * c', 'v_a - -v_b * v_c'],
    ['-2 * a', '-2.0f * v_a'],
    ['sigmoid(a + b) * c', 'r_sigmoid(v_a + v_b) * v_c'],
  ])('`%s` → `%s`', (src, wgsl) => {
    expect(emitWGSL(parseExpr(src))).toBe(wgsl);
  });

  // Park-Miller: seeded, so a failing expression reproduces
  let seed = 12345;
  const rand = (k: number) => {
    seed = (seed * 48271) % 2147483647;
    return seed % k;
  };
  const gen = (depth: number): string => {
    if (depth === 0 || rand(4) === 0) return ['a', 'b', 'c', '2', '0.5'][rand(5)];
    if (rand(5) === 0) return `-(${gen(depth - 1)})`;
    return `(${gen(depth - 1)} ${'+-*/'[rand(4)]} ${gen(depth - 1)})`;
  };
  const randomTrees = Array.from({ length: 500 }, () => parseExpr(gen(6)));

  test('random arithmetic: the WGSL, read as JavaScript, computes what the tree computes', () => {
    const evalTree = (e: Expr, v: Record<string, number>): number => {
      if (e.k === 'num') return e.value;
      if (e.k === 'id') return v[e.name];
      if (e.k === 'neg') return -evalTree(e.arg, v);
      if (e.k !== 'bin') throw new Error(e.k);
      const [x, y] = [evalTree(e.a, v), evalTree(e.b, v)];
      return e.op === '+' ? x + y : e.op === '-' ? x - y : e.op === '*' ? x * y : x / y;
    };
    const vars = { a: 1.3, b: -0.7, c: 2.9 };
    for (const tree of randomTrees) {
      const js = emitWGSL(tree).replace(/(\d)f\b/g, '$1');
      expect(evalJS(js, vars), emitWGSL(tree)).toBe(evalTree(tree, vars));
    }
  });

  it('and a WGSL compiler accepts it', async (ctx) => {
    const { device } = webgpu.need(ctx);
    const code = randomTrees.map((t, i) => `fn e${i}(v_a: f32, v_b: f32, v_c: f32) -> f32 { return ${emitWGSL(t)}; }`).join('\n');
    const info = await device.createShaderModule({ code }).getCompilationInfo();
    expect(info.messages.filter((m) => m.type === 'error').map((m) => m.message)).toEqual([]);
  });
});

describe('the deepest and longest expressions allowed run on every backend', () => {
  const N = MAX_NESTING;
  const sum = Array.from({ length: MAX_CHAIN + 1 }, (_, i) => (i % 2 ? 'w' : 'pre')).join(' - ');
  /** Each expression context at a limit: nested calls, clamps, signs, comparisons, a flat sum. */
  const deep: RuleDef = {
    name: 'deepest',
    params: { eta: { default: 1e-3 }, k: { default: -0.5 } },
    slots: {
      s: { init: 0.1, update: `${'clamp('.repeat(N)}s + pre${', k, 1)'.repeat(N)}` },
      q: { init: 0, update: `${'-'.repeat(N - 1)}(q * 0.5 + pre)` },
    },
    terms: { m: { init: 0.2, update: `${'abs(-'.repeat(N / 2)}m * 0.9 + post * 0.1${')'.repeat(N / 2)}` } },
    update: sum,
    contribution: `w * ${'sigmoid(pre * '.repeat(N - 1)}pre${')'.repeat(N - 1)}`,
    segment: `${'v > 0.5 ? '.repeat(N - 1)}v${' : v * 0.5'.repeat(N - 1)}`,
  };
  const init = () => ({ tensor: fromLayers(ojaSpec, 3), rule: compileRule(deep), plasticity: defaultPlasticity, maxChunk: 10 });

  it('cpu, and webgpu within 1e-4 of it', { timeout: 120_000 }, async (ctx) => {
    const cpu = await simulate('cpu', init(), [10]);
    expect(cpu.bad).toEqual([-1]);
    const gpu = webgpu.need(ctx) && (await simulate('webgpu', init(), [10]));
    compareStates(gpu, cpu, ['a', 'w', 'slots', 'terms'], false, 1e-4);
  });
});
