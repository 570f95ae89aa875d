// The live stream: the /live WebSocket of the real viz server (node ws clients: hello, frames
// decode, bad client messages dropped while the stream goes on, an oversized one closes only its
// own connection, slow clients miss frames, other sites' pages refused), the real
// `springtail run --live` (same run directory as without it, port in use, flags), and the live
// panel in real Chromium updating while a run streams.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { decodeFrame, encodeFrame, type LiveFrame, type LiveMessage, MAX_CLIENT_MESSAGE_BYTES } from '../../viz/protocol.ts';
import { ensureBundle } from '../../viz/server/bundle.ts';
import { type Hello, LiveHub, MAX_QUEUED_BYTES } from '../../viz/server/live.ts';
import { startVizServer, type VizServer } from '../../viz/server/serve.ts';
import { ROOT, springtail } from '../spawn-cli.ts';
import { browserMissing, launch, pageErrors, pixelDiff, REQUIRE_BROWSER, shotOf } from './browser.ts';

/** Luminance variance of a drawn network over the dark background (a blank canvas is ~0). */
// A quickstart frame is mostly dark: 1 in 8 bars is on, and the hidden unit (~2.8) sets the auto
// colour range, so the inputs sit low on viridis (measured variance 5 on such a frame). A blank
// canvas has variance 0 and one colour: the floor and the colour count below still catch it.
const FLOOR = 2;
const HELLO: Hello = { type: 'hello', run: 'r', layout: 'network.json', steps: 100, every: 1, dtype: 'u8' };

/** A node ws client that keeps everything it receives. */
class Client {
  readonly ws: WebSocket;
  readonly texts: LiveMessage[] = [];
  readonly frames: LiveFrame[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.binaryType = 'arraybuffer';
    this.ws.on('message', (data, isBinary) => {
      if (!isBinary) return void this.texts.push(JSON.parse(String(data)) as LiveMessage);
      const f = decodeFrame(data as ArrayBuffer);
      if (typeof f === 'string') throw new Error(f);
      this.frames.push(f);
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => resolve(code)));
    this.ws.on('error', () => {}); // a refused or closed connection is what some tests expect
  }
  /** Waits until `ok()` holds (polling), or fails after `ms`. */
  async until(ok: () => boolean, what: string, ms = 10_000): Promise<void> {
    const t0 = Date.now();
    while (!ok()) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** The status the server answered a refused upgrade with. */
function refusedStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error(`upgrade with ${JSON.stringify(headers)} was accepted`)));
    ws.on('error', () => {});
  });
}

describe('the /live WebSocket of the viz server', () => {
  let server: VizServer;
  let hub: LiveHub;
  let url: string;
  let origin: string;

  beforeAll(async () => {
    server = await startVizServer({ root: mkdtempSync(join(tmpdir(), 'springtail-live-')) });
    hub = new LiveHub(server, HELLO);
    origin = server.url.replace(/\/$/, '');
    url = `${origin.replace('http:', 'ws:')}/live`;
  });
  afterAll(async () => {
    await hub?.close();
    await server?.close();
  });

  const frameOf = (step: number, n = 50) => Float32Array.from({ length: n }, (_, i) => Math.sin(step + i));

  test('hello on connect, then binary frames that decode to the activity sent', async () => {
    expect(hub.hasClients()).toBe(false);
    const c = new Client(url, { Origin: origin });
    await c.until(() => c.texts.length > 0, 'hello');
    expect(c.texts[0]).toEqual(HELLO);
    expect(hub.hasClients()).toBe(true);
    for (let s = 1; s <= 5; s++) expect(hub.broadcast(encodeFrame(s, frameOf(s), 'u8'))).toBe(1);
    await c.until(() => c.frames.length === 5, '5 frames');
    for (const [k, f] of c.frames.entries()) {
      expect(f.step).toBe(k + 1);
      const want = frameOf(k + 1);
      // u8: within half a quantisation step of the frame's range (2/255)
      for (let i = 0; i < want.length; i++) expect(Math.abs(f.activity[i] - want[i])).toBeLessThanOrEqual(1 / 255 + 1e-6);
    }
    c.ws.close();
    await c.closed;
    await c.until(() => !hub.hasClients(), 'no clients');
  });

  test('malformed, binary and unknown client messages are dropped and the stream goes on', async () => {
    const c = new Client(url);
    await c.until(() => c.texts.length === 1, 'hello');
    const before = hub.stats.dropped;
    const junk: (string | Buffer)[] = ['not json', '{"type":"hello"', '[]', 'null', '42', '{"type":"pause"}', '{"type":"hello","x":1}', '{"type":["hello"]}', 'x'.repeat(MAX_CLIENT_MESSAGE_BYTES), Buffer.from([1, 2, 3]), Buffer.from('{"type":"hello"}')];
    for (const m of junk) c.ws.send(m, { binary: Buffer.isBuffer(m) });
    // the one known message is answered, after the junk: every junk message was read by then
    c.ws.send('{"type":"hello"}');
    await c.until(() => c.texts.length === 2, 'the hello asked for');
    expect(c.texts[1]).toEqual(HELLO);
    expect(hub.stats.dropped - before).toBe(junk.length);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    hub.broadcast(encodeFrame(7, frameOf(7), 'u8'));
    await c.until(() => c.frames.length === 1, 'a frame after the junk');
    expect(c.frames[0].step).toBe(7);
    c.ws.close();
    await c.closed;
  });

  test('an oversized message closes that connection (1009); other clients, new ones and the server go on', async () => {
    const bad = new Client(url);
    const other = new Client(url);
    await bad.until(() => bad.texts.length === 1 && other.texts.length === 1, 'hellos');
    const errors = hub.stats.closedOnError;
    bad.ws.send('x'.repeat(MAX_CLIENT_MESSAGE_BYTES + 1));
    expect(await bad.closed).toBe(1009);
    await bad.until(() => hub.stats.closedOnError === errors + 1, 'the server to count it');
    hub.broadcast(encodeFrame(8, frameOf(8), 'u8'));
    await other.until(() => other.frames.length === 1, 'a frame for the other client');
    // the same viewer reconnects: hello and frames again
    const again = new Client(url);
    await again.until(() => again.texts.length === 1, 'hello after reconnect');
    hub.broadcast(encodeFrame(9, frameOf(9), 'u8'));
    await again.until(() => again.frames.length === 1 && other.frames.length === 2, 'frames after reconnect');
    expect(again.frames[0].step).toBe(9);
    // and HTTP is still served
    expect((await fetch(`${origin}/api/runs`)).status).toBe(200);
    for (const c of [other, again]) c.ws.close();
    await Promise.all([other.closed, again.closed]);
  });

  test('a client that does not read misses frames instead of queueing them without bound', async () => {
    const slow = new Client(url);
    await slow.until(() => slow.texts.length === 1, 'hello');
    slow.ws.pause(); // stops reading its socket: the kernel buffers fill, then ws's queue would grow
    const big = new Float32Array(256 * 1024).map((_, i) => i % 7);
    const skipped = hub.stats.skipped;
    const sent = 200; // 200 × 256 KiB: 50 MiB if nothing were dropped
    for (let s = 0; s < sent; s++) {
      hub.broadcast(encodeFrame(s, big, 'u8'));
      await new Promise((r) => setImmediate(r));
    }
    const missed = hub.stats.skipped - skipped;
    expect(missed).toBeGreaterThan(0);
    // what got through is what fits in the socket buffers plus at most MAX_QUEUED_BYTES queued
    expect(((sent - missed) * big.length) / 2 ** 20).toBeLessThan(MAX_QUEUED_BYTES / 2 ** 20 + 32);
    slow.ws.resume();
    await slow.until(() => slow.frames.length === sent - missed, 'the frames that were queued');
    expect(slow.frames.every((f) => f.activity.length === big.length)).toBe(true);
    slow.ws.close();
    await slow.closed;
  });

  test("refuses another site's page, a rebound host name and other paths", async () => {
    const port = new URL(origin).port;
    const refused = hub.stats.refused;
    expect(await refusedStatus(url, { Origin: 'http://evil.example' })).toBe(403);
    expect(await refusedStatus(url, { Origin: `http://evil.example:${port}` })).toBe(403);
    expect(await refusedStatus(url, { Origin: 'null' })).toBe(403);
    expect(await refusedStatus(url, { Origin: `https://127.0.0.1:${port}` })).toBe(403);
    // DNS rebinding: another site's name resolved to 127.0.0.1, Origin and Host both that name
    expect(await refusedStatus(url, { Origin: `http://evil.example:${port}`, Host: `evil.example:${port}` })).toBe(403);
    expect(await refusedStatus(`${origin.replace('http:', 'ws:')}/files/x`, {})).toBe(404);
    expect(hub.stats.refused - refused).toBe(6);
    // the server's own names are accepted
    for (const o of [origin, `http://localhost:${port}`]) {
      const c = new Client(url, { Origin: o, Host: new URL(o).host });
      await c.opened;
      c.ws.close();
      await c.closed;
    }
  });

  test('end reaches connected clients and later ones; close ends every connection', async () => {
    const c = new Client(url);
    await c.until(() => c.texts.length === 1, 'hello');
    hub.end({ type: 'end', steps: 100, diverged: false });
    await c.until(() => c.texts.length === 2, 'end');
    expect(c.texts[1]).toEqual({ type: 'end', steps: 100, diverged: false });
    const late = new Client(url);
    await late.until(() => late.texts.length === 2, 'hello and end');
    expect(late.texts.map((m) => m.type)).toEqual(['hello', 'end']);
    await hub.close();
    expect(await c.closed).toBe(1001);
    expect(await late.closed).toBe(1001);
  });
});

/** `springtail run ... --live` in a child process; `url` resolves with the live URL it prints. */
function liveRun(args: string[]): { child: ChildProcess; url: Promise<string>; stderr: () => string; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, ['bin/springtail.js', 'run', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let found: (u: string) => void;
  const url = new Promise<string>((resolve) => (found = resolve));
  child.stderr!.on('data', (d) => {
    stderr += d;
    const m = /live: (http:\/\/\S+)\n/.exec(stderr);
    if (m) found(m[1]);
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return { child, url, stderr: () => stderr, done };
}

/** Quickstart long enough to stream for a few seconds (~65 neurons, stepping fast). */
const LONG = ['configs/quickstart.json', '--backend', 'cpu', '--set', 'steps=200000', '--set', 'logEvery=50000', '--set', 'record.every=1000', '--set', 'record.capacity=200'];

describe('springtail run --live', () => {
  test('streams frames while it runs and writes the same run directory as without --live', async () => {
    const base = mkdtempSync(join(tmpdir(), 'springtail-live-run-'));
    const run = liveRun([...LONG, '--out', join(base, 'live'), '--live']);
    const pageUrl = await run.url;
    expect(pageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#\/live\/live$/);
    const c = new Client(`${pageUrl.split('/#')[0].replace('http:', 'ws:')}/live`);
    const { code, stderr } = await run.done;
    expect(code, stderr).toBe(0);
    await c.closed;
    expect(c.texts[0]).toMatchObject({ type: 'hello', run: 'live', layout: 'network.json', steps: 200000, dtype: 'u8' });
    expect(c.texts.at(-1)).toEqual({ type: 'end', steps: 200000, diverged: false });
    // frames came, in step order, of the whole network (65 neurons)
    expect(c.frames.length).toBeGreaterThan(1);
    expect(c.frames.every((f, i) => f.activity.length === 65 && (i === 0 || f.step > c.frames[i - 1].step))).toBe(true);

    const plain = await springtail(['run', ...LONG, '--out', join(base, 'plain')]);
    expect(plain.code, plain.stderr).toBe(0);
    const read = (run: string, f: string) => readFileSync(join(base, run, f));
    const summary = (run: string) => JSON.parse(read(run, 'summary.json').toString()) as { metrics: unknown; rates: unknown; steps: number; timings: Record<string, number> };
    expect(summary('live').metrics).toEqual(summary('plain').metrics);
    expect(summary('live').rates).toEqual(summary('plain').rates);
    expect(summary('live').timings.live_s).toBeGreaterThan(0);
    for (const f of ['metrics.jsonl', 'recording.f32', 'recording.json', 'network.json']) expect(read('live', f).equals(read('plain', f)), f).toBe(true);
  });

  test('--live-hold serves the finished run until Ctrl-C, then exits 0', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'springtail-live-hold-')), 'held');
    const run = liveRun(['configs/quickstart.json', '--backend', 'cpu', '--out', out, '--live', '--live-hold']);
    const origin = (await run.url).split('/#')[0];
    await expect.poll(run.stderr, { timeout: 60_000 }).toContain('still serving');
    const summary = await fetch(`${origin}/files/held/summary.json`);
    expect(summary.status).toBe(200);
    expect(((await summary.json()) as { steps: number }).steps).toBe(3000);
    run.child.kill('SIGINT');
    expect((await run.done).code).toBe(0);
  });

  test('a port in use exits 2 naming it, before writing anything', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const out = join(mkdtempSync(join(tmpdir(), 'springtail-live-port-')), 'run');
      const r = await springtail(['run', 'configs/quickstart.json', '--backend', 'cpu', '--out', out, '--live', '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`port ${port}`);
      expect(r.stderr).not.toMatch(/\.(ts|js):\d+:\d+/); // no stack trace
      expect(existsSync(out)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  test.each([
    [['--port', '8080'], '--port'],
    [['--live-every', '5'], '--live-every'],
    [['--live-hold'], '--live-hold'],
    [['--live', '--live-every', '0'], '--live-every'],
    [['--live', '--port', '70000'], '--port'],
  ])('flags %j are refused (exit 2, naming %s)', async (flags, named) => {
    const r = await springtail(['run', 'configs/quickstart.json', '--backend', 'cpu', '--out', join(tmpdir(), 'springtail-never'), ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(named);
  });

  test('--live on a comparison config is refused (exit 2)', async () => {
    const r = await springtail(['run', 'configs/compare-circles.json', '--out', join(tmpdir(), 'springtail-never'), '--live']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--live');
  });
});

const missing = browserMissing();
if (missing && REQUIRE_BROWSER) throw new Error(`browser tests required here: ${missing}`);

describe.skipIf(missing !== null)('the live panel in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    await ensureBundle();
    browser = await launch();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });

  test('its step and canvas change while a real run streams', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'springtail-live-page-')), 'stream');
    const run = liveRun([...LONG, '--set', 'steps=2000000', '--set', 'logEvery=500000', '--out', out, '--live']);
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
      const errors = pageErrors(page);
      await page.goto(await run.url);
      const panel = '[data-panel="live"]';
      await page.waitForSelector(`${panel}[data-ready="1"], ${panel}[data-error]`, { timeout: 60_000 });
      expect(await page.getAttribute(panel, 'data-error')).toBeNull();
      const canvas = `${panel} [data-panel="activity"] .st-act-view canvas`;
      // ready comes with the layout; the colours come with the first frame (slower on a loaded machine)
      await page.waitForSelector(`${panel}[data-step]`, { timeout: 30_000 });
      await page.waitForTimeout(300);
      const step1 = Number(await page.getAttribute(panel, 'data-step'));
      const first = await shotOf(page, canvas, FLOOR);
      expect(first.stats.colours).toBeGreaterThan(4);
      const shot1 = first.png;
      await expect.poll(async () => Number(await page.getAttribute(panel, 'data-step')), { timeout: 30_000 }).toBeGreaterThan(step1);
      // the bars stimulus changes every step: another frame, other colours
      let diff = 0;
      for (let k = 0; k < 20 && diff === 0; k++) {
        await page.waitForTimeout(200);
        diff = pixelDiff(shot1, (await shotOf(page, canvas, FLOOR)).png);
      }
      expect(diff).toBeGreaterThan(0);
      expect(await page.textContent(`${panel} .st-live-rate`)).toMatch(/^[1-9]\d* frames\/s$/);
      expect(errors).toEqual([]);
    } finally {
      run.child.kill('SIGINT');
      await run.done;
    }
  });
});
