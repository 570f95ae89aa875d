// The live stream of `springtail run --live`: a WebSocket endpoint at /live on the viz server that
// sends a `hello`, then binary activity frames (../protocol.ts), then `end`. Nothing a client sends
// can stop it: unknown, malformed or binary messages are dropped and counted, an oversized one
// closes only that connection (ws: 1009), a slow client misses frames instead of queueing them.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { type LiveMessage, MAX_CLIENT_MESSAGE_BYTES } from '../protocol.ts';
import type { VizServer } from './serve.ts';

export const LIVE_PATH = '/live';
/** A client with more than this queued (bytes not yet taken by its socket) misses frames until it catches up. */
export const MAX_QUEUED_BYTES = 1 << 20;
/** Default pacing: frames per second at most, and the largest share of the run's time frames may take. */
export const MAX_FPS = 20;
export const MAX_SHARE = 0.05;

export type Hello = Extract<LiveMessage, { type: 'hello' }>;
export type End = Extract<LiveMessage, { type: 'end' }>;

export interface LiveStats {
  /** Frames handed to a client's socket. */
  sent: number;
  /** Frames a slow client missed. */
  skipped: number;
  /** Client messages dropped: not small JSON of a known shape (binary, malformed, unknown). */
  dropped: number;
  /** Connections the ws library closed on a protocol error (oversized message: 1009, bad UTF-8: 1007). */
  closedOnError: number;
  /** Upgrades refused (another site's Origin, a Host this server does not answer to, a path other than /live). */
  refused: number;
}

/**
 * Why a WebSocket upgrade is refused, or null. A browser always sends Origin with a WebSocket
 * handshake and lets any page open one, so without this a page of another site could read the
 * stream; the Host must be one the viz server answers to (its allowsHost: a loopback server only
 * loopback names, against DNS rebinding). Clients that are not browsers send no Origin.
 */
export function refusal(req: IncomingMessage, allowsHost: (host: string) => boolean): string | null {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowsHost(host)) return `Host ${JSON.stringify(host)} is not this server`;
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return `Origin ${JSON.stringify(origin)} is not a URL`;
  }
  if (url.protocol !== 'http:' || url.host !== host) return `Origin ${JSON.stringify(origin)} is not this server (${host})`;
  return null;
}

/** The one message a client may send: `{"type":"hello"}` asks for the hello (and `end`, once sent) again. */
function isHello(text: string): boolean {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return false;
  }
  return typeof m === 'object' && m !== null && !Array.isArray(m) && Object.keys(m).length === 1 && (m as { type?: unknown }).type === 'hello';
}

export class LiveHub {
  readonly stats: LiveStats = { sent: 0, skipped: 0, dropped: 0, closedOnError: 0, refused: 0 };
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  private ended: End | null = null;

  constructor(
    private readonly viz: Pick<VizServer, 'server' | 'allowsHost'>,
    private readonly hello: Hello,
  ) {
    this.wss.on('connection', (ws) => this.welcome(ws));
    viz.server.on('upgrade', this.upgrade);
  }

  private readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?')[0];
    const why = path === LIVE_PATH ? refusal(req, this.viz.allowsHost) : `no WebSocket at ${JSON.stringify(path)} (only ${LIVE_PATH})`;
    if (why) {
      this.stats.refused++;
      const status = path === LIVE_PATH ? '403 Forbidden' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${why}\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  };

  private welcome(ws: WebSocket): void {
    // without a listener an 'error' (oversized message, bad UTF-8) would be thrown: ws closes that connection itself
    ws.on('error', () => this.stats.closedOnError++);
    ws.on('message', (data, isBinary) => {
      if (isBinary || !isHello(String(data))) {
        this.stats.dropped++;
        return;
      }
      this.greet(ws);
    });
    this.greet(ws);
  }

  private greet(ws: WebSocket): void {
    ws.send(JSON.stringify(this.hello));
    if (this.ended) ws.send(JSON.stringify(this.ended));
  }

  /** Whether anyone is watching (the run reads no activity otherwise). */
  hasClients(): boolean {
    for (const ws of this.wss.clients) if (ws.readyState === WebSocket.OPEN) return true;
    return false;
  }

  /** Sends one encoded frame to every client that has room for it; returns how many got it. */
  broadcast(frame: Uint8Array): number {
    let n = 0;
    for (const ws of this.wss.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount > MAX_QUEUED_BYTES) {
        this.stats.skipped++;
        continue;
      }
      ws.send(frame, { binary: true });
      n++;
    }
    this.stats.sent += n;
    return n;
  }

  /** The run is over: tells every client (and any that connects later). */
  end(msg: End): void {
    this.ended = msg;
    const text = JSON.stringify(msg);
    for (const ws of this.wss.clients) if (ws.readyState === WebSocket.OPEN) ws.send(text);
  }

  /** Closes every connection (1001, after what is queued) and stops accepting new ones. */
  async close(): Promise<void> {
    this.viz.server.off('upgrade', this.upgrade);
    const closed = [...this.wss.clients].map((ws) => new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve();
      ws.once('close', () => resolve());
      ws.close(1001, 'run ended');
      // a client that never answers the close handshake
      setTimeout(() => ws.terminate(), 2000).unref();
    }));
    await Promise.all(closed);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/**
 * When the run takes a live frame (between chunks; the chunk size never changes): a client is
 * connected, `every` steps passed since the last frame, at most `maxFps` frames a second, and the
 * frames so far took at most `share` of the run's time, so the slowdown stays under that share
 * whatever a frame costs on this backend and network.
 */
export class FramePacer {
  private lastStep = -Infinity;
  private lastAt = -Infinity;
  private spent = 0;

  constructor(
    readonly every: number,
    private readonly start: number,
    readonly maxFps = MAX_FPS,
    readonly share = MAX_SHARE,
  ) {}

  /** `now` in seconds, on the clock `start` was read from. */
  due(step: number, now: number): boolean {
    return step - this.lastStep >= this.every && now - this.lastAt >= 1 / this.maxFps && this.spent <= this.share * (now - this.start);
  }

  /** The frame of `step` was read and sent from `from` to `to` (seconds). */
  took(step: number, from: number, to: number): void {
    this.lastStep = step;
    this.lastAt = from;
    this.spent += to - from;
  }

  /** Seconds spent on frames. */
  get seconds(): number {
    return this.spent;
  }
}
