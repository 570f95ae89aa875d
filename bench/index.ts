// `springtail bench` (SPEC §10): throughput of each workload on each backend, against the
// roofline from the machine's measured memory bandwidth. See bench/README.md.
import type { Backend, BackendInit } from '../sim/backend.ts';
import { BackendUnavailable } from '../sim/backend.ts';
import { createCpuBackend } from '../sim/cpu/backend.ts';
import type { SynapseTensor } from '../sim/tensor.ts';
import { type BandwidthOptions, type BandwidthResult, measureBandwidth } from './bandwidth.ts';
import { buildWorkload, WORKLOAD_NAMES, WORKLOAD_PLASTICITY, WORKLOADS, type WorkloadName, workloadRule } from './workloads.ts';

export type BenchBackend = 'cpu' | 'webgpu';

export interface BenchOptions {
  workload?: WorkloadName;
  backend: BenchBackend | 'all';
  json: boolean;
  /** Timed steps per repetition (default 20). */
  steps?: number;
  /** cpu worker threads (default: the backend's own choice, all cores for these sizes). */
  threads?: number;
}

/** One (workload, backend) measurement; the JSON line has these fields in this order. */
export interface BenchResult {
  workload: WorkloadName;
  backend: BenchBackend;
  synapse_steps_per_s: number;
  bytes_per_synapse_step: number;
  bandwidth_gbs: number;
  roofline_share: number;
  device: string;
  /** Best repetition's wall time for `steps` steps, result back on the host. */
  seconds: number;
}

export interface BenchSkip {
  workload: WorkloadName;
  backend: BenchBackend;
  reason: string;
  /** true: the backend is not available here (not an error); false: it failed. */
  unavailable: boolean;
}

export interface RunBenchOptions extends Omit<BenchOptions, 'json'> {
  /** Repetitions timed per (workload, backend); the best counts (default 3). */
  repetitions?: number;
  /** Untimed steps before the timed repetitions (default 2). */
  warmup?: number;
  /** Passed to measureBandwidth (tests use a small buffer). */
  bandwidth?: BandwidthOptions;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Called as soon as each measurement is done. */
  onResult?: (r: BenchResult) => void;
  onSkip?: (s: BenchSkip) => void;
}

/**
 * Bytes per synapse-step each backend's fused pass moves: u32 index + f32 weight read, f32 weight
 * written (12 B). Step t's plasticity is applied in step t+1's gather, so there is one pass over
 * the synapses per step; the activity gather hits cache and is not counted. SPEC §10's two-pass
 * minimal model is 20 B (`SPEC_BYTES_PER_SYNAPSE_STEP`).
 */
export const BYTES_PER_SYNAPSE_STEP: Record<BenchBackend, number> = { cpu: 12, webgpu: 12 };
export const SPEC_BYTES_PER_SYNAPSE_STEP = 20;

export const DEFAULT_STEPS = 20;

/** Runs the selected workloads on the selected backends; never throws for one backend's failure. */
export async function runBench(opts: RunBenchOptions): Promise<{ results: BenchResult[]; skipped: BenchSkip[]; bandwidth: BandwidthResult | null }> {
  const log = opts.log ?? (() => {});
  const steps = opts.steps ?? DEFAULT_STEPS;
  const reps = opts.repetitions ?? 3;
  const warmup = opts.warmup ?? 2;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`bench: steps must be an integer >= 1, got ${steps}`);
  const workloads = opts.workload ? [opts.workload] : [...WORKLOAD_NAMES];
  const backends: BenchBackend[] = opts.backend === 'all' ? ['cpu', 'webgpu'] : [opts.backend];
  const results: BenchResult[] = [];
  const skipped: BenchSkip[] = [];
  const skip = (s: BenchSkip) => {
    skipped.push(s);
    opts.onSkip?.(s);
  };

  // The WebGPU device is held for the whole bench so every workload shares it; released last so
  // Dawn lets the process exit.
  let gpu: { release(): void } | null = null;
  let gpuUnavailable: string | null = null;
  let createWebgpu: ((init: BackendInit) => Promise<Backend>) | null = null;
  if (backends.includes('webgpu')) {
    try {
      const { acquireGpu } = await import('../sim/webgpu/device.ts');
      gpu = await acquireGpu();
      createWebgpu = (await import('../sim/webgpu/backend.ts')).createWebgpuBackend;
    } catch (e) {
      if (!(e instanceof BackendUnavailable)) throw e;
      gpuUnavailable = e.message;
    }
  }

  try {
    let bandwidth: BandwidthResult | null = null;
    const rule = workloadRule();
    for (const name of workloads) {
      const wl = WORKLOADS[name];
      const runnable = backends.filter((b) => {
        if (b === 'webgpu' && gpuUnavailable !== null) {
          skip({ workload: name, backend: b, reason: gpuUnavailable, unavailable: true });
          return false;
        }
        return true;
      });
      if (runnable.length === 0) continue;
      if (!bandwidth) {
        log(`bench: measuring memory bandwidth (${opts.bandwidth?.threads ?? 'all'} threads)...`);
        bandwidth = await measureBandwidth(opts.bandwidth);
        log(`bench: bandwidth ${bandwidth.gbs.toFixed(1)} GB/s, ${bandwidth.threads} thread(s), ${bandwidth.method}`);
      }
      log(`bench: ${name} (${wl.description}, ${wl.synapses.toExponential(2)} synapses): building the tensor...`);
      const tensor: SynapseTensor = buildWorkload(wl);
      for (const b of runnable) {
        const init: BackendInit = {
          tensor,
          rule,
          plasticity: WORKLOAD_PLASTICITY,
          maxChunk: Math.max(steps, warmup),
          ...(b === 'cpu' && opts.threads !== undefined ? { threads: opts.threads } : {}),
        };
        let backend: Backend;
        try {
          backend = b === 'cpu' ? await createCpuBackend(init) : await createWebgpu!(init);
        } catch (e) {
          skip({ workload: name, backend: b, reason: (e as Error).message, unavailable: e instanceof BackendUnavailable });
          continue;
        }
        try {
          const none = new Float32Array(0);
          log(`bench: ${name} ${b} (${backend.device}): ${warmup} warm-up steps, then best of ${reps} × ${steps} steps`);
          if (warmup > 0) await backend.run(warmup, none);
          let best = Infinity;
          for (let r = 0; r < reps; r++) {
            const t0 = performance.now();
            const res = await backend.run(steps, none);
            const sec = (performance.now() - t0) / 1000;
            if (res.firstBadStep >= 0) log(`bench: ${name} ${b}: warning: non-finite state at step ${res.firstBadStep}`);
            log(`bench: ${name} ${b}: repetition ${r + 1}/${reps}: ${sec.toFixed(3)} s, ${((wl.synapses * steps) / sec).toExponential(3)} synapse-steps/s`);
            best = Math.min(best, sec);
          }
          const achieved = (wl.synapses * steps) / best;
          const bytes = BYTES_PER_SYNAPSE_STEP[b];
          const result: BenchResult = {
            workload: name,
            backend: b,
            synapse_steps_per_s: achieved,
            bytes_per_synapse_step: bytes,
            bandwidth_gbs: bandwidth.gbs,
            roofline_share: achieved / ((bandwidth.gbs * 1e9) / bytes),
            device: backend.device,
            seconds: best,
          };
          results.push(result);
          opts.onResult?.(result);
        } catch (e) {
          skip({ workload: name, backend: b, reason: (e as Error).message, unavailable: false });
        } finally {
          await backend.dispose();
        }
      }
    }
    return { results, skipped, bandwidth };
  } finally {
    gpu?.release();
  }
}

const COLUMNS = ['workload', 'backend', 'device', 'synapse-steps/s', 'B/syn-step', 'GB/s', 'roofline share', 'seconds'] as const;

function row(r: BenchResult): string[] {
  return [
    r.workload,
    r.backend,
    r.device,
    r.synapse_steps_per_s.toExponential(3),
    String(r.bytes_per_synapse_step),
    r.bandwidth_gbs.toFixed(1),
    `${(100 * r.roofline_share).toFixed(1)} %`,
    r.seconds.toFixed(3),
  ];
}

/** The stdout table (header, rule, one line per result). */
export function formatTable(results: BenchResult[]): string {
  const rows = [[...COLUMNS], ...results.map(row)];
  const width = COLUMNS.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((s, c) => (c < 3 ? s.padEnd(width[c]) : s.padStart(width[c]))).join('  ').trimEnd();
  return [line(rows[0]), width.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n') + '\n';
}

/** One JSON line per result, fields in the documented order. */
export function jsonLine(r: BenchResult): string {
  const { workload, backend, synapse_steps_per_s, bytes_per_synapse_step, bandwidth_gbs, roofline_share, device, seconds } = r;
  return JSON.stringify({ workload, backend, synapse_steps_per_s, bytes_per_synapse_step, bandwidth_gbs, roofline_share, device, seconds }) + '\n';
}

export async function benchCommand(opts: BenchOptions): Promise<void> {
  const err = (s: string) => process.stderr.write(s + '\n');
  const { results, skipped } = await runBench({
    ...opts,
    log: err,
    onResult: (r) => {
      if (opts.json) process.stdout.write(jsonLine(r));
    },
    onSkip: (s) => err(`bench: ${s.workload} ${s.backend}: ${s.unavailable ? 'skipped' : 'failed'}: ${s.reason}`),
  });
  if (!opts.json && results.length) {
    process.stdout.write(formatTable(results));
    process.stdout.write(`(roofline share = synapse-steps/s ÷ (bandwidth / bytes per synapse-step); see bench/README.md)\n`);
  }
  if (skipped.some((s) => !s.unavailable)) process.exitCode = 1;
  else if (results.length === 0) {
    err('bench: nothing was measured');
    process.exitCode = 1;
  }
}
