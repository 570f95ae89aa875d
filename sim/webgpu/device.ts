// One WebGPU device per process: Dawn (the `webgpu` package) in Node, `navigator.gpu` in a browser.
import { BackendUnavailable } from '../backend.ts';

export interface Gpu {
  device: GPUDevice;
  /** Human-readable adapter description (vendor, architecture, device). */
  adapterInfo: string;
  /** Drop one reference; the device is destroyed (and Node may exit) when the last one is released. */
  release(): void;
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

interface Cached {
  device: GPUDevice;
  adapterInfo: string;
  refs: number;
  /** Destroyed by the last release(); a late acquirer must open a new device. */
  dead: boolean;
  /** Node only: the object returned by `create()`; Node does not exit while it is referenced. */
  gpu: GPU | null;
}
let cached: Promise<Cached> | null = null;
let globalsInstalled = false;

function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

async function nodeGpu(): Promise<GPU> {
  const fs = await import('node:fs');
  // Dawn reads these at the first create(); defaults make SwiftShader work without a hardware GPU.
  if (!process.env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = (await import('node:os')).tmpdir();
  let mod: { create(o: string[]): GPU; globals: object };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (e) {
    throw new BackendUnavailable(`webgpu: cannot load the 'webgpu' package (${(e as Error).message})`);
  }
  if (!globalsInstalled) {
    // GPUBufferUsage, GPUShaderStage, ... are globals in browsers; Dawn exports them separately.
    for (const [k, v] of Object.entries(mod.globals)) {
      if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
    }
    globalsInstalled = true;
  }
  return mod.create([]);
}

function describe(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'webgpu';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.length > 0);
  return parts.length ? [...new Set(parts)].join(' ') : 'webgpu (unknown adapter)';
}

async function open(): Promise<Cached> {
  let gpu: GPU | null = null;
  let nodeGpuObj: GPU | null = null;
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) gpu = nav.gpu;
  else if (isNode()) gpu = nodeGpuObj = await nodeGpu();
  else throw new BackendUnavailable('webgpu: this browser has no navigator.gpu');
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new BackendUnavailable(
      'webgpu: no WebGPU adapter (is chromium installed for SwiftShader, and VK_ICD_FILENAMES / XDG_RUNTIME_DIR set? see sim/webgpu/README.md)',
    );
  }
  // The default 128 MiB binding limit is too small for large tensors: take what the adapter offers.
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  device.lost.then((i) => {
    if (i.reason !== 'destroyed') console.error(`webgpu: device lost: ${i.message}`);
  });
  return { device, adapterInfo: describe(adapter.info), refs: 0, dead: false, gpu: nodeGpuObj };
}

/** The process's WebGPU device; throws BackendUnavailable with the reason when there is none. */
export async function acquireGpu(): Promise<Gpu> {
  if (!cached) {
    cached = open();
    cached.catch(() => (cached = null));
  }
  const c = await cached;
  if (c.dead) return acquireGpu();
  c.refs++;
  let released = false;
  return {
    device: c.device,
    adapterInfo: c.adapterInfo,
    release() {
      if (released) return;
      released = true;
      if (--c.refs === 0) {
        cached = null;
        c.dead = true;
        c.device.destroy();
        c.gpu = null;
      }
    },
  };
}
