// Acquire the WebGPU device once per test file (in beforeAll: requesting an adapter inside a test
// body has crashed Dawn under worker threads, SPEC §11). Unavailable → tests skip with the reason,
// unless SPRINGTAIL_REQUIRE_WEBGPU=1, where unavailability fails them.
import { afterAll, beforeAll } from 'vitest';
import { BackendUnavailable } from '../../sim/backend.ts';
import { acquireGpu, type Gpu } from '../../sim/webgpu/device.ts';

export const REQUIRE_WEBGPU = process.env.SPRINGTAIL_REQUIRE_WEBGPU === '1';

export interface WebgpuHandle {
  /** The device, or null when unavailable (then `reason` says why). */
  gpu: Gpu | null;
  reason: string;
  /** Call first in a test that needs WebGPU: skips it (reason shown) or fails under REQUIRE. */
  need(ctx: { skip: (note?: string) => never }): Gpu;
}

export function useWebgpu(): WebgpuHandle {
  const h: WebgpuHandle = {
    gpu: null,
    reason: 'not acquired yet',
    need(ctx) {
      if (h.gpu) return h.gpu;
      if (REQUIRE_WEBGPU) throw new Error(`SPRINGTAIL_REQUIRE_WEBGPU=1 but WebGPU is unavailable: ${h.reason}`);
      return ctx.skip(`webgpu unavailable: ${h.reason}`);
    },
  };
  beforeAll(async () => {
    try {
      h.gpu = await acquireGpu();
    } catch (e) {
      if (!(e instanceof BackendUnavailable)) throw e;
      h.reason = e.message;
      if (REQUIRE_WEBGPU) throw new Error(`SPRINGTAIL_REQUIRE_WEBGPU=1 but WebGPU is unavailable: ${h.reason}`);
      console.warn(`[skip] webgpu tests: ${h.reason}`);
    }
  });
  // Holding one reference across the file keeps one device for every backend it creates.
  afterAll(() => h.gpu?.release());
  return h;
}
