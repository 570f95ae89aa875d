// Running a network on one backend and comparing its state with the cpu reference: what every
// parity file (tests/parity, tests/rules) does, written once.
import { expect } from 'vitest';
import type { Backend, BackendInit, NetworkState, Recording } from '../../sim/backend.ts';
import { inputSize } from '../../sim/tensor.ts';
import { type BackendKind, createBackend, relErr, samples } from './fixtures.ts';

/** Backends compared with the reference (cpu, 1 thread). */
export const KINDS: { kind: BackendKind; exact: boolean }[] = [
  { kind: 'cpu2', exact: true },
  { kind: 'webgpu', exact: false },
];

export const ONE_STEP_TOL = 1e-5;
/**
 * 100 plastic steps: the cpu evaluates each expression in f64 and rounds to f32 only when storing,
 * webgpu rounds every operation to f32 and may contract or reassociate (fma, sums). Each step's
 * difference (~1e-7 relative) feeds the next step through the activities and the weights, so it
 * accumulates with run length instead of staying at the one-step level; with a rule that is not
 * contracting (or near a soma threshold) it is amplified. Measured here (SwiftShader) for the
 * main suite's Oja run: about 1e-7 for a, v and w; for the run with k-WTA and softmax groups
 * (winners kept well apart: k-WTA is discontinuous, a near-tie could flip) about 1e-8 for a, v, w
 * and 3e-6 for θ (the only θ that moves is the softmax layer's, by small homeostatic steps).
 * 1e-4 leaves margin for other f32 hardware while any semantic difference (wrong buffer, order of plasticity vs gather) shows up at 1e-2 or more.
 */
export const LONG_RUN_TOL = 1e-4;

export interface SimResult {
  state: NetworkState;
  recording: Recording;
  /** firstBadStep of each chunk (−1: all finite). */
  bad: number[];
  device: string;
}

/** Runs `chunks` (steps per call) of the shared random samples and reads everything back. */
export async function simulate(kind: BackendKind, init: BackendInit, chunks: number[], seed = 1): Promise<SimResult> {
  const b: Backend = await createBackend(kind, init);
  try {
    const nIn = inputSize(init.tensor);
    const bad: number[] = [];
    for (const [i, T] of chunks.entries()) bad.push((await b.run(T, samples(T, nIn, seed + i))).firstBadStep);
    return { state: await b.readState(), recording: await b.readRecording(), bad, device: b.device };
  } finally {
    await b.dispose();
  }
}

export function bitEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.every((v, i) => v === y[i]);
}

export type StateField = 'a' | 'v' | 'w' | 'theta' | 'slots' | 'terms';

/**
 * Asserts `out` equals `ref` bit for bit (exact) or within `tol` relative error on each field, the
 * same non-finite steps and the same recording; returns the relative errors.
 */
export function compareStates(out: SimResult, ref: SimResult, fields: readonly StateField[], exact: boolean, tol: number): Record<string, number> {
  const errs: Record<string, number> = {};
  for (const f of fields) {
    if (exact) expect(bitEqual(out.state[f], ref.state[f]), `${f} bit-identical`).toBe(true);
    else {
      errs[f] = relErr(out.state[f], ref.state[f]);
      expect(errs[f], `relative error of ${f}`).toBeLessThan(tol);
    }
  }
  expect(out.bad).toEqual(ref.bad);
  expect(out.recording.steps).toEqual(ref.recording.steps);
  if (exact) expect(bitEqual(out.recording.frames, ref.recording.frames), 'recording bit-identical').toBe(true);
  else expect(relErr(out.recording.frames, ref.recording.frames), 'recording').toBeLessThan(tol);
  return errs;
}

/** The cpu (1 thread) reference per key, computed once per file. */
export function referenceCache(): (key: string, init: () => BackendInit, chunks: number[]) => Promise<SimResult> {
  const refs = new Map<string, Promise<SimResult>>();
  return (key, init, chunks) => {
    if (!refs.has(key)) refs.set(key, simulate('cpu', init(), chunks));
    return refs.get(key)!;
  };
}

/** compareStates on `fields`, after checking the reference itself stayed finite. */
export function finiteCompare(fields: readonly StateField[]): (out: SimResult, ref: SimResult, exact: boolean, tol: number) => Record<string, number> {
  return (out, ref, exact, tol) => {
    expect(ref.bad.every((b) => b === -1), 'no NaN/Inf').toBe(true);
    return compareStates(out, ref, fields, exact, tol);
  };
}
