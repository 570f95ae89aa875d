// What a comparison run needs from a method (issue 3 §4): fit on a task's train split, then map
// samples to codes (and back, where the method can) so tasks/metrics.ts scores every method alike.
import type { Gpu } from '../../sim/webgpu/device.ts';

export type BackendName = 'cpu' | 'webgpu';

export interface FitContext {
  seed: number;
  backend: BackendName;
  /** Present when backend is 'webgpu'. */
  gpu?: Gpu;
  /** Called as work advances (e.g. per epoch); `label` names the phase. */
  progress?: (done: number, total: number, label: string) => void;
  /** A learning-curve point (e.g. {epoch, train_sse}); the CLI appends it to the run's metrics.jsonl. */
  curve?: (point: Record<string, number>) => void;
}

export interface Fitted {
  /** Dimension of a code. */
  codeDim: number;
  /** Codes (count × codeDim, row-major) of samples x (count × task.dim). */
  encode(x: Float32Array, count: number): Promise<Float32Array | Float64Array>;
  /** Reconstructions (count × task.dim) from codes; absent when the method has no decoder (UMAP). */
  decode?(codes: Float32Array | Float64Array, count: number): Promise<Float32Array | Float64Array>;
  /** Extra figures the method reports next to the metrics (e.g. final training loss). */
  info?: Record<string, number | string>;
  /** Frees backend resources (GPU buffers). */
  dispose?(): void;
}
