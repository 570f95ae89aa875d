import { describe, expect, it } from 'vitest';
import { measureBandwidth } from '../../bench/bandwidth.ts';

// Speed depends on the machine and its load, so only the shape of the result is checked.
describe('measureBandwidth', () => {
  it.each([1, 2])('returns a finite positive figure with %i thread(s)', async (threads) => {
    const r = await measureBandwidth({ threads, bytes: 16 * 1024 * 1024, seconds: 0.05 });
    expect(r.threads).toBe(threads);
    expect(Number.isFinite(r.gbs)).toBe(true);
    expect(r.gbs).toBeGreaterThan(0);
    expect(r.method).toMatch(/wasm-simd|js-typed-array/);
  }, 30_000);
});

describe('bandwidthKernel', () => {
  it('reads and rewrites exactly the bytes it is given', async () => {
    const { bandwidthKernel } = await import('../../bench/bandwidth.ts');
    const wasm = (globalThis as any).WebAssembly;
    const memory = new wasm.Memory({ initial: 1, maximum: 1, shared: true });
    const inst = new wasm.Instance(new wasm.Module(await bandwidthKernel()), { env: { memory } });
    const n = 64; // elements per array: 4 unrolled iterations
    const idx = new Uint32Array(memory.buffer, 0, n);
    const w = new Float32Array(memory.buffer, 4 * n, n + 4);
    idx.fill(1);
    w.fill(1);
    inst.exports.fused(0, 4 * n, 4 * n);
    expect(Array.from(w.subarray(0, n)).every((x) => x === 0.75)).toBe(true);
    expect(Array.from(w.subarray(n))).toEqual([1, 1, 1, 1]);
  });
});
