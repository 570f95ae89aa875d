// The autoencoder kernels on the cpu (sim/linalg/autoencoder-cpu.ts): gradients against central
// finite differences of an f64 reference loss, Adam against PyTorch's update written out in f64,
// wasm against the plain-JS kernel, determinism for a seed, and learning on a small synthetic task.
// (webgpu against cpu: tests/parity/autoencoder.test.ts.)
import { describe, expect, test } from 'vitest';
import { createAeCpu } from '../../sim/linalg/autoencoder-cpu.ts';
import { ADAM_DEFAULTS, type AeConfig, type AeLoss, type AeParams, epochOrder, initAeParams } from '../../sim/linalg/autoencoder.ts';
import { Counter } from '../../sim/random.ts';
import { fitAutoencoder, trainAutoencoder } from '../../tasks/baselines/autoencoder.ts';

const KEYS = ['wf', 'bf', 'wb', 'bb'] as const;

function relErr(out: ArrayLike<number>, ref: ArrayLike<number>): number {
  let n = 0;
  let d = 0;
  for (let i = 0; i < ref.length; i++) {
    n += (out[i] - ref[i]) ** 2;
    d += ref[i] ** 2;
  }
  return Math.sqrt(n / (d || 1));
}

/** count × dim values in [0, 1), about `zeros` of them exactly 0 (like MNIST's background). */
function data(count: number, dim: number, seed = 3, zeros = 0.4): Float32Array {
  const r = new Counter(seed, 77);
  const x = new Float32Array(count * dim);
  for (let i = 0; i < x.length; i++) x[i] = r.next() < zeros ? 0 : r.next();
  return x;
}

const config = (dim: number, hidden: number, maxBatch: number, loss: AeLoss = 'sse'): AeConfig => ({ dim, hidden, maxBatch, ...ADAM_DEFAULTS, loss });

/** The loss in f64: (1/n) Σ_i Σ_d (y − x)² (÷ D for 'mse'), plus codes and outputs. */
function reference(p: { [K in keyof AeParams]: Float64Array | Float32Array }, x: Float32Array, idx: Int32Array, D: number, P: number, loss: AeLoss) {
  const n = idx.length;
  const codes = new Float64Array(n * P);
  const outputs = new Float64Array(n * D);
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const xo = idx[i] * D;
    for (let q = 0; q < P; q++) {
      let z = p.bf[q];
      for (let d = 0; d < D; d++) z += p.wf[q * D + d] * x[xo + d];
      codes[i * P + q] = Math.max(z, 0);
    }
    for (let d = 0; d < D; d++) {
      let a = p.bb[d];
      for (let q = 0; q < P; q++) a += p.wb[d * P + q] * codes[i * P + q];
      const y = 1 / (1 + Math.exp(-a));
      outputs[i * D + d] = y;
      sse += (y - x[xo + d]) ** 2;
    }
  }
  return { codes, outputs, sse, loss: loss === 'mse' ? sse / (n * D) : sse / n };
}

/** ∂L/∂θ by central differences of the f64 reference. */
function numericGrads(p: AeParams, x: Float32Array, idx: Int32Array, D: number, P: number, loss: AeLoss, h = 1e-6) {
  const q = Object.fromEntries(KEYS.map((k) => [k, Float64Array.from(p[k])])) as { [K in keyof AeParams]: Float64Array };
  const out = {} as { [K in keyof AeParams]: Float64Array };
  for (const k of KEYS) {
    out[k] = new Float64Array(q[k].length);
    for (let j = 0; j < q[k].length; j++) {
      const v = q[k][j];
      q[k][j] = v + h;
      const up = reference(q, x, idx, D, P, loss).loss;
      q[k][j] = v - h;
      const down = reference(q, x, idx, D, P, loss).loss;
      q[k][j] = v;
      out[k][j] = (up - down) / (2 * h);
    }
  }
  return out;
}

describe('autoencoder cpu kernels', () => {
  // D = 12 / P = 4 (no padding), D = 13 / P = 6 (padded rows and the masked last pixel vector),
  // P = 37 (hidden units in two register groups of the wasm kernel)
  const shapes = [
    { D: 12, P: 4, B: 5, loss: 'sse' as const },
    { D: 13, P: 6, B: 5, loss: 'sse' as const },
    { D: 13, P: 6, B: 5, loss: 'mse' as const },
    { D: 21, P: 37, B: 3, loss: 'sse' as const },
  ];
  for (const impl of ['wasm', 'js'] as const) {
    for (const { D, P, B, loss } of shapes) {
      test(`${impl}: gradients match central differences of an f64 reference (D=${D}, P=${P}, batch ${B}, ${loss})`, async () => {
        const N = 9;
        const x = data(N, D);
        const k = await createAeCpu(x, N, config(D, P, B, loss), { impl });
        const p = initAeParams(D, P, 5);
        await k.writeParams(p);
        const idx = Int32Array.from({ length: B }, (_, i) => (i * 4 + 1) % N);
        const got = await k.probe(idx);
        const ref = reference(p, x, idx, D, P, loss);
        expect(relErr(got.codes, ref.codes)).toBeLessThan(1e-6);
        expect(relErr(got.outputs, ref.outputs)).toBeLessThan(1e-6);
        expect(Math.abs(got.sse - ref.sse) / ref.sse).toBeLessThan(1e-6);
        // some codes are 0 (relu), exercising the skipped units
        expect(got.codes.some((v) => v === 0)).toBe(true);
        const num = numericGrads(p, x, idx, D, P, loss);
        for (const key of KEYS) {
          const e = relErr(got.grads[key], num[key]);
          expect(e, `${key}: relative error ${e}`).toBeLessThan(1e-4);
        }
        k.dispose();
      });
    }
  }

  test('Adam: two steps match PyTorch’s update (bias correction included) written out in f64', async () => {
    const D = 13;
    const P = 6;
    const B = 4;
    const N = 8;
    const x = data(N, D);
    const cfg = { ...config(D, P, B), lr: 0.01 };
    const k = await createAeCpu(x, N, cfg);
    const p0 = initAeParams(D, P, 2);
    await k.writeParams(p0);
    const order = Int32Array.from([3, 1, 4, 0, 7, 2, 6, 5]);
    // reference: gradients from the kernel itself at each step's weights, the update in f64
    const probeK = await createAeCpu(x, N, cfg);
    const p = Object.fromEntries(KEYS.map((key) => [key, Float64Array.from(p0[key])])) as { [K in keyof AeParams]: Float64Array };
    const m = Object.fromEntries(KEYS.map((key) => [key, new Float64Array(p0[key].length)])) as typeof p;
    const v = Object.fromEntries(KEYS.map((key) => [key, new Float64Array(p0[key].length)])) as typeof p;
    for (let t = 1; t <= 2; t++) {
      await probeK.writeParams(Object.fromEntries(KEYS.map((key) => [key, Float32Array.from(p[key])])) as unknown as AeParams);
      const g = (await probeK.probe(order.subarray((t - 1) * B, t * B))).grads;
      for (const key of KEYS) {
        for (let j = 0; j < p[key].length; j++) {
          m[key][j] = 0.9 * m[key][j] + 0.1 * g[key][j];
          v[key][j] = 0.999 * v[key][j] + 0.001 * g[key][j] ** 2;
          const denom = Math.sqrt(v[key][j]) / Math.sqrt(1 - 0.999 ** t) + 1e-8;
          p[key][j] -= (0.01 / (1 - 0.9 ** t)) * (m[key][j] / denom);
        }
      }
    }
    await k.train(order);
    expect(k.steps).toBe(2);
    const got = await k.readParams();
    const adam = await k.readAdam();
    for (const key of KEYS) {
      expect(relErr(got[key], p[key]), key).toBeLessThan(1e-6);
      expect(relErr(adam.m[key], m[key]), key).toBeLessThan(1e-5);
      expect(relErr(adam.v[key], v[key]), key).toBeLessThan(1e-5);
    }
    // the update moved every weight that had a gradient by about lr (Adam's first steps)
    const moved = got.wb.map((w, j) => Math.abs(w - p0.wb[j]));
    expect(Math.max(...moved)).toBeGreaterThan(0.005);
  });

  test('wasm and JS kernels agree over a few epochs', async () => {
    const D = 30;
    const P = 7;
    const N = 50;
    const x = data(N, D, 9, 0.6);
    const cfg = config(D, P, 8);
    const a = await createAeCpu(x, N, cfg);
    const b = await createAeCpu(x, N, cfg, { impl: 'js' });
    const p = initAeParams(D, P, 1);
    await a.writeParams(p);
    await b.writeParams(p);
    for (let e = 0; e < 3; e++) {
      const o = epochOrder(N, 1, e);
      const la = await a.train(o);
      const lb = await b.train(o);
      expect(Math.abs(la - lb) / lb).toBeLessThan(1e-5);
    }
    const pa = await a.readParams();
    const pb = await b.readParams();
    for (const key of KEYS) expect(relErr(pa[key], pb[key]), key).toBeLessThan(1e-5);
  });

  test('same seed → identical weights; another seed → different ones', async () => {
    const D = 20;
    const N = 100;
    const x = data(N, D, 4);
    const spec = { components: 5, epochs: 3, batch: 16, lr: 1e-3 };
    const a = await trainAutoencoder(x, N, D, spec, { seed: 7, backend: 'cpu' });
    const b = await trainAutoencoder(x, N, D, spec, { seed: 7, backend: 'cpu' });
    const c = await trainAutoencoder(x, N, D, spec, { seed: 8, backend: 'cpu' });
    for (const key of KEYS) expect(Array.from(b.params[key])).toEqual(Array.from(a.params[key]));
    expect(b.epochSse).toEqual(a.epochSse);
    expect(relErr(c.params.wf, a.params.wf)).toBeGreaterThan(0.1);
    // init is PyTorch's nn.Linear: U(±1/√fan_in)
    const init = initAeParams(784, 20, 1);
    expect(Math.max(...init.wf.map(Math.abs))).toBeLessThanOrEqual(1 / 28);
    expect(Math.max(...init.wf.map(Math.abs))).toBeGreaterThan(0.99 / 28);
    expect(Math.max(...init.wb.map(Math.abs))).toBeGreaterThan(0.99 / Math.sqrt(20));
    expect(Math.max(...init.wb.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(20));
  });

  test('training reduces the loss on a synthetic low-dimensional task', async () => {
    // 400 samples of 36 pixels from 3 latent factors: x = sigmoid(A z + c), so 3-4 units suffice
    const D = 36;
    const N = 400;
    const r = new Counter(11, 5);
    const A = Array.from({ length: D * 3 }, () => 2 * r.normal());
    const x = new Float32Array(N * D);
    for (let i = 0; i < N; i++) {
      const z = [r.normal(), r.normal(), r.normal()];
      for (let d = 0; d < D; d++) x[i * D + d] = 1 / (1 + Math.exp(-(A[d * 3] * z[0] + A[d * 3 + 1] * z[1] + A[d * 3 + 2] * z[2])));
    }
    const calls: [number, number, string][] = [];
    const fitted = await fitAutoencoder(x, N, D, { components: 6, epochs: 30, batch: 16, lr: 1e-2 }, { seed: 1, backend: 'cpu', progress: (d, t, l) => calls.push([d, t, l]) });
    expect(calls).toEqual(Array.from({ length: 30 }, (_, e) => [e + 1, 30, 'epoch']));
    const codes = await fitted.encode(x, N);
    expect(codes.length).toBe(N * 6);
    expect(codes.every((v) => v >= 0)).toBe(true);
    const y = await fitted.decode!(codes, N);
    let sse = 0;
    let base = 0;
    const mean = new Float64Array(D);
    for (let i = 0; i < N * D; i++) mean[i % D] += x[i] / N;
    for (let i = 0; i < N * D; i++) {
      sse += (y[i] - x[i]) ** 2;
      base += (mean[i % D] - x[i]) ** 2;
    }
    const info = fitted.info!;
    console.log(`synthetic: train_sse per epoch ${info.train_sse}, reconstruction ${(sse / N).toFixed(3)} vs mean image ${(base / N).toFixed(3)}`);
    // the code explains most of the variance the mean image leaves
    expect(sse / base).toBeLessThan(0.2);
    expect(Number(info.train_sse)).toBeLessThan((0.3 * base) / N);
    expect(Number(info.seconds_per_epoch)).toBeGreaterThan(0);
  });
});
