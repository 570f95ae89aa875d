// How much `springtail run --live` slows a run with one viewer connected (issue 12: < 10 % at the
// default decimation). Runs the same config with and without --live, alternating, each in its own
// process; the viewer is a node ws client in this process that decodes every frame. Reports step_s
// (time inside backend.run) and loop_s (the whole stepping loop: total_s − build_s − backend_s,
// which is where live work happens) from summary.json, and the slowdowns.
//
//   npx tsx bench/live-overhead.ts [--preset small] [--reps 3] [--backend cpu|webgpu] [--json]
//
// small: quickstart for 200,000 steps in chunks of 50 (65 neurons, fast steps: the most chunk
// boundaries, so the most frames and socket service, per second of stepping).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { decodeFrame } from '../viz/protocol.ts';

const ROOT = join(import.meta.dirname, '..');

export const PRESETS = {
  small: ['configs/quickstart.json', '--set', 'steps=200000', '--set', 'logEvery=50000', '--set', 'record.every=1000'],
} as const;

export interface Measured {
  live: boolean;
  step_s: number;
  loop_s: number;
  /** Time the run itself counted as live work (summary timings.live_s). */
  live_s: number;
  /** Frames the viewer received and decoded. */
  frames: number;
}

/** One run of the CLI; with `live`, a viewer connects as soon as the URL is printed. */
export function measure(args: readonly string[], out: string, live: boolean): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/springtail.js', 'run', ...args, '--out', out, '--force', ...(live ? ['--live'] : [])], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let frames = 0;
    let viewer: WebSocket | undefined;
    child.stderr.on('data', (d) => {
      err += d;
      const m = /live: (http:\/\/[^/\s]+)\//.exec(err);
      if (!m || viewer) return;
      viewer = new WebSocket(`${m[1].replace('http:', 'ws:')}/live`);
      viewer.binaryType = 'arraybuffer';
      viewer.on('message', (data, isBinary) => {
        if (!isBinary) return;
        const f = decodeFrame(data as ArrayBuffer);
        if (typeof f === 'string') reject(new Error(`bad frame: ${f}`));
        else frames++;
      });
      viewer.on('error', (e) => reject(e));
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`springtail run exited ${code}: ${err.slice(-2000)}`));
      if (live && !viewer) return reject(new Error('no live URL on stderr'));
      const t = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { timings: Record<string, number> }).timings;
      resolve({ live, step_s: t.step_s, loop_s: t.total_s - t.build_s - t.backend_s, live_s: t.live_s ?? 0, frames });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { preset: { type: 'string', default: 'small' }, reps: { type: 'string', default: '3' }, backend: { type: 'string', default: 'cpu' }, json: { type: 'boolean', default: false } } });
  const preset = values.preset as keyof typeof PRESETS;
  if (!(preset in PRESETS)) throw new Error(`--preset: ${values.preset}, expected ${Object.keys(PRESETS).join(' | ')}`);
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps: ${values.reps}, expected an integer >= 1`);
  const args = [...PRESETS[preset], '--backend', values.backend];
  const dir = mkdtempSync(join(tmpdir(), 'springtail-live-bench-'));
  const rows: Measured[] = [];
  try {
    for (let r = 0; r < reps; r++) {
      // alternate which goes first, so drift in the machine's load does not favour one side
      for (const live of r % 2 ? [true, false] : [false, true]) {
        const m = await measure(args, join(dir, live ? 'live' : 'plain'), live);
        rows.push(m);
        process.stderr.write(`rep ${r + 1} ${live ? 'live ' : 'plain'}: step_s ${m.step_s.toFixed(3)} loop_s ${m.loop_s.toFixed(3)} live_s ${m.live_s.toFixed(3)} frames ${m.frames}\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // this machine may be shared: a run slowed by someone else's work says nothing about --live. The
  // figure is the median over reps of live/plain for the two runs of a rep (back to back, so under
  // about the same load); the fastest run of each side and the medians are shown beside it, and
  // live_share is the run's own account of its live work (timings.live_s / loop_s).
  const of = (live: boolean, k: 'step_s' | 'loop_s' | 'live_s' | 'frames') => rows.filter((m) => m.live === live).map((m) => m[k]);
  const paired = (k: 'step_s' | 'loop_s') => 100 * (median(Array.from({ length: reps }, (_, r) => of(true, k)[r] / of(false, k)[r])) - 1);
  const min = (xs: number[]) => Math.min(...xs);
  const result = {
    preset,
    backend: values.backend,
    reps,
    plain: { step_s: median(of(false, 'step_s')), loop_s: median(of(false, 'loop_s')) },
    live: { step_s: median(of(true, 'step_s')), loop_s: median(of(true, 'loop_s')), frames: median(of(true, 'frames')) },
    slowdown_step_pct: paired('step_s'),
    slowdown_loop_pct: paired('loop_s'),
    fastest_slowdown_loop_pct: 100 * (min(of(true, 'loop_s')) / min(of(false, 'loop_s')) - 1),
    live_share_pct: 100 * median(rows.filter((m) => m.live).map((m) => m.live_s / m.loop_s)),
  };
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    const f = (x: number) => x.toFixed(3);
    const p = (x: number) => `${x.toFixed(1)} %`;
    process.stdout.write(
      `live overhead, preset ${preset} on ${values.backend}, ${reps} reps (medians):\n` +
        `  plain: step_s ${f(result.plain.step_s)}  loop_s ${f(result.plain.loop_s)}\n` +
        `  live : step_s ${f(result.live.step_s)}  loop_s ${f(result.live.loop_s)}  (${result.live.frames} frames received)\n` +
        `  slowdown (median of paired reps): loop_s ${p(result.slowdown_loop_pct)}, step_s ${p(result.slowdown_step_pct)}; fastest runs: loop_s ${p(result.fastest_slowdown_loop_pct)}\n` +
        `  live work: ${p(result.live_share_pct)} of the live runs' loop (timings.live_s)\n`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
