import { describe, expect, test } from 'vitest';
import { hebbian, oja } from '../../rules/hebbian.ts';
import { keyedDistance } from '../../rules/keyed-distance.ts';
import { compileRule, RuleError } from '../../sim/compiler/compile.ts';
import { parseExpr } from '../../sim/compiler/parse.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';

const rule = (update: string, extra: Partial<RuleDef> = {}): RuleDef => ({ name: 'r', params: { eta: { default: 0.1 } }, update, ...extra });
const evalJS = (js: string, vars: Record<string, number>) => new Function(...Object.keys(vars).map((k) => `v_${k}`), `return ${js};`)(...Object.values(vars));

describe('expression parser', () => {
  test('precedence, unary minus, comparisons and conditionals', () => {
    const c = compileRule(rule('eta * pre * post - w / 2 + -pre * (post > 0.5 ? 1 : 0)'));
    expect(evalJS(c.dw.js, { pre: 2, post: 1, w: 4 })).toBeCloseTo(0.1 * 2 * 1 - 2 - 2);
    expect(evalJS(c.dw.js, { pre: 2, post: 0.2, w: 4 })).toBeCloseTo(0.1 * 2 * 0.2 - 2);
  });
  test('functions', () => {
    const c = compileRule(rule('clamp(pre, 0, 1) + sigmoid(0) + relu(-3) + step(post) + pow(2, 3) + max(w, 1) + min(w, 1)'));
    expect(evalJS(c.dw.js, { pre: 5, post: 1, w: 4 })).toBeCloseTo(1 + 0.5 + 0 + 1 + 8 + 4 + 1);
  });
  test('WGSL output uses f32 literals and select for comparisons', () => {
    const c = compileRule(rule('eta * pre - (w > 1 ? w : 2)'));
    expect(c.dw.wgsl).toContain('0.1f');
    expect(c.dw.wgsl).toContain('select(');
    expect(c.dw.wgsl).not.toMatch(/\beta\b/);
  });
  test.each([
    ['eta * pre +', /update, column 12: the expression ended too early/],
    ['eta * (pre', /update, column 11: expected '\)' but the expression ended/],
    ['eta * pre $ 2', /update, column 11: unexpected character '\$'/],
    ['eta * pree', /update, column 7: unknown identifier 'pree' \(did you mean 'pre'\?\)/],
    ['etta * pre', /column 1: unknown identifier 'etta' \(did you mean 'eta'\?\)/],
    ['cosh(pre)', /column 1: unsupported function 'cosh'/],
    ['max(pre)', /'max' takes 2 arguments, got 1/],
    ['pre post', /column 5: unexpected 'post' after a complete expression/],
  ])('`%s` is rejected with the rule name and position', (src, msg) => {
    expect(() => compileRule(rule(src))).toThrow(RuleError);
    expect(() => compileRule(rule(src))).toThrow(/rule "r"/);
    expect(() => compileRule(rule(src))).toThrow(msg);
  });
  test('context: a contribution cannot read post, a term cannot read pre', () => {
    expect(() => compileRule(rule('0', { contribution: 'w * post' }))).toThrow(/contribution, column 5: unknown identifier 'post'/);
    expect(() => compileRule(rule('0', { terms: { m: { init: 0, update: 'm + pre' } } }))).toThrow(/term 'm', column 5: unknown identifier 'pre'/);
  });
  test('parameter overrides are range-checked and unknown ones named', () => {
    expect(() => compileRule(hebbian, { eta: -1 })).toThrow(/parameter 'eta' = -1 is outside \[0, 100\]/);
    expect(() => compileRule(hebbian, { etaa: 1 })).toThrow(/unknown parameter 'etaa' \(did you mean 'eta'\?\)/);
    expect(compileRule(hebbian, { eta: 0.5 }).params.eta).toBe(0.5);
  });
  test('reserved and clashing state names are rejected', () => {
    expect(() => compileRule(rule('0', { slots: { pre: { init: 0, update: 'pre' } } }))).toThrow(/state name 'pre' is not allowed/);
    expect(() => compileRule(rule('0', { slots: { eta: { init: 0, update: '0' } } }))).toThrow(/state name 'eta'/);
  });
  test('parseExpr keeps positions', () => {
    const e = parseExpr('a + b');
    expect(e.k === 'bin' && e.pos).toBe(2);
  });
});

describe('shipped rules', () => {
  // Hand-computed updates.
  test('hebbian: Δw = η·pre·post − λ·w', () => {
    const c = compileRule(hebbian, { eta: 0.01, decay: 0.001 });
    expect(evalJS(c.dw.js, { pre: 0.5, post: 0.8, w: 0.3 })).toBeCloseTo(0.01 * 0.5 * 0.8 - 0.001 * 0.3, 6);
  });
  test('oja: Δw = η·post·(pre − post·w)', () => {
    const c = compileRule(oja, { eta: 0.1 });
    expect(evalJS(c.dw.js, { pre: 1, post: 2, w: 0.25 })).toBeCloseTo(0.1 * 2 * (1 - 0.5), 6);
  });
  test('keyed-distance replaces the contribution and moves its key', () => {
    const c = compileRule(keyedDistance, { eta: 0.5 });
    expect(c.defaultContribution).toBe(false);
    expect(evalJS(c.contribution.js, { pre: 0.2, w: 1, sign: 1, k: 0.7, g: 2 })).toBeCloseTo(-2 * 0.25, 6);
    expect(evalJS(c.slots[0].js, { pre: 0.2, post: 1, w: 1, k: 0.7, g: 2 })).toBeCloseTo(0.7 + 0.5 * (0.2 - 0.7), 6);
  });
});
