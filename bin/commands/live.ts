// `springtail run --live`: the viz server and its /live stream beside a simulation run. Frames
// are read between chunks only while someone watches, paced by FramePacer; the run's chunks,
// results and run directory are those of the same run without --live.
import { basename, dirname, resolve } from 'node:path';
import { encodeFrame } from '../../viz/protocol.ts';
import { type End, FramePacer, LiveHub } from '../../viz/server/live.ts';
import { PortInUse, startVizServer, type VizServer } from '../../viz/server/serve.ts';
import { UserError } from '../errors.ts';
import { untilSignal } from '../signal.ts';

/** Longest stretch of stepping without serving the viz server's sockets. */
const YIELD_S = 0.05;

export interface LiveOptions {
  /** 0 or absent: any free port. */
  port?: number;
  /** At least this many steps between frames. */
  every: number;
  /** Keep serving after the run ends, until Ctrl-C (to look at the finished run). */
  hold: boolean;
}

/** The directory served: the one holding the run directory (`runs/` by default). */
export function liveRoot(out: string | undefined): string {
  return out === undefined ? resolve('runs') : dirname(resolve(out));
}

export class LiveRun {
  /** Both set by open(), once the run directory exists. */
  private hub: LiveHub | null = null;
  private pacer: FramePacer | null = null;
  private yielded = -Infinity;
  private serving = 0;

  private constructor(
    private readonly viz: VizServer,
    private readonly opts: LiveOptions,
    private readonly clock: () => number,
  ) {}

  /** Binds the port first, so a port in use exits 2 before the run directory exists. */
  static async start(opts: LiveOptions, root: string, clock: () => number): Promise<LiveRun> {
    try {
      return new LiveRun(await startVizServer({ root, port: opts.port ?? 0 }), opts, clock);
    } catch (e) {
      if (e instanceof PortInUse) throw new UserError('invalid flag', [{ path: '--port', value: opts.port, expected: 'a free port (or 0 for any)', message: `${e.message}; give another --port, or --port 0 for any free one` }]);
      throw e;
    }
  }

  /** The run directory exists: accept viewers and print where to look. */
  open(dir: string, steps: number): void {
    const run = basename(resolve(dir));
    this.hub = new LiveHub(this.viz, { type: 'hello', run, layout: 'network.json', steps, every: this.opts.every, dtype: 'u8' });
    this.pacer = new FramePacer(this.opts.every, this.clock());
    process.stderr.write(`live: ${this.viz.url}#/live/${encodeURIComponent(run)}\n`);
  }

  /** After a chunk: streams the activity after `step` when someone watches and a frame is due. */
  async frame(step: number, read: () => Promise<Float32Array>): Promise<void> {
    const from = this.clock();
    // the cpu backend on the main thread steps without ever returning to the event loop: let the
    // server accept connections and flush sockets now and then
    if (from - this.yielded >= YIELD_S) {
      this.yielded = from;
      await new Promise((resolve) => setImmediate(resolve));
      this.serving += this.clock() - from;
    }
    const at = this.clock();
    if (!this.hub || !this.pacer || !this.hub.hasClients() || !this.pacer.due(step, at)) return;
    this.hub.broadcast(encodeFrame(step, await read(), 'u8'));
    this.pacer.took(step, at, this.clock());
  }

  /** Seconds the run spent on live work: frames, and serving the sockets between chunks. */
  get seconds(): number {
    return (this.pacer?.seconds ?? 0) + this.serving;
  }

  end(msg: End): void {
    this.hub?.end(msg);
  }

  /** With --live-hold: serves on until Ctrl-C. */
  async hold(): Promise<void> {
    if (!this.opts.hold) return;
    process.stderr.write(`live: the run ended; still serving ${this.viz.url} (Ctrl-C to stop)\n`);
    await untilSignal();
  }

  async close(): Promise<void> {
    await this.hub?.close();
    await this.viz.close();
  }
}
