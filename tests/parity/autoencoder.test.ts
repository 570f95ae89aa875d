// Parity of the autoencoder kernels (SPEC §3, §6): webgpu against the cpu reference (the wasm
// SIMD kernel) on small data — codes, outputs, loss and gradients of one minibatch within 1e-5
// relative error, then Adam steps and whole epochs. Both compute in f32 but sum in different
// orders (cpu: 4-lane SIMD dot products, zeros skipped; webgpu: sequential) and WGSL may contract
// a·b + c into an fma, so results differ at ~1e-7; measured here (SwiftShader): codes equal,
// outputs ~7e-8, gradients ~1.5e-7, weights 1.5e-8..3.4e-7 after one step and 7e-8..3e-7 after
// three epochs, Adam's moments ~1e-7..2.4e-7. Adam normalises each gradient by
// its own running magnitude, so the first steps amplify relative differences in tiny gradients:
// the multi-step tolerance is 1e-4, while a wrong buffer or formula shows up at 1e-2 or more.
// Unavailable WebGPU skips with the reason (fails under SPRINGTAIL_REQUIRE_WEBGPU=1).
import { describe, expect, it } from 'vitest';
import { createAeCpu } from '../../sim/linalg/autoencoder-cpu.ts';
import { createAeWebgpu } from '../../sim/linalg/autoencoder-webgpu.ts';
import { ADAM_DEFAULTS, type AeConfig, type AeParams, epochOrder, initAeParams } from '../../sim/linalg/autoencoder.ts';
import { Counter } from '../../sim/random.ts';
import { trainAutoencoder } from '../../tasks/baselines/autoencoder.ts';
import { useWebgpu } from './webgpu-availability.ts';
import { relErr } from './fixtures.ts';
import { LONG_RUN_TOL, ONE_STEP_TOL } from './run-compare.ts';

const webgpu = useWebgpu();

const KEYS = ['wf', 'bf', 'wb', 'bb'] as const;

function data(count: number, dim: number, seed = 3): Float32Array {
  const r = new Counter(seed, 78);
  const x = new Float32Array(count * dim);
  for (let i = 0; i < x.length; i++) x[i] = r.next() < 0.5 ? 0 : r.next();
  return x;
}

/** Largest relative error over the four tensors, each checked against tol. */
function expectParams(got: AeParams, ref: AeParams, tol: number, what: string): number {
  let worst = 0;
  for (const k of KEYS) {
    const e = relErr(got[k], ref[k]);
    expect(e, `${what} ${k}: relative error ${e}`).toBeLessThanOrEqual(tol);
    worst = Math.max(worst, e);
  }
  return worst;
}

describe('autoencoder: webgpu against cpu', () => {
  // P = 6, D = 13: dimensions that are not multiples of 4 (the cpu pads them); P = 20, D = 64 as MNIST's P
  for (const [D, P, B] of [
    [13, 6, 5],
    [64, 20, 8],
  ] as const) {
    it(`one minibatch: codes, outputs, loss, gradients (D=${D}, P=${P}, batch ${B})`, async (ctx) => {
      const gpu = webgpu.need(ctx);
      const N = 40;
      const x = data(N, D);
      const cfg: AeConfig = { dim: D, hidden: P, maxBatch: B, ...ADAM_DEFAULTS, loss: 'sse' };
      const cpu = await createAeCpu(x, N, cfg);
      const gk = await createAeWebgpu(gpu, x, N, cfg);
      try {
        const p = initAeParams(D, P, 4);
        await cpu.writeParams(p);
        await gk.writeParams(p);
        expectParams(await gk.readParams(), p, 0, 'round trip');
        const idx = Int32Array.from({ length: B }, (_, i) => (i * 7 + 2) % N);
        const a = await cpu.probe(idx);
        const b = await gk.probe(idx);
        expect(relErr(b.codes, a.codes)).toBeLessThan(ONE_STEP_TOL);
        expect(relErr(b.outputs, a.outputs)).toBeLessThan(ONE_STEP_TOL);
        expect(Math.abs(b.sse - a.sse) / a.sse).toBeLessThan(ONE_STEP_TOL);
        const eg = expectParams(b.grads, a.grads, ONE_STEP_TOL, 'gradient');
        console.log(`autoencoder parity D=${D} P=${P}: codes ${relErr(b.codes, a.codes).toExponential(1)}, outputs ${relErr(b.outputs, a.outputs).toExponential(1)}, gradients ${eg.toExponential(1)}`);
        // a smaller last minibatch
        const a2 = await cpu.probe(idx.subarray(0, 2));
        const b2 = await gk.probe(idx.subarray(0, 2));
        expectParams(b2.grads, a2.grads, ONE_STEP_TOL, 'gradient (2 samples)');
      } finally {
        cpu.dispose();
        gk.dispose();
      }
    });

    it(`Adam steps and epochs: weights and moments (D=${D}, P=${P}, batch ${B})`, async (ctx) => {
      const gpu = webgpu.need(ctx);
      const N = 42; // not a multiple of the batch: each epoch ends with a smaller minibatch
      const x = data(N, D, 5);
      const cfg: AeConfig = { dim: D, hidden: P, maxBatch: B, ...ADAM_DEFAULTS, lr: 3e-3, loss: 'sse' };
      const cpu = await createAeCpu(x, N, cfg);
      const gk = await createAeWebgpu(gpu, x, N, cfg);
      try {
        const p = initAeParams(D, P, 6);
        await cpu.writeParams(p);
        await gk.writeParams(p);
        // one step
        const first = epochOrder(N, 2, 0).subarray(0, B);
        const la = await cpu.train(first);
        const lb = await gk.train(first);
        expect(Math.abs(lb - la) / la).toBeLessThan(ONE_STEP_TOL);
        const e1 = expectParams(await gk.readParams(), await cpu.readParams(), ONE_STEP_TOL, 'one step');
        // three epochs
        for (let e = 0; e < 3; e++) {
          const o = epochOrder(N, 2, e);
          const ea = await cpu.train(o);
          const eb = await gk.train(o);
          expect(Math.abs(eb - ea) / ea).toBeLessThan(LONG_RUN_TOL);
        }
        expect(gk.steps).toBe(cpu.steps);
        const e3 = expectParams(await gk.readParams(), await cpu.readParams(), LONG_RUN_TOL, '3 epochs');
        const ma = await cpu.readAdam();
        const mb = await gk.readAdam();
        const em = expectParams(mb.m, ma.m, LONG_RUN_TOL, 'Adam m');
        const ev = expectParams(mb.v, ma.v, LONG_RUN_TOL, 'Adam v');
        console.log(`autoencoder parity D=${D} P=${P}: weights after 1 step ${e1.toExponential(1)}, after 3 epochs ${e3.toExponential(1)} (m ${em.toExponential(1)}, v ${ev.toExponential(1)})`);
      } finally {
        cpu.dispose();
        gk.dispose();
      }
    });
  }

  it('the baseline’s training loop gives the same model on both backends', async (ctx) => {
    const gpu = webgpu.need(ctx);
    const D = 25;
    const N = 96;
    const x = data(N, D, 8);
    const spec = { components: 4, epochs: 3, batch: 16, lr: 1e-3 };
    const a = await trainAutoencoder(x, N, D, spec, { seed: 3, backend: 'cpu' });
    const b = await trainAutoencoder(x, N, D, spec, { seed: 3, backend: 'webgpu', gpu });
    expect(b.kernel).toBe('webgpu');
    expectParams(b.params, a.params, LONG_RUN_TOL, 'trained');
    for (let e = 0; e < spec.epochs; e++) expect(Math.abs(b.epochSse[e] - a.epochSse[e]) / a.epochSse[e]).toBeLessThan(LONG_RUN_TOL);
  });
});
