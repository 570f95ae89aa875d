// The cpu backend against the plain oracle (tests/sim/oracle.ts): same f64 expressions, same f32
// stores, so the results must be bit-identical, for every feature of the step.
import { describe, expect, test } from 'vitest';
import { hebbian, oja } from '../../rules/hebbian.ts';
import { keyedDistance } from '../../rules/keyed-distance.ts';
import type { NormalizeKind, PlasticityOptions } from '../../sim/backend.ts';
import { fromLayers, randomTensor } from '../../sim/build.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import type { RuleDef } from '../../sim/compiler/rule.ts';
import { createCpuBackend, splitRows } from '../../sim/cpu/backend.ts';
import { inputSize, ROLE, type SynapseTensor } from '../../sim/tensor.ts';
import { bcmLike, groupSpec, mixedSpec, samples, signedSegment, tagged, tiesTensor } from '../parity/fixtures.ts';
import { oracle } from './oracle.ts';

/** Exercises each function (lane-wise imported calls included), comparisons and conditionals. */
const exotic: RuleDef = {
  name: 'exotic',
  params: { eta: { default: 0.01 } },
  slots: { e: { init: 0.2, update: 'clamp(e * 0.9 + pre * post, 0, 2)' } },
  update: 'eta * (pre > 0.5 ? sigmoid(post) : exp(-w)) * pow(abs(pre - w), 1.5) - 0.001 * sqrt(w) + min(pre, post) * 0.001 * step(post - 0.2) + eta * tanh(e) - eta * log(1 + w) * (pre <= post) + max(relu(pre - 0.9), 0) * (w != 0.5) / fanin',
  contribution: 'sign * w * pre * (1 + 0.1 * e)',
};

const pl = (over: Partial<PlasticityOptions> = {}): PlasticityOptions => ({ wMin: 0, wMax: 1, normalize: 'none', normalizeTarget: 1, ...over });

async function compare(t: SynapseTensor, ruleDef = hebbian, plast = pl(), T = 12, threads = 1, chunks = [T]) {
  const rule = compileRule(ruleDef);
  const x = samples(T, inputSize(t));
  const b = await createCpuBackend({ tensor: t, rule, plasticity: plast, maxChunk: T, threads, record: { every: 3, capacity: 2 } });
  let done = 0;
  for (const c of chunks) {
    await b.run(c, x.subarray(done * inputSize(t), (done + c) * inputSize(t)));
    done += c;
  }
  const s = await b.readState();
  const rec = await b.readRecording();
  await b.dispose();
  const o = oracle(t, rule, plast);
  const frames: Float32Array[] = [];
  for (let k = 0; k < T; k++) {
    o.step(x.subarray(k * inputSize(t), (k + 1) * inputSize(t)));
    if ((k + 1) % 3 === 0) frames.push(Float32Array.from(o.state.a));
  }
  return { s, o: o.state, rec, frames };
}

describe('cpu backend = oracle, bit for bit', () => {
  test.each([
    ['hebbian', hebbian],
    ['oja', oja],
    ['keyed-distance (own contribution, slots)', keyedDistance],
    ['bcm-like (terms, nonlinear segment)', bcmLike],
    ['every function and operator', exotic],
    ['segment nonlinearity of the projection sign', signedSegment],
    ['projection tags (contribution, update, slot, segment)', tagged],
  ])('mixed E/I network, segments, leak, homeostasis: %s', async (_n, def) => {
    const { s, o } = await compare(fromLayers(mixedSpec, 3), def, pl({ wMin: 0, wMax: 2 }));
    expect(Array.from(s.a)).toEqual(Array.from(o.a));
    expect(Array.from(s.w)).toEqual(Array.from(o.w));
    expect(Array.from(s.theta)).toEqual(Array.from(o.theta));
    expect(Array.from(s.v)).toEqual(Array.from(o.v));
    expect(Array.from(s.slots)).toEqual(Array.from(o.slots));
    expect(Array.from(s.terms)).toEqual(Array.from(o.terms));
  });
  test.each(['l1', 'l2', 'subtractive'] as NormalizeKind[])('normalization %s', async (kind) => {
    const { s, o } = await compare(fromLayers(mixedSpec, 4), oja, pl({ normalize: kind, normalizeTarget: 0.8, wMin: -1, wMax: 1 }));
    expect(Array.from(s.w)).toEqual(Array.from(o.w));
    expect(Array.from(s.a)).toEqual(Array.from(o.a));
  });
  test('two threads and uneven chunks give the identical result; recording keeps the last frames', async () => {
    const t = randomTensor({ organisms: 2, neurons: 300, fanIn: 20, seed: 9, wInit: 0.1 });
    const one = await compare(t, hebbian, pl(), 12, 1);
    const two = await compare(t, hebbian, pl(), 12, 2, [5, 1, 6]);
    expect(Array.from(two.s.w)).toEqual(Array.from(one.s.w));
    expect(Array.from(two.s.a)).toEqual(Array.from(one.o.a));
    expect(two.rec.steps).toEqual([9, 12]);
    expect(Array.from(two.rec.frames.subarray(0, 600))).toEqual(Array.from(one.frames[2]));
    expect(Array.from(two.rec.frames.subarray(600))).toEqual(Array.from(one.frames[3]));
  });
  test('readState between chunks applies the pending plasticity exactly once', async () => {
    const t = fromLayers(mixedSpec, 5);
    const rule = compileRule(oja);
    const x = samples(10, inputSize(t));
    const b = await createCpuBackend({ tensor: t, rule, plasticity: pl(), maxChunk: 10 });
    await b.run(4, x.subarray(0, 4 * inputSize(t)));
    await b.readState();
    await b.readState();
    await b.run(6, x.subarray(4 * inputSize(t)));
    const s = await b.readState();
    await b.dispose();
    const ref = await compare(t, oja, pl(), 10);
    expect(Array.from(s.w)).toEqual(Array.from(ref.o.w));
  });
});

const sameState = (s: Awaited<ReturnType<typeof compare>>['s'], o: Awaited<ReturnType<typeof compare>>['o']) => {
  for (const f of ['a', 'w', 'theta', 'v', 'slots', 'terms'] as const) expect(Array.from(s[f]), f).toEqual(Array.from(o[f]));
};

describe('group somas (kwta, softmax) = oracle, bit for bit', () => {
  test.each([
    ['oja', oja],
    ['keyed-distance (slots)', keyedDistance],
    ['bcm-like (terms, nonlinear segment)', bcmLike],
  ])('3 organisms, kwta and softmax layers of sizes 3, 5, 7, leak, homeostasis: %s', async (_n, def) => {
    const t = fromLayers(groupSpec, 3);
    const { s, o, rec, frames } = await compare(t, def, pl({ wMin: 0, wMax: 2 }));
    sameState(s, o);
    // the recording holds the finished group neurons (input neurons hold the next sample there)
    const hidden = (f: ArrayLike<number>) => Array.from(f).filter((_, i) => t.role[i % t.role.length] !== ROLE.input);
    expect(hidden(rec.frames)).toEqual(hidden([...frames[2], ...frames[3]]));
  });
  test('ties: lower index wins, then homeostasis separates them', async () => {
    const { s, o } = await compare(tiesTensor(), oja, pl(), 6);
    sameState(s, o);
  });
  test('two threads and uneven chunks give the identical result', async () => {
    const t = fromLayers(groupSpec, 8);
    const one = await compare(t, bcmLike, pl(), 12, 1);
    const two = await compare(t, bcmLike, pl(), 12, 2, [5, 1, 6]);
    sameState(two.s, one.o);
    expect(Array.from(two.rec.frames)).toEqual(Array.from(one.rec.frames));
  });
});

describe('divergence', () => {
  test('a huge learning rate is reported at the first bad step', async () => {
    const t = fromLayers(mixedSpec, 3);
    const rule = compileRule(hebbian, { eta: 100, decay: 0 });
    const b = await createCpuBackend({ tensor: t, rule, plasticity: pl({ wMin: 0, wMax: Infinity }), maxChunk: 50 });
    const { firstBadStep } = await b.run(50, samples(50, inputSize(t)));
    await b.dispose();
    // find the same step with the oracle
    const o = oracle(t, rule, pl({ wMin: 0, wMax: Infinity }));
    let bad = -1;
    for (let k = 0; k < 50 && bad < 0; k++) {
      o.step(samples(50, inputSize(t)).subarray(k * inputSize(t), (k + 1) * inputSize(t)));
      if (![...o.state.a, ...o.state.w].every(Number.isFinite)) bad = k;
    }
    expect(bad).toBeGreaterThan(0);
    expect(firstBadStep).toBe(bad);
  });
});

test('row split balances synapses', () => {
  const t = randomTensor({ organisms: 1, neurons: 1000, fanIn: 10, seed: 1, wInit: 0.1 });
  const parts = splitRows(t.segSynStart, t.neuronSegStart, 3);
  expect(parts[0][0]).toBe(0);
  expect(parts[2][1]).toBe(1000);
  for (const [a, b] of parts) expect(b - a).toBeGreaterThan(300);
});
