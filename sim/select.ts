// `--backend cpu|webgpu|auto`: auto takes webgpu when an adapter answers, else cpu, and says why.
import { type Backend, type BackendInit, BackendUnavailable } from './backend.ts';
import { createCpuBackend } from './cpu/backend.ts';
import type { Gpu } from './webgpu/device.ts';

export type BackendChoice = 'cpu' | 'webgpu' | 'auto';

export async function createBackend(choice: BackendChoice, init: BackendInit): Promise<{ backend: Backend; note: string }> {
  if (choice === 'cpu') return { backend: await createCpuBackend(init), note: 'cpu (asked for)' };
  try {
    // loaded only when asked for: it brings Dawn into the process
    const { createWebgpuBackend } = await import('./webgpu/backend.ts');
    const backend = await createWebgpuBackend(init);
    return { backend, note: choice === 'auto' ? `webgpu (auto: an adapter answered: ${backend.device})` : `webgpu (asked for: ${backend.device})` };
  } catch (e) {
    if (choice === 'webgpu' || !(e instanceof BackendUnavailable)) throw e;
    return { backend: await createCpuBackend(init), note: `cpu (auto: webgpu unavailable: ${e.message})` };
  }
}

/** Software rasterizers answer as WebGPU adapters but run dense kernels far slower than the cpu backend. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software|cpu/i;

/**
 * The device for dense kernels (baselines): cpu, or a WebGPU device. `auto` takes webgpu only on a
 * hardware adapter: on SwiftShader a 784² Gram matrix takes ~56 s against ~0.3 s on the cpu.
 */
/** The caller releases `gpu` when present, also when kind is 'cpu'. */
export async function selectDevice(choice: BackendChoice): Promise<{ kind: 'cpu' | 'webgpu'; gpu?: Gpu; note: string }> {
  if (choice === 'cpu') return { kind: 'cpu', note: 'cpu (asked for)' };
  let gpu: Gpu;
  try {
    const { acquireGpu } = await import('./webgpu/device.ts');
    gpu = await acquireGpu();
  } catch (e) {
    if (choice === 'webgpu' || !(e instanceof BackendUnavailable)) throw e;
    return { kind: 'cpu', note: `cpu (auto: webgpu unavailable: ${e.message})` };
  }
  if (choice === 'auto' && SOFTWARE_ADAPTER.test(gpu.adapterInfo)) {
    // Kept, and released by the caller at the end: destroying the device while the cpu kernels'
    // worker threads ran has aborted the process (glibc __pthread_tpp_change_priority, 2 of 3 runs).
    return { kind: 'cpu', gpu, note: `cpu (auto: the WebGPU adapter is a software rasterizer: ${gpu.adapterInfo}; --backend webgpu forces it)` };
  }
  return { kind: 'webgpu', gpu, note: choice === 'auto' ? `webgpu (auto: hardware adapter ${gpu.adapterInfo})` : `webgpu (asked for: ${gpu.adapterInfo})` };
}
