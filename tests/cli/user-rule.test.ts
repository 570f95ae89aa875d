// A rule defined in the config (`rule.define`, issue 4 item 2): validation with paths, the
// resolved config, runs on cpu (and webgpu when available), divergence naming the rule.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { validateConfig } from '../../bin/config/load.ts';
import { ruleDef } from '../../bin/config/schema.ts';
import { UserError, formatError } from '../../bin/errors.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';
import { springtail } from '../spawn-cli.ts';
import { writeTemp } from './fixture.ts';

const EXAMPLE = 'configs/rules/user-defined-bars.json';
const STACK = /\n\s+at \S+ \(|node:internal/;
const example = (): any => JSON.parse(readFileSync(EXAMPLE, 'utf8'));
const tmp = () => mkdtempSync(join(tmpdir(), 'springtail-user-rule-'));
const summary = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));

/** The formatted error (one `at <path>: ...` line per problem) of an invalid config. */
function errorOf(raw: unknown): string {
  try {
    validateConfig(raw, 'test.json');
  } catch (err) {
    if (err instanceof UserError) return formatError(err);
    throw err;
  }
  throw new Error('expected a UserError');
}

/** The example with `edit` applied to a copy. */
function edited(edit: (c: any) => void): any {
  const c = example();
  edit(c);
  return c;
}

describe('rule.define: valid definitions', () => {
  test('the example is valid; the resolved config keeps the definition and every param', () => {
    const c = validateConfig(example());
    expect(c.rule.name).toBe('oja-trace-clipped');
    expect(c.rule.params).toEqual({ eta: 0.002, tau: 0.5, dmax: 0.01 });
    expect(c.rule.define?.update).toBe('clamp(eta * post * (e - post * w), -dmax, dmax)');
    expect(c.rule.define?.slots?.e).toEqual({ init: 0, update: 'e + tau * (pre - e)' });
    const def = ruleDef(c);
    expect(def.name).toBe('oja-trace-clipped');
    expect(Object.keys(def.params)).toEqual(['eta', 'tau', 'dmax']);
    // a resolved config validates again to itself
    expect(validateConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });

  test('names of Object.prototype are ordinary names of params, slots and terms; a rule may be called constructor', () => {
    const c = validateConfig(
      edited((c) => {
        c.rule = {
          name: 'constructor',
          params: { toString: 0.01 },
          define: {
            params: { toString: { default: 0.002, min: 0 } },
            slots: { valueOf: { init: 0, update: 'valueOf + 0.5 * (pre - valueOf)' } },
            terms: { hasOwnProperty: { init: 0, update: 'hasOwnProperty + 0.1 * (post - hasOwnProperty)' } },
            update: 'toString * post * (valueOf - hasOwnProperty * w)',
          },
        };
      }),
    );
    expect(c.rule.params).toEqual({ toString: 0.01 });
    expect(Object.keys(ruleDef(c).slots ?? {})).toEqual(['valueOf']);
  });

  test('terms, contribution, segment, and a definition without params', () => {
    const c = validateConfig(
      edited((c) => {
        c.rule = {
          name: 'bcm-like',
          define: {
            terms: { thm: { init: 0.1, update: 'thm + 0.01 * (post * post - thm)' } },
            update: '0.001 * pre * post * (post - thm)',
            contribution: 'sign * w * pre',
            segment: 'relu(v)',
          },
        };
      }),
    );
    expect(c.rule.params).toEqual({});
    expect(ruleDef(c).terms?.thm.init).toBe(0.1);
  });
});

describe('rule.define: problems are reported at their path', () => {
  const cases: Array<[string, (c: any) => void, RegExp]> = [
    [
      'unknown identifier in the update',
      (c) => (c.rule.define.update = 'eta * pst * (e - post * w)'),
      /at rule\.define\.update: column 7: unknown identifier 'pst' \(did you mean 'post'\?\); allowed here: .*\bpre\b.*\be\b.*\beta\b/,
    ],
    ['syntax error in the update', (c) => (c.rule.define.update = 'eta * (pre - w'), /at rule\.define\.update: column 15: expected '\)' but the expression ended in `eta \* \(pre - w`/],
    ['unknown function', (c) => (c.rule.define.update = 'expp(pre)'), /at rule\.define\.update: column \d+: .*expp/],
    ['unknown identifier in a slot update', (c) => (c.rule.define.slots.e.update = 'e + tau * (pree - e)'), /at rule\.define\.slots\.e\.update: column 12: unknown identifier 'pree' \(did you mean 'pre'\?\)/],
    [
      'a term may not read synapse values',
      (c) => (c.rule.define.terms = { m: { init: 0, update: 'm + pre' } }),
      /at rule\.define\.terms\.m\.update: column 5: unknown identifier 'pre'/,
    ],
    ['unknown identifier in the contribution', (c) => (c.rule.define.contribution = 'sign * w * ee'), /at rule\.define\.contribution: column 12: unknown identifier 'ee' \(did you mean 'e'\?\)/],
    ['unknown identifier in the segment', (c) => (c.rule.define.segment = 'relu(vv)'), /at rule\.define\.segment: column 6: unknown identifier 'vv' \(did you mean 'v'\?\)/],
    ['param out of range', (c) => (c.rule.params.tau = 3), /at rule\.params\.tau: got 3, expected number in \[0, 1\]/],
    [
      'unknown param',
      (c) => (c.rule.params.etta = 0.1),
      /at rule\.params\.etta: got 0\.1, expected a parameter of the rule "oja-trace-clipped" defined in rule\.define: "eta" \| "tau" \| "dmax"; did you mean "eta"\?/,
    ],
    ['param default outside its range', (c) => (c.rule.define.params.dmax.default = 5), /at rule\.define\.params\.dmax\.default: got 5, expected number in \[0, 1\]/],
    ['param min > max', (c) => Object.assign(c.rule.define.params.tau, { min: 2, max: 1 }), /at rule\.define\.params\.tau: got \{"min":2,"max":1\}, expected min <= max/],
    ['param default of the wrong type', (c) => (c.rule.define.params.eta.default = '0.1'), /at rule\.define\.params\.eta\.default: got "0\.1", expected finite number/],
    ['bad slot init type', (c) => (c.rule.define.slots.e.init = '0'), /at rule\.define\.slots\.e\.init: got "0", expected finite number/],
    ['slot update not a string', (c) => (c.rule.define.slots.e.update = 1), /at rule\.define\.slots\.e\.update: got 1, expected expression \(string\)/],
    ['missing update', (c) => delete c.rule.define.update, /at rule\.define\.update: missing, expected expression \(string\)/],
    [
      'name shadowing a built-in rule',
      (c) => (c.rule.name = 'oja'),
      /at rule\.name: got "oja", expected a name that is not a built-in rule \(.*"oja".*\) when rule\.define is given/,
    ],
    ['rule name with spaces', (c) => (c.rule.name = 'my rule'), /at rule\.name: got "my rule", expected string matching/],
    ['reserved param name', (c) => (c.rule.define.params.exp = { default: 1 }), /at rule\.define\.params\.exp: parameter name 'exp' is not allowed/],
    ['slot named like a context variable', (c) => (c.rule.define.slots.pre = { init: 0, update: '0' }), /at rule\.define\.slots\.pre: state name 'pre' is not allowed/],
    ['slot named like a param', (c) => (c.rule.define.slots.eta = { init: 0, update: '0' }), /at rule\.define\.slots\.eta: state name 'eta' is not allowed/],
    ['term named like a slot', (c) => (c.rule.define.terms = { e: { init: 0, update: '0' } }), /at rule\.define\.terms\.e: name 'e' is already a slot/],
    ['a __proto__ param', (c) => (c.rule.define.params = JSON.parse('{"__proto__": {"default": 1}}')), /at rule\.define\.params\.__proto__: '__proto__' is not allowed as a name/],
    // issue 9: names of Object.prototype, literals outside f32, nesting and length
    ['Object.prototype name as an identifier', (c) => (c.rule.define.update = 'constructor * pre'), /at rule\.define\.update: column 1: unknown identifier 'constructor'; allowed here/],
    ['Object.prototype name as a function', (c) => (c.rule.define.update = 'toString(pre)'), /at rule\.define\.update: column 1: unsupported function 'toString' \(supported: exp,/],
    ['a literal above f32', (c) => (c.rule.define.update = 'pre * 1e39'), /at rule\.define\.update: column 7: the number 1e39 does not fit in f32/],
    ['a literal above f64', (c) => (c.rule.define.slots.e.update = '1e309 + e'), /at rule\.define\.slots\.e\.update: column 1: the number 1e309 does not fit in f32/],
    ['a constant part that overflows', (c) => (c.rule.define.contribution = 'w * pre * exp(100)'), /at rule\.define\.contribution: column 11: this constant part evaluates to Infinity/],
    ['a param default above f32', (c) => (c.rule.define.params.eta = { default: 1e39 }), /at rule\.define\.params\.eta\.default: got 1e\+39, expected number of magnitude at most 3\.4028234663852886e\+38/],
    ['a slot init above f32', (c) => (c.rule.define.slots.e.init = -1e39), /at rule\.define\.slots\.e\.init: got -1e\+39, expected number of magnitude at most/],
    [
      'a param value that makes a constant overflow',
      (c) => Object.assign(c.rule, { params: { eta: 1e30 }, define: { ...c.rule.define, params: { ...c.rule.define.params, eta: { default: 1 } }, update: 'eta * 1e10 * pre' } }),
      /at rule\.params: update, column 5: this constant part evaluates to Infinity \(with the parameters' values\)/,
    ],
    ['10,000 nested parentheses', (c) => (c.rule.define.update = `${'('.repeat(10_000)}pre${')'.repeat(10_000)}`), /at rule\.define\.update: column 4097: the expression is 20003 characters long, more than the 4096 allowed/],
    ['nested too deeply', (c) => (c.rule.define.segment = `${'-'.repeat(40)}v`), /at rule\.define\.segment: column 33: nested more than 32 levels deep/],
    ['a sum too long', (c) => (c.rule.define.update = Array(300).fill('w').join('+')), /at rule\.define\.update: column 512: more than 255 operations deep/],
    ['unknown key in define', (c) => (c.rule.define.updat = 'w'), /at rule\.define\.updat: unknown key; did you mean "update"\?/],
    ['unknown key in a slot', (c) => (c.rule.define.slots.e.inti = 0), /at rule\.define\.slots\.e\.inti: unknown key; did you mean "init"\?/],
    ['define not an object', (c) => (c.rule.define = 'oja'), /at rule\.define: got "oja", expected object/],
  ];
  test.each(cases)('%s', (_, edit, want) => {
    const text = errorOf(edited(edit));
    expect(text).toMatch(want);
    expect(text).not.toMatch(STACK);
  });

  test('every problem at once, each reported once', () => {
    const text = errorOf(
      edited((c) => {
        c.rule.define.update = 'eta * pst';
        c.rule.define.slots.e.init = '0';
        c.rule.params = { etta: 1, tau: 3 };
        c.rule.define.params.exp = { default: 1 };
      }),
    );
    const lines = text.split('\n').slice(1);
    // the reserved param name hides the expression checks (they would repeat it)
    expect(lines).toHaveLength(4);
    expect(text).toMatch(/4 problems/);
    for (const p of ['rule.define.slots.e.init', 'rule.params.etta', 'rule.params.tau', 'rule.define.params.exp']) expect(text).toContain(`at ${p}:`);
  });

  test('an unknown built-in name points at rule.define', () => {
    expect(errorOf(edited((c) => ((c.rule = { name: 'ojja' }), undefined)))).toMatch(/at rule\.name: got "ojja", expected a known rule: .*; did you mean "oja"\? \(or define one under rule\.define\)/);
  });
});

describe.concurrent('springtail with a rule defined in the config', () => {
  test('run --backend cpu learns the leading component; the run directory config reproduces it', async () => {
    const [a, b] = [tmp(), tmp()];
    const r = await springtail(['run', EXAMPLE, '--backend', 'cpu', '--out', a]);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pc1_cos/);
    const s = summary(a);
    expect(s).toMatchObject({ backend: 'cpu', steps: 3000, diverged: false });
    expect(s.metrics.pc1_cos).toBeGreaterThan(0.95);
    expect(s.metrics.w_norm).toBeGreaterThan(0.5);
    expect(s.metrics.w_norm).toBeLessThan(1.2);
    const lines = readFileSync(join(a, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1).recon_mse).toBeLessThan(lines[0].recon_mse);
    const resolved = JSON.parse(readFileSync(join(a, 'config.json'), 'utf8'));
    expect(resolved.rule.define).toEqual(example().rule.define);
    expect(resolved.rule.params).toEqual({ eta: 0.002, tau: 0.5, dmax: 0.01 });
    const again = await springtail(['run', join(a, 'config.json'), '--out', b]);
    expect(again.code).toBe(0);
    expect(summary(b).metrics).toEqual(s.metrics);
  });

  test('validate shows the defined rule', async () => {
    const r = await springtail(['validate', EXAMPLE, '--set', 'rule.params.tau=1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ok: ${EXAMPLE}`);
    expect(r.stdout).toContain('rule oja-trace-clipped (eta=0.002 tau=1 dmax=0.01) defined in the config: dw = clamp(eta * post * (e - post * w), -dmax, dmax)');
  });

  test('a bad expression: exit 2 with the path, no stack trace, no run directory', async () => {
    const dir = join(tmp(), 'run');
    const file = writeTemp(edited((c) => (c.rule.define.update = 'eta * pst * (e - post * w)')));
    for (const cmd of ['validate', 'run']) {
      const r = await springtail([cmd, file, ...(cmd === 'run' ? ['--backend', 'cpu', '--out', dir] : [])]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/invalid config .*: 1 problem\n/);
      expect(r.stderr).toContain("at rule.define.update: column 7: unknown identifier 'pst' (did you mean 'post'?)");
      expect(r.stderr).not.toMatch(STACK);
    }
    expect(existsSync(dir)).toBe(false);
  });

  test('hostile expressions given by --set: exit 2 naming the field, no stack trace, no run directory', async () => {
    const dir = join(tmp(), 'run');
    const cases: Array<[string[], string]> = [
      [['validate', EXAMPLE, '--set', 'rule.define.update=constructor * pre'], "at rule.define.update: column 1: unknown identifier 'constructor'"],
      [['validate', EXAMPLE, '--set', 'rule.define.update=1e309 * pre'], 'at rule.define.update: column 1: the number 1e309 does not fit in f32'],
      [['run', EXAMPLE, '--backend', 'cpu', '--out', dir, '--set', 'rule.define.update=1e39 * pre'], 'at rule.define.update: column 1: the number 1e39 does not fit in f32'],
      [['validate', EXAMPLE, '--set', `rule.define.update=${'pre+'.repeat(25_000)}pre`], 'at rule.define.update: column 4097: the expression is 100003 characters long'],
    ];
    const results = await Promise.all(cases.map(([args]) => springtail(args)));
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(cases[i][1]);
      expect(r.stderr).not.toMatch(STACK);
    });
    expect(existsSync(dir)).toBe(false);
  });

  test('param out of range given by --set: exit 2', async () => {
    const r = await springtail(['run', EXAMPLE, '--backend', 'cpu', '--out', join(tmp(), 'run'), '--set', 'rule.params.eta=2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('at rule.params.eta: got 2, expected number in [0, 1]');
    expect(r.stderr).not.toMatch(STACK);
  });

  test('a diverging defined rule stops with exit 1 naming the rule and the step', async () => {
    const dir = tmp();
    const file = writeTemp(
      edited((c) => {
        c.name = 'runaway';
        c.rule = {
          name: 'runaway-hebb',
          params: { eta: 0.5 },
          define: { params: { eta: { default: 0.01, min: 0 } }, update: 'eta * pre * post' },
        };
      }),
    );
    const r = await springtail(['run', file, '--backend', 'cpu', '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/diverged at step \d+: non-finite activity or weight under rule 'runaway-hebb' \(eta=0\.5\)/);
    expect(r.stderr).not.toMatch(STACK);
    const s = summary(dir);
    expect(s.diverged).toBe(true);
    expect(s.divergence.rule).toBe('runaway-hebb');
    expect(s.steps).toBeLessThan(3000);
  });
});

describe('a defined rule on webgpu', () => {
  const gpu = useWebgpu();
  test('the example agrees with cpu to 1e-4 relative', async (ctx) => {
    gpu.need(ctx);
    const [c, g] = [tmp(), tmp()];
    expect((await springtail(['run', EXAMPLE, '--backend', 'cpu', '--out', c])).code).toBe(0);
    const r = await springtail(['run', EXAMPLE, '--backend', 'webgpu', '--out', g]);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(0);
    expect(summary(g).backend).toBe('webgpu');
    const mc = summary(c).metrics;
    const mg = summary(g).metrics;
    expect(Object.keys(mg)).toEqual(Object.keys(mc));
    for (const k of Object.keys(mc)) expect(Math.abs(mg[k] - mc[k]) / Math.abs(mc[k]), k).toBeLessThan(1e-4);
  });
});
