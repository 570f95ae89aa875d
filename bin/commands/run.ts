// `springtail run`: config → tensor + compiled rule → backend → chunks of fused steps, with
// metrics at log points, a divergence guard and a run directory (SPEC §9).
import { join } from 'node:path';
import { BackendUnavailable, DeviceLimit, type NetworkState } from '../../sim/backend.ts';
import { fromLayers } from '../../sim/build.ts';
import { compileRule, RuleError } from '../../sim/compiler/compile.ts';
import { createBackend } from '../../sim/select.ts';
import { inputSize, neuronCount, synapseCount, tensorBytes } from '../../sim/tensor.ts';
import { layerRates, makeProbe, probeMetrics } from '../../tasks/probe.ts';
import { makeStimulus } from '../../tasks/stimulus.ts';
import { ruleDef, type Config } from '../config/schema.ts';
import { RunFailure, UserError } from '../errors.ts';
import { appendLine, checkRunDir, makeRunDir, writeFileAtomic, writeJsonAtomic } from '../fsutil.ts';
import { writeLayout } from '../layout.ts';
import { vizHint } from '../hint.ts';
import { createProgress } from '../progress.ts';
import { type LiveOptions, LiveRun, liveRoot } from './live.ts';

export interface RunOptions {
  out?: string;
  /** Replace the springtail run directory at `out`. */
  force?: boolean;
  /** Don't print the final table (tests). */
  quiet?: boolean;
  /** Stream activity to the viz server's live view while running (bin/commands/live.ts). */
  live?: LiveOptions;
}

export interface RunSummary {
  backend: string;
  seed: number;
  steps: number;
  diverged: boolean;
  metrics: Record<string, number>;
  /** Mean activity of each non-input layer over every recorded frame (absent without a recording). */
  rates?: Record<string, number>;
  timings: Record<string, number>;
  device: string;
  network: Record<string, number>;
  divergence?: { step: number; rule: string; message: string };
}

export async function runCommand(config: Config, opts: RunOptions): Promise<RunSummary> {
  const clock = () => performance.now() / 1000;
  const t0 = clock();
  const dirOpts = { name: config.name, kind: 'simulation', out: opts.out, force: opts.force } as const;
  checkRunDir(dirOpts);
  const def = ruleDef(config);
  let rule;
  try {
    rule = compileRule(def, config.rule.params);
  } catch (e) {
    if (e instanceof RuleError) throw new UserError(`rule: ${e.message}`);
    throw e;
  }
  let tensor;
  try {
    tensor = fromLayers(config.network, config.seed);
  } catch (e) {
    throw new UserError(`network: ${(e as Error).message}`);
  }
  const stim = makeStimulus(config.stimulus, config.seed);
  if (stim.dim !== inputSize(tensor)) throw new UserError(`stimulus has ${stim.dim} values per sample but the network has ${inputSize(tensor)} inputs`);
  const probe = makeProbe(stim);
  const layerNames = config.network.layers.map((l) => l.name);
  const tBuild = clock();

  const chunk = Math.min(config.chunk, config.logEvery, config.steps);
  let created;
  try {
    created = await createBackend(config.backend, {
      tensor,
      rule,
      plasticity: { ...config.plasticity, wMin: config.plasticity.wMin ?? -Infinity, wMax: config.plasticity.wMax ?? Infinity },
      record: config.record,
      maxChunk: chunk,
    });
  } catch (e) {
    // what the estimate let through but this device's own limits do not hold is the config's size: exit 2
    if (e instanceof DeviceLimit && e.mostFrames !== undefined && config.record) {
      throw new UserError('invalid config: 1 problem', [{ path: 'record.capacity', value: config.record.capacity, expected: `integer <= ${e.mostFrames} on this device (${e.message})` }]);
    }
    if (e instanceof DeviceLimit) throw new UserError(`the network does not fit on this device: ${e.message} (use a smaller network, or --backend cpu)`);
    if (e instanceof BackendUnavailable) throw new RunFailure(`backend ${config.backend}: ${e.message}`);
    throw e;
  }
  const { backend, note } = created;
  const tBackend = clock();

  // disposed on every path: the cpu backend's worker threads would otherwise keep the process alive
  let live: LiveRun | undefined;
  try {
    if (opts.live) live = await LiveRun.start(opts.live, liveRoot(opts.out), clock);
    const dir = makeRunDir(dirOpts);
    writeJsonAtomic(join(dir, 'config.json'), config);
    const metricsPath = join(dir, 'metrics.jsonl');
    writeFileAtomic(metricsPath, '');
    // initial weights first, so a live view of the run has the network before the last step
    writeLayout(dir, 'network', tensor, layerNames, 'initial');
    process.stderr.write(`${config.name}: backend ${note}; ${neuronCount(tensor)} neurons, ${synapseCount(tensor)} synapses; writing ${dir}\n`);

    live?.open(dir, config.steps);
    const progress = createProgress(config.steps, config.name);
    const inputs = new Float32Array(chunk * stim.dim);
    let t = 0;
    let metrics: Record<string, number> = {};
    let divergence: RunSummary['divergence'];
    let stepSeconds = 0;
    // the state of the last log point: the final layout reuses it when no step came after
    let logged: { t: number; state: NetworkState } | undefined;
    const log = async () => {
      const state = await backend.readState();
      logged = { t, state };
      metrics = probeMetrics(tensor, state, probe, layerNames);
      appendLine(metricsPath, JSON.stringify({ step: t, ...metrics }));
      progress.update(t, { recon: metrics.recon_mse ?? NaN });
    };
    try {
      await log();
      while (t < config.steps) {
        const T = Math.min(chunk, config.steps - t, config.logEvery - (t % config.logEvery));
        const view = inputs.subarray(0, T * stim.dim);
        stim.fill(view, t, T);
        const s0 = clock();
        const { firstBadStep } = await backend.run(T, view);
        stepSeconds += clock() - s0;
        if (firstBadStep >= 0) {
          const message = `diverged at step ${firstBadStep}: non-finite activity or weight under rule '${rule.name}' (${Object.entries(rule.params).map(([k, v]) => `${k}=${v}`).join(', ')})`;
          divergence = { step: firstBadStep, rule: rule.name, message };
          t = firstBadStep;
          break;
        }
        t += T;
        if (t % config.logEvery === 0 || t === config.steps) await log();
        await live?.frame(t, () => backend.readActivity());
      }
    } finally {
      progress.stop();
    }
    live?.end({ type: 'end', steps: t, diverged: divergence !== undefined });

    const final = logged?.t === t ? logged.state : await backend.readState();
    writeLayout(dir, 'network', tensor, layerNames, 'final', final.w);
    const rec = await backend.readRecording();
    if (rec.steps.length) {
      writeFileAtomic(join(dir, 'recording.f32'), rec.frames);
      writeJsonAtomic(join(dir, 'recording.json'), { neurons: neuronCount(tensor), frames: rec.steps.length, steps: rec.steps, file: 'recording.f32', dtype: 'float32', layout: 'frames x neurons' });
    }
    const tEnd = clock();
    const summary: RunSummary = {
      backend: backend.name,
      seed: config.seed,
      steps: t,
      diverged: divergence !== undefined,
      metrics,
      ...(rec.steps.length ? { rates: layerRates(tensor, layerNames, rec.frames) } : {}),
      timings: {
        build_s: tBuild - t0,
        backend_s: tBackend - tBuild,
        step_s: stepSeconds,
        total_s: tEnd - t0,
        synapse_steps_per_s: stepSeconds > 0 ? (synapseCount(tensor) * t) / stepSeconds : 0,
        ...(live ? { live_s: live.seconds } : {}),
      },
      device: backend.device,
      network: {
        organisms: tensor.organisms,
        neurons: neuronCount(tensor),
        synapses: synapseCount(tensor),
        tensor_bytes: tensorBytes(tensor),
        backend_bytes: backend.memoryBytes(),
      },
      ...(divergence ? { divergence } : {}),
    };
    writeJsonAtomic(join(dir, 'summary.json'), summary);
    if (divergence) throw new RunFailure(`${divergence.message}; run directory ${dir} keeps the metrics up to the last good log point`);
    if (!opts.quiet) {
      const rows = Object.entries(metrics).map(([k, v]) => `  ${k.padEnd(12)} ${v.toPrecision(6)}`);
      process.stdout.write(`${config.name}: ${t} steps on ${backend.name} in ${summary.timings.step_s.toFixed(2)} s\n${rows.join('\n')}\nrun directory: ${dir}\n${vizHint(dir)}`);
    }
    await live?.hold();
    return summary;
  } finally {
    await live?.close();
    await backend.dispose();
  }
}
