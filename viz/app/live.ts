// The live view of `springtail run --live` (#/live/<run>): the activity panel fed by the server's
// /live WebSocket instead of a recording, with the connection's status, the current step and the
// frames received per second. Reconnects while the run goes on; stops once it has ended.
import { decodeFrame, type LiveMessage } from '../protocol.ts';
import { type ActivityPanel, activityPanel } from './activity/panel.ts';
import { h } from './activity/dom.ts';
import type { DataSource } from './data.ts';
import { markReady, type Panel } from './panel.ts';

const RECONNECT_MS = 1000;

/** `window.__springtail.live`: what the browser tests read. */
export interface LiveHook {
  /** Frames received and shown. */
  frames(): number;
  /** 'connecting' | 'streaming' | 'ended' | 'disconnected' | an error. */
  state(): string;
}

export function livePanel(src: DataSource): Panel {
  return new LiveView(src);
}

class LiveView implements Panel {
  readonly title = 'Live';
  readonly wide = true;
  private readonly root = h('div', { 'data-panel': 'live' });
  private readonly stateEl = h('span', { class: 'st-live-state' });
  private readonly stepEl = h('span', { class: 'st-live-step' });
  private readonly rateEl = h('span', { class: 'st-live-rate' });
  private readonly body = h('div');
  private activity: ActivityPanel | null = null;
  /** The activity panel has drawn the network: data-ready once a frame is shown too (or the run ended). */
  private mounted = false;
  private ws: WebSocket | null = null;
  private state = 'connecting';
  private hello: Extract<LiveMessage, { type: 'hello' }> | null = null;
  private ended = false;
  private received = 0;
  /** Arrival times (ms) of the frames of the last second. */
  private arrivals: number[] = [];
  private timers: number[] = [];
  private disposed = false;

  constructor(private readonly src: DataSource) {}

  async mount(el: HTMLElement): Promise<void> {
    const bar = h('div', { class: 'st-live-bar', style: 'display:flex;gap:16px;padding:4px 8px;font:12px system-ui,sans-serif' }, this.stateEl, this.stepEl, this.rateEl);
    this.root.append(bar, this.body);
    el.append(this.root);
    const hook: LiveHook = { frames: () => this.received, state: () => this.state };
    const w = window as unknown as { __springtail?: Record<string, unknown> };
    (w.__springtail ??= {}).live = hook;
    this.timers.push(window.setInterval(() => this.showRate(), 500));
    this.connect();
  }

  private setState(s: string): void {
    this.state = s;
    this.stateEl.textContent = s;
  }

  private connect(): void {
    if (this.disposed) return;
    this.setState('connecting');
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live`);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onmessage = (e: MessageEvent) => {
      if (typeof e.data === 'string') void this.text(e.data);
      else this.frame(e.data as ArrayBuffer);
    };
    ws.onclose = () => {
      if (this.disposed || this.ended) return;
      this.setState('disconnected');
      this.timers.push(window.setTimeout(() => this.connect(), RECONNECT_MS));
    };
  }

  private async text(data: string): Promise<void> {
    let msg: LiveMessage;
    try {
      msg = JSON.parse(data) as LiveMessage;
    } catch {
      return; // not ours to fail on: the next frame still comes
    }
    if (msg.type === 'end') {
      this.ended = true;
      this.setState(msg.diverged ? `ended: diverged at step ${msg.steps}` : `ended after ${msg.steps} steps`);
      if (this.mounted) this.ready();
      return;
    }
    if (msg.type !== 'hello') return;
    if (msg.run !== this.src.run) {
      // another run streams on this server: this page's run is over
      this.fail(`this server streams run ${msg.run}, not ${this.src.run}`);
      return;
    }
    this.hello = msg;
    this.setState('streaming');
    if (this.activity) return; // a reconnect: the panel goes on
    this.activity = activityPanel(this.src, { layout: msg.layout, title: 'live' });
    try {
      await this.activity.mount(this.body);
    } catch (e) {
      this.fail((e as Error).message);
      return;
    }
    this.mounted = true;
    if (this.received > 0 || this.ended) this.ready();
  }

  private frame(buf: ArrayBuffer): void {
    const f = decodeFrame(buf);
    if (typeof f === 'string' || !this.activity) return;
    this.activity.pushFrame(f.step, f.activity);
    this.received++;
    this.arrivals.push(performance.now());
    this.root.dataset.step = String(f.step);
    this.stepEl.textContent = `step ${f.step}${this.hello ? ` / ${this.hello.steps}` : ''}`;
    if (this.mounted) this.ready();
  }

  private showRate(): void {
    const now = performance.now();
    this.arrivals = this.arrivals.filter((t) => now - t < 1000);
    this.rateEl.textContent = `${this.arrivals.length} frames/s`;
  }

  private ready(): void {
    if (this.root.dataset.ready !== '1') markReady(this.root);
  }

  private fail(message: string): void {
    this.setState(message);
    this.root.dataset.error = message;
    this.ended = true;
    this.ws?.close();
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.ws?.close();
    this.activity?.dispose();
  }
}
