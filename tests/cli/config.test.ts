import { describe, expect, test } from 'vitest';
import { applySet, isCompare, loadConfig as loadAny, validateConfig } from '../../bin/config/load.ts';
import { UserError, formatError } from '../../bin/errors.ts';
import { builtinRules } from '../../rules/index.ts';
import { fromLayers } from '../../sim/build.ts';
import { fixture, walk, writeTemp } from './fixture.ts';

/** A simulation config (the fixture is one). */
function loadConfig(file: string, sets: string[] = []) {
  const c = loadAny(file, sets);
  if (isCompare(c)) throw new Error('expected a simulation config');
  return c;
}

function problemsOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected a UserError');
}

function setAt(root: any, path: string[], value: unknown): void {
  let node = root;
  for (const k of path.slice(0, -1)) node = node[k];
  node[path[path.length - 1]] = value;
}

const nodes = walk(fixture());
const leaves = nodes.filter(([, , v]) => v === null || typeof v !== 'object');
const objects = nodes.filter(([, , v]) => v !== null && typeof v === 'object');

describe('loadConfig', () => {
  test('the fixture is valid and comes back resolved', () => {
    const c = loadConfig(writeTemp(fixture()));
    expect(c.name).toBe('cli-fixture');
    expect(c.network.layers[0].soma).toEqual({ f: 'relu', gain: 1, alpha: 1, bias: 0, theta: 0 });
    expect(c.network.layers[0].segments).toBe(1);
  });

  test('defaults are filled in', () => {
    const f: any = fixture();
    for (const k of ['seed', 'backend', 'chunk', 'logEvery', 'record', 'plasticity']) delete f[k];
    delete f.network.organisms;
    delete f.network.projections[0].segment;
    delete f.network.projections[0].plastic;
    delete f.rule.params;
    const c = validateConfig(f);
    expect(c).toMatchObject({ seed: 1, backend: 'auto', chunk: 50, logEvery: 250 });
    expect(c.record).toBeUndefined();
    expect(c.plasticity).toEqual({ wMin: 0, wMax: 1, normalize: 'none', normalizeTarget: 1 });
    expect(c.network.organisms).toBe(1);
    expect(c.network.projections[0]).toMatchObject({ segment: 0, plastic: true });
    expect(c.rule.params.eta).toBe(builtinRules.oja.params.eta.default);
  });

  test('numbers beyond float32 range are refused at their path (they would be Infinity on the device)', () => {
    const f: any = fixture();
    f.plasticity = { wMin: 0, wMax: 1e39 };
    f.network.layers[1].soma.bias = -4e38;
    let err: unknown;
    try {
      validateConfig(f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const msg = formatError(err as UserError);
    expect(msg).toMatch(/plasticity\.wMax: got 1e\+39, expected .*float32 range/);
    expect(msg).toMatch(/network\.layers\[1\]\.soma\.bias: got -4e\+38, expected .*float32 range/);
    f.plasticity.wMax = 3e38;
    f.network.layers[1].soma.bias = -3e38;
    expect(validateConfig(f).plasticity.wMax).toBe(3e38);
  });

  test.each(leaves.map(([p, disp, v]) => [disp, p, v] as const))('wrong type at %s is reported with its path', (disp, path, v) => {
    const f = fixture();
    const wrong = typeof v === 'number' ? 'oops' : 123;
    setAt(f, path, wrong);
    const err = problemsOf(() => loadConfig(writeTemp(f)));
    expect(err.problems.map((p) => p.path)).toContain(disp);
    const text = formatError(err);
    expect(text).toContain(`at ${disp}: got ${JSON.stringify(wrong)}, expected `);
  });

  test.each(objects.map(([p, disp]) => [disp, p] as const))('a number instead of the object/array at %s is reported', (disp, path) => {
    const f = fixture();
    setAt(f, path, 7);
    const err = problemsOf(() => validateConfig(f));
    expect(err.problems.map((p) => p.path)).toContain(disp);
  });

  test('every problem is reported at once, with values and expectations', () => {
    const f: any = fixture();
    f.steps = 0;
    f.chunk = 5000;
    f.backend = 'gpu';
    f.network.layers[1].soma.f = 'tanh';
    f.network.layers[1].soma.alpha = 0;
    f.network.projections[0].connect = { kind: 'prob', p: 2 };
    f.stimulus.noise = -1;
    const err = problemsOf(() => validateConfig(f));
    const got = Object.fromEntries(err.problems.map((p) => [p.path, p]));
    expect(Object.keys(got).sort()).toEqual(
      [
        'steps',
        'chunk',
        'backend',
        'network.layers[1].soma.f',
        'network.layers[1].soma.alpha',
        'network.projections[0].connect.p',
        'stimulus.noise',
      ].sort(),
    );
    expect(got.chunk.expected).toBe('integer 1..1000');
    expect(got.chunk.value).toBe(5000);
    expect(got.backend.expected).toBe('"cpu" | "webgpu" | "auto"');
  });

  test('unknown keys get a did-you-mean', () => {
    const f: any = fixture();
    f.network.layres = f.network.layers;
    f.network.projections[0].conect = {};
    f.stimulus.sid = 8;
    const text = formatError(problemsOf(() => validateConfig(f)));
    expect(text).toContain('network.layres: unknown key; did you mean "layers"?');
    expect(text).toContain('network.projections[0].conect: unknown key; did you mean "connect"?');
    expect(text).toContain('stimulus.sid: unknown key; did you mean "side"?');
  });

  test('oneToOne connects neuron i to neuron i and needs equal sizes', () => {
    const f: any = fixture();
    f.network.projections.push({ from: 'in', to: 'hid', connect: { kind: 'oneToOne' }, init: { min: 1, max: 1 } });
    const text = formatError(problemsOf(() => validateConfig(f)));
    expect(text).toContain('network.projections[1].connect');
    expect(text).toContain('layers of the same size for oneToOne ("in" has 64, "hid" 8)');
    const g: any = fixture();
    g.network.layers.push({ name: 'copy', size: 64, role: 'hidden' });
    g.network.projections.push({ from: 'in', to: 'copy', connect: { kind: 'oneToOne' }, init: { min: 1, max: 1 }, plastic: false });
    const t = fromLayers(validateConfig(g).network, 1);
    const first = t.neuronSegStart[72];
    const rows = Array.from({ length: 64 }, (_, i) => {
      const g0 = t.neuronSegStart[72 + i];
      return Array.from(t.pre.subarray(t.segSynStart[g0], t.segSynStart[g0 + 1]));
    });
    expect(first).toBeGreaterThan(0);
    expect(rows).toEqual(Array.from({ length: 64 }, (_, i) => [i]));
  });

  test('group somas: kwta needs k (1..layer size), k only with kwta, softmax takes gain', () => {
    const ok: any = fixture();
    ok.network.layers[1].soma = { f: 'kwta', k: 3 };
    const c = validateConfig(ok);
    expect(c.network.layers[1].soma).toMatchObject({ f: 'kwta', k: 3 });
    expect(fromLayers(c.network, 1).groupStart.length).toBe(1);
    ok.network.layers[1].soma = { f: 'softmax', gain: 2 };
    expect(validateConfig(ok).network.layers[1].soma).toMatchObject({ f: 'softmax', gain: 2 });
    const f: any = fixture();
    f.network.layers[1].soma = { f: 'kwta', k: 9 };
    f.network.layers.push({ name: 'h2', size: 4, role: 'hidden', soma: { f: 'kwta' } });
    f.network.layers.push({ name: 'h3', size: 4, role: 'hidden', soma: { f: 'sigmoid', k: 2 } });
    f.network.layers.push({ name: 'h4', size: 4, role: 'hidden', soma: { f: 'kwta', k: 0 } });
    const err = problemsOf(() => validateConfig(f));
    const got = Object.fromEntries(err.problems.map((p) => [p.path, p]));
    expect(Object.keys(got).sort()).toEqual(['network.layers[1].soma.k', 'network.layers[2].soma.k', 'network.layers[3].soma.k', 'network.layers[4].soma.k']);
    expect(got['network.layers[1].soma.k']).toMatchObject({ value: 9, expected: 'integer 1..8 (at most the layer size 8)' });
    expect(got['network.layers[2].soma.k'].expected).toBe('integer 1..4 (soma "kwta" needs k)');
    expect(got['network.layers[3].soma.k'].expected).toBe('no k: k is only for soma "kwta" (f is "sigmoid")');
    expect(got['network.layers[4].soma.k'].expected).toBe('integer >= 1');
    expect(formatError(err)).toContain('at network.layers[1].soma.k: got 9, expected integer 1..8 (at most the layer size 8)');
  });

  test('projection tags: integers 0..255, one per segment', () => {
    const f: any = fixture();
    f.network.projections[0].tag = 256;
    expect(formatError(problemsOf(() => validateConfig(f)))).toContain('network.projections[0].tag: got 256');
    const g: any = fixture();
    g.network.projections[0].tag = 1;
    g.network.projections.push({ from: 'in', to: 'hid', connect: { kind: 'full' }, init: { min: 0, max: 1 } });
    expect(formatError(problemsOf(() => validateConfig(g)))).toContain('network.projections[1].tag: got 0, expected 1, the tag of network.projections[0] into the same segment of "hid"');
    const h: any = fixture();
    h.network.projections[0].tag = 3;
    const t = fromLayers(validateConfig(h).network, 1);
    // the 8 hidden neurons' segments carry the tag; the 64 inputs' (empty) segments stay 0
    expect(Array.from(t.segTag.subarray(t.neuronSegStart[64]))).toEqual(new Array(8).fill(3));
    expect(Array.from(t.segTag.subarray(0, t.neuronSegStart[64])).every((x) => x === 0)).toBe(true);
  });

  test('cross-field checks name their fields', () => {
    const f: any = fixture();
    f.network.layers.push({ name: 'hid', size: 2, role: 'output' });
    f.network.projections.push({ from: 'hid', to: 'in', connect: { kind: 'full' }, init: { min: 0.5, max: 0.1 } });
    f.network.projections.push({ from: 'nope', to: 'hid', connect: { kind: 'fanIn', k: 4 }, init: { min: 0, max: 1 }, segment: 1 });
    f.plasticity.wMin = 2;
    f.stimulus.side = 7;
    f.rule.params = { eta: -1, etta: 1 }; // every rule's eta has min 0
    const paths = problemsOf(() => validateConfig(f)).problems.map((p) => p.path);
    expect(paths.sort()).toEqual(
      [
        'network.layers[2].name',
        'network.projections[1].to',
        'network.projections[1].init',
        'network.projections[2].from',
        'network.projections[2].segment',
        'plasticity',
        'stimulus.side',
        'rule.params.eta',
        'rule.params.etta',
      ].sort(),
    );
  });

  test('no input layer, unknown rule, gaussian dim mismatch', () => {
    const f: any = fixture();
    f.network.layers[0].role = 'output';
    f.rule.name = 'ojaa';
    f.stimulus = { kind: 'gaussian', dim: 16, rank: 3, noise: 0.05 };
    const err = problemsOf(() => validateConfig(f));
    expect(err.problems.map((p) => p.path)).toContain('network.layers');
    expect(formatError(err)).toContain('did you mean "oja"?');
    const g: any = fixture();
    g.stimulus = { kind: 'gaussian', dim: 16, rank: 3, noise: 0.05 };
    expect(problemsOf(() => validateConfig(g)).problems.map((p) => p.path)).toEqual(['stimulus.dim']);
    g.network.layers[0].size = 16;
    expect(validateConfig(g).stimulus).toEqual({ kind: 'gaussian', dim: 16, rank: 3, noise: 0.05 });
  });

  test('invalid JSON names file, line and column', () => {
    const file = writeTemp('{\n  "name": "x",\n  "steps": ,\n}');
    expect(() => loadConfig(file)).toThrow(/config\.json at line 3, column 12/);
    const trunc = writeTemp(JSON.stringify(fixture(), null, 2).slice(0, 300));
    expect(() => loadConfig(trunc)).toThrow(/line \d+, column \d+: unexpected end of file/);
  });

  test('missing and empty files', () => {
    expect(() => loadConfig('/nonexistent/springtail.json')).toThrow(UserError);
    expect(() => loadConfig(writeTemp(''))).toThrow(/empty/);
  });
});

describe('--set', () => {
  test('overrides apply before validation', () => {
    const file = writeTemp(fixture());
    const c = loadConfig(file, ['network.layers.1.size=32', 'name=renamed', 'stimulus={"kind":"bars","side":8,"p":0.5,"noise":0}']);
    expect(c.network.layers[1].size).toBe(32);
    expect(c.name).toBe('renamed');
    expect(c.stimulus).toMatchObject({ p: 0.5 });
  });

  test('a value that is not JSON is a string, and validated like the file', () => {
    const err = problemsOf(() => loadConfig(writeTemp(fixture()), ['steps=many']));
    expect(err.problems).toEqual([{ path: 'steps', value: 'many', expected: 'integer >= 1' }]);
  });

  test('a path whose parent does not exist is an error naming it', () => {
    expect(() => applySet(fixture(), 'network.nope.x=1')).toThrow(/network\.nope does not exist/);
    expect(() => applySet(fixture(), 'network.layers.9.size=1')).toThrow(/network\.layers\.9 does not exist/);
    expect(() => applySet(fixture(), 'noequals')).toThrow(/path=value/);
  });
});
