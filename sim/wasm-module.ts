// binaryen module plumbing shared by every generated WebAssembly kernel: SIMD on one imported
// shared memory (worker threads see the same bytes), validated and optimised the same way.
import binaryen from 'binaryen';

/** A module importing `env.memory`: shared, `initial`..`maximum` 64 KiB pages. */
export function sharedMemoryModule(initial: number, maximum: number): binaryen.Module {
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.Atomics | binaryen.Features.BulkMemory | binaryen.Features.MutableGlobals | binaryen.Features.SIMD128);
  m.setMemory(initial, maximum, null, [], true);
  m.addMemoryImport('0', 'env', 'memory', true);
  return m;
}

/** Validates, optimises (-O3) and emits the module, then frees it. */
export function emitOptimized(m: binaryen.Module, what: string): Uint8Array {
  if (!m.validate()) throw new Error(`${what} failed validation`);
  binaryen.setOptimizeLevel(3);
  binaryen.setShrinkLevel(0);
  m.optimize();
  const bin = m.emitBinary();
  m.dispose();
  return bin;
}
