// The 3D activity panel's frame rate at 100,000 neurons (issue 12 item 2): a synthetic simulation run
// directory served by the real viz server, opened in headless Chromium, playback on at the fastest
// speed (a new frame uploaded every display frame), fps() read from the panel after it settles.
// Run: npx tsx bench/viz-fps.ts [--neurons N] [--frames F] [--fan-in K] [--seconds S] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { makeRunDir, writeFileAtomic, writeJsonAtomic } from '../bin/fsutil.ts';
import { browserMissing, launch } from '../tests/viz/browser.ts';
import { ensureBundle } from '../viz/server/bundle.ts';
import { startVizServer } from '../viz/server/serve.ts';
import type { LayoutGroup, NetworkLayout, RecordingInfo } from '../viz/protocol.ts';

export interface SyntheticRun {
  neurons: number;
  frames: number;
  fanIn: number;
}

function bytes(a: Float32Array | Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * A simulation run directory at `dir` with four layers (a 2-D input sheet, two 3-D blocks, an
 * output sheet), `fanIn` random synapses per non-input neuron from the layer before, and a
 * recording of a wave travelling through the volume, so every frame colours differently.
 */
export function writeSyntheticRun(dir: string, { neurons, frames, fanIn }: SyntheticRun): void {
  makeRunDir({ name: 'viz-fps', kind: 'simulation', out: dir });
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const sizes = [0.1, 0.4, 0.4].map((f) => Math.floor(f * neurons));
  sizes.push(neurons - sizes.reduce((a, b) => a + b, 0));
  const names = ['in', 'hid1', 'hid2', 'out'];
  const roles: LayoutGroup['role'][] = ['input', 'hidden', 'hidden', 'output'];
  const groups: LayoutGroup[] = [];
  const pos = new Float32Array(3 * neurons);
  let start = 0;
  sizes.forEach((count, l) => {
    groups.push({ name: names[l], organism: 0, role: roles[l], start, count });
    const sheet = l === 0 || l === 3;
    const side = Math.ceil(sheet ? Math.sqrt(count) : Math.cbrt(count));
    for (let k = 0; k < count; k++) {
      const i = start + k;
      const a = k % side;
      const b = Math.floor(k / side) % side;
      const c = sheet ? 0 : Math.floor(k / (side * side));
      pos[3 * i] = a / side - 0.5 + 0.2 * (rand() - 0.5) / side;
      pos[3 * i + 1] = b / side - 0.5 + 0.2 * (rand() - 0.5) / side;
      pos[3 * i + 2] = l * 1.2 + (sheet ? 0 : c / side) - 1.8;
    }
    start += count;
  });

  const incomingStart = new Uint32Array(neurons + 1);
  const S = (neurons - sizes[0]) * fanIn;
  const pre = new Uint32Array(S);
  const w = new Float32Array(S);
  let s = 0;
  for (let l = 0; l < groups.length; l++) {
    const g = groups[l];
    for (let i = g.start; i < g.start + g.count; i++) {
      incomingStart[i] = s;
      if (l === 0) continue;
      const from = groups[l - 1];
      for (let k = 0; k < fanIn; k++, s++) {
        pre[s] = from.start + Math.floor(rand() * from.count);
        w[s] = (rand() < 0.8 ? 1 : -1) * rand() * 0.3;
      }
    }
  }
  incomingStart[neurons] = s;

  const rec = new Float32Array(frames * neurons);
  const steps: number[] = [];
  for (let f = 0; f < frames; f++) {
    steps.push((f + 1) * 10);
    const phase = (2 * Math.PI * f) / frames;
    for (let i = 0; i < neurons; i++) rec[f * neurons + i] = 0.5 + 0.5 * Math.sin(4 * pos[3 * i] + 3 * pos[3 * i + 2] - phase) * Math.cos(5 * pos[3 * i + 1] + phase);
  }

  const files = { pos: 'network.pos.f32', incomingStart: 'network.incoming-start.u32', pre: 'network.pre.u32', w: 'network.w.f32' };
  writeFileAtomic(join(dir, files.pos), bytes(pos));
  writeFileAtomic(join(dir, files.incomingStart), bytes(incomingStart));
  writeFileAtomic(join(dir, files.pre), bytes(pre));
  writeFileAtomic(join(dir, files.w), bytes(w));
  const layout: NetworkLayout = { format: 'springtail-layout/1', neurons, organisms: 1, groups, synapses: S, weights: 'final', files };
  writeJsonAtomic(join(dir, 'network.json'), layout);
  writeFileAtomic(join(dir, 'recording.f32'), bytes(rec));
  const info: RecordingInfo = { neurons, frames, steps, file: 'recording.f32', dtype: 'float32', layout: 'frames x neurons' };
  writeJsonAtomic(join(dir, 'recording.json'), info);
}

/** Where `three` resolves from for the bare page's bundle. */
const REPO = join(import.meta.dirname, '..');

// strings, not functions: tsx's name-keeping helper (__name) does not exist in the page
const RAF_RATE = `new Promise((done) => { let n = 0; const t0 = performance.now();
  const f = () => { n++; if (performance.now() - t0 < 2000) requestAnimationFrame(f); else done(n / ((performance.now() - t0) / 1000)); };
  requestAnimationFrame(f); })`;
const RENDERER = `(() => { const gl = document.createElement('canvas').getContext('webgl2');
  const ext = gl && gl.getExtension('WEBGL_debug_renderer_info');
  return gl ? (ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : 'no WebGL2'; })()`;

// The ceiling of this renderer for the same number of points: one bare THREE.Points (PointsMaterial,
// a colour attribute rewritten and uploaded every frame), the size of the panel's 3D view.
const BARE_POINTS = `
import * as THREE from 'three';
const [N, W, H] = window.__bare;
const renderer = new THREE.WebGLRenderer({ preserveDrawingBuffer: true });
renderer.setSize(W, H);
document.body.append(renderer.domElement);
const camera = new THREE.PerspectiveCamera(45, W / H, 0.1, 100);
camera.position.set(0, 0, 2.5);
const pos = new Float32Array(3 * N).map(() => Math.random() - 0.5);
const colour = new THREE.BufferAttribute(new Float32Array(3 * N), 3).setUsage(THREE.DynamicDrawUsage);
const g = new THREE.BufferGeometry().setAttribute('position', new THREE.BufferAttribute(pos, 3)).setAttribute('color', colour);
const scene = new THREE.Scene().add(new THREE.Points(g, new THREE.PointsMaterial({ size: 3, sizeAttenuation: false, vertexColors: true })));
let frames = 0;
const t0 = performance.now();
const tick = () => {
  const c = colour.array;
  for (let i = 0; i < c.length; i++) c[i] = (i + frames) % 7 / 7;
  colour.needsUpdate = true;
  renderer.render(scene, camera);
  frames++;
  if (performance.now() - t0 < 4000) requestAnimationFrame(tick);
  else window.__bareFps = frames / ((performance.now() - t0) / 1000);
};
requestAnimationFrame(tick);
`;

async function barePointsFps(browser: Browser, neurons: number, width: number, height: number): Promise<number> {
  const out = await build({ stdin: { contents: BARE_POINTS, resolveDir: REPO, loader: 'js' }, bundle: true, format: 'iife', write: false, logLevel: 'silent' });
  const page = await browser.newPage({ viewport: { width: width + 16, height: height + 16 } });
  await page.setContent('<body style="margin:0"></body>');
  await page.evaluate(`window.__bare = ${JSON.stringify([neurons, width, height])}`);
  await page.addScriptTag({ content: out.outputFiles[0].text });
  await page.waitForFunction('window.__bareFps !== undefined', undefined, { timeout: 60_000 });
  const fps = (await page.evaluate('window.__bareFps')) as number;
  await page.close();
  return fps;
}

export interface FpsResult {
  neurons: number;
  synapses: number;
  frames: number;
  viewport: string;
  /** Median of the panel's fps() readings while playing. */
  fps: number;
  frame_ms: number;
  readings: number[];
  /** requestAnimationFrame rate of the same page before playback: the browser's ceiling here. */
  idle_raf_hz: number;
  renderer: string;
  load_s: number;
  /** The same number of points in a bare three.js page, the panel's view size: this renderer's ceiling. */
  bare_points_fps: number;
  view: string;
}

export async function measureFps(opts: SyntheticRun & { seconds: number; width: number; height: number }): Promise<FpsResult> {
  const root = mkdtempSync(join(tmpdir(), 'springtail-viz-fps-'));
  const run = 'viz-fps';
  try {
    writeSyntheticRun(join(root, run), opts);
    await ensureBundle();
    const server = await startVizServer({ root, port: 0 });
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: opts.width, height: opts.height } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const t0 = performance.now();
      await page.goto(`${server.url}#/run/${encodeURIComponent(run)}`);
      await page.waitForSelector('[data-panel="activity"][data-ready="1"], [data-panel="activity"][data-error]', { timeout: 120_000 });
      const failed = await page.getAttribute('[data-panel="activity"]', 'data-error');
      if (failed) throw new Error(`the panel failed: ${failed}`);
      const load = (performance.now() - t0) / 1000;
      const idle = (await page.evaluate(RAF_RATE)) as number;
      const renderer = (await page.evaluate(RENDERER)) as string;
      const view = (await page.evaluate(`(() => { const c = document.querySelector('[data-panel="activity"] .st-act-view canvas'); return [c.clientWidth, c.clientHeight]; })()`)) as [number, number];
      await page.selectOption('[data-panel="activity"] select[aria-label="playback speed"]', '60');
      await page.click('[data-panel="activity"] button[title="play / pause"]');
      await page.waitForTimeout(2000);
      const readings: number[] = [];
      const until = performance.now() + opts.seconds * 1000;
      while (performance.now() < until) {
        await page.waitForTimeout(1000);
        readings.push((await page.evaluate('window.__springtail.activity.fps()')) as number);
      }
      if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
      await page.close();
      const bare = await barePointsFps(browser, opts.neurons, view[0], view[1]);
      const sorted = [...readings].sort((a, b) => a - b);
      const fps = sorted[Math.floor(sorted.length / 2)];
      const S = (opts.neurons - Math.floor(0.1 * opts.neurons)) * opts.fanIn;
      return { neurons: opts.neurons, synapses: S, frames: opts.frames, viewport: `${opts.width}x${opts.height}`, fps, frame_ms: fps > 0 ? 1000 / fps : Infinity, readings, idle_raf_hz: idle, renderer, load_s: load, bare_points_fps: bare, view: `${view[0]}x${view[1]}` };
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      neurons: { type: 'string', default: '100000' },
      frames: { type: 'string', default: '50' },
      'fan-in': { type: 'string', default: '10' },
      seconds: { type: 'string', default: '5' },
      width: { type: 'string', default: '1280' },
      height: { type: 'string', default: '800' },
      json: { type: 'boolean', default: false },
    },
  });
  const num = (name: keyof typeof values, min: number) => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v < min) {
      process.stderr.write(`--${name} must be an integer ≥ ${min}, got ${values[name]}\n`);
      process.exit(2);
    }
    return v;
  };
  const opts = { neurons: num('neurons', 2), frames: num('frames', 2), fanIn: num('fan-in', 0), seconds: num('seconds', 1), width: num('width', 64), height: num('height', 64) };
  const missing = browserMissing();
  if (missing) {
    process.stderr.write(`viz-fps: ${missing}\n`);
    process.exit(1);
  }
  const r = await measureFps(opts);
  if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else
    process.stdout.write(
      [
        `neurons     ${r.neurons} (${r.synapses} synapses in the layout, ${r.frames} recorded frames)`,
        `viewport    ${r.viewport} CSS px (3D view ${r.view})`,
        `fps         ${r.fps} (median of ${r.readings.join(', ')}; playback uploading a new frame each draw)`,
        `frame time  ${r.frame_ms.toFixed(1)} ms`,
        `idle rAF    ${r.idle_raf_hz.toFixed(1)} Hz (the same page before playback)`,
        `bare Points ${r.bare_points_fps.toFixed(1)} fps (${r.neurons} points in a bare three.js page, the view's size: this renderer's ceiling)`,
        `renderer    ${r.renderer}`,
        `load        ${r.load_s.toFixed(1)} s to the first frame`,
        '',
      ].join('\n'),
    );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
