// Behavioural test of the ei-balance rule (SPEC §4: "inhibitory plasticity → target rate"), cpu:
// an excitatory population driven by Földiák's bars plus an inhibitory population with plastic
// I→E synapses. After training (seed 1), the mean rate of the E population over a window of 2000
// steps is within 5% of the target ρ0, for two different targets; the same network with inhibitory
// plasticity off (etaI = 0) is far from either.
//
// The rule's fixed point is E[pre·(post − ρ0)] = 0 per E unit: the rate weighted by the inhibitory
// input. It equals the plain mean rate when the inhibitory rate does not co-vary with the E rate, so
// the I units here are mostly tonic (bias 0.5) with weak feedforward (input→I) and feedback (E→I)
// drive. With strongly driven I units (no bias, input→I and E→I weights up to 0.2 and 0.1) the
// plain mean settles ~47% above target (0.294 for ρ0 = 0.2, measured): inhibition arrives exactly
// when E is most active, so the rule balances a pre-weighted rate, not the mean.
import { describe, expect, it } from 'vitest';
import { eiBalance } from '../../rules/ei-balance.ts';
import { fromLayers, type LayersSpec } from '../../sim/build.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import { createCpuBackend } from '../../sim/cpu/backend.ts';
import { makeStimulus } from '../../tasks/stimulus.ts';

const NIN = 64;
const NE = 32;
const NI = 8;
const spec: LayersSpec = {
  organisms: 1,
  layers: [
    { name: 'in', size: NIN, role: 'input' },
    // segment 0: fixed input drive; segment 1: plastic inhibition
    { name: 'e', size: NE, role: 'hidden', segments: 2, soma: { f: 'relu' } },
    { name: 'i', size: NI, role: 'hidden', sign: -1, soma: { f: 'relu', bias: 0.5 } },
  ],
  projections: [
    { from: 'in', to: 'e', connect: { kind: 'prob', p: 0.5 }, init: { min: 0, max: 0.2 }, plastic: false },
    { from: 'in', to: 'i', connect: { kind: 'prob', p: 0.5 }, init: { min: 0, max: 0.02 }, plastic: false },
    { from: 'e', to: 'i', connect: { kind: 'prob', p: 0.5 }, init: { min: 0, max: 0.02 }, plastic: false },
    { from: 'i', to: 'e', connect: { kind: 'full' }, init: { min: 0, max: 0.05 }, segment: 1 },
  ],
};

const TRAIN = 10000;
const WINDOW = 2000;
const CHUNK = 1000;

/** Train TRAIN steps on bars, then return the mean E and I rates over the next WINDOW steps. */
async function meanRates(params: Record<string, number>): Promise<{ e: number; i: number; eMin: number; eMax: number }> {
  const tensor = fromLayers(spec, 1);
  const N = tensor.role.length;
  const stim = makeStimulus({ kind: 'bars', side: 8, p: 0.125, noise: 0.05 }, 1);
  const b = await createCpuBackend({ tensor, rule: compileRule(eiBalance, params), plasticity: { wMin: 0, wMax: 10, normalize: 'none', normalizeTarget: 1 }, maxChunk: CHUNK, threads: 1, record: { every: 1, capacity: WINDOW } });
  try {
    const x = new Float32Array(CHUNK * NIN);
    for (let t = 0; t < TRAIN + WINDOW; t += CHUNK) {
      stim.fill(x, t, CHUNK);
      expect((await b.run(CHUNK, x)).firstBadStep).toBe(-1);
    }
    const rec = await b.readRecording();
    expect(rec.steps.length).toBe(WINDOW);
    expect(rec.steps[0]).toBe(TRAIN + 1); // frames after steps TRAIN+1 .. TRAIN+WINDOW: after training
    const per = new Float64Array(NE);
    let i = 0;
    for (let f = 0; f < WINDOW; f++) {
      for (let n = 0; n < NE; n++) per[n] += rec.frames[f * N + NIN + n] / WINDOW;
      for (let n = 0; n < NI; n++) i += rec.frames[f * N + NIN + NE + n] / (WINDOW * NI);
    }
    return { e: per.reduce((a, v) => a + v, 0) / NE, i, eMin: Math.min(...per), eMax: Math.max(...per) };
  } finally {
    await b.dispose();
  }
}

const fmt = (r: { e: number; i: number; eMin: number; eMax: number }) => `E mean ${r.e.toFixed(4)} (units ${r.eMin.toFixed(3)}..${r.eMax.toFixed(3)}), I mean ${r.i.toFixed(4)}`;

describe('ei-balance: inhibitory plasticity → target rate (bars, cpu)', () => {
  it('brings the mean rate of the E population to within 5% of ρ0; without inhibitory plasticity it is far off', { timeout: 120_000 }, async () => {
    const off = await meanRates({ etaI: 0, rho0: 0.2 });
    console.info(`[ei-balance] etaI 0: ${fmt(off)}`);
    for (const rho0 of [0.2, 0.4]) {
      const on = await meanRates({ etaI: 0.002, rho0 });
      console.info(`[ei-balance] etaI 0.002, rho0 ${rho0}: ${fmt(on)}, error ${((100 * (on.e - rho0)) / rho0).toFixed(2)}%`);
      expect(Math.abs(on.e - rho0) / rho0).toBeLessThan(0.05);
      // without plasticity the same network is clearly off target (measured: 0.691, 3.5× ρ0 = 0.2)
      expect(Math.abs(off.e - rho0) / rho0).toBeGreaterThan(0.5);
    }
  });
});
