// `--backend cpu|webgpu|auto`: auto takes webgpu when an adapter answers, else cpu, and says why.
import { type Backend, type BackendInit, BackendUnavailable } from './backend.ts';
import { createCpuBackend } from './cpu/backend.ts';

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
