// The 3D activity panel (issue 12 item 2): neurons at their positions coloured by activity, playback
// over a recording or a live stream's recent frames, layer/organism filters, an orbit camera, and a
// clicked neuron's incoming synapses, weight histogram and activity trace.
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { NetworkLayout, RecordingInfo } from '../../protocol.ts';
import type { DataSource } from '../data.ts';
import { markReady, type Panel } from '../panel.ts';
import { drawHistogram, drawLegend, drawTrace } from './charts.ts';
import { DIVERGING, fmt, groupCss, groupRgb, VIRIDIS } from './colormap.ts';
import { addStyle, h } from './dom.ts';
import { type Frames, LiveHistory, RecordedFrames } from './frames.ts';
import { loadNetwork, loadRecording, type Network } from './load.ts';
import { NeuronCloud } from './points.ts';
import { IncomingLines, incomingOf, type Incoming } from './synapses.ts';

export interface ActivityOptions {
  /** Layout file in the run dir: 'network.json' or 'best-organism.json'. */
  layout: string;
  /** 'recording.json' (absent, or not in the run: static view coloured by group, or live frames). */
  recording?: string;
  title?: string;
}

export interface ActivityPanel extends Panel {
  /** Live mode: show this frame now (appended to an in-memory history the scrubber can go back over, bounded). */
  pushFrame(step: number, activity: Float32Array): void;
}

/** `window.__springtail.activity`: what the browser tests drive and read. */
export interface ActivityHook {
  frames(): number;
  frame(): number;
  setFrame(k: number): void;
  /** Viewport CSS pixels of neuron i's centre (what a real mouse click takes). */
  neuronScreenXY(i: number): [number, number];
  selected(): number | null;
  /** Synapse lines shown. */
  synapseCount(): number;
  /** Frames drawn over the last second. */
  fps(): number;
  /** Indices into layout.groups of the groups drawn (the filters' effect). */
  visibleGroups(): number[];
}

/** Playback speeds, recorded frames per second. */
const SPEEDS = [1, 2, 5, 10, 20, 30, 60];
const DEFAULT_SPEED = 10;
/** Rows of the selected neuron's synapse table (strongest |w| first). */
const LISTED_SYNAPSES = 50;
/** A press that moves less than this (CSS px) before release is a click, not an orbit drag. */
const CLICK_SLOP = 4;

export function activityPanel(src: DataSource, opts: ActivityOptions): ActivityPanel {
  return new ActivityView(src, opts);
}

class ActivityView implements ActivityPanel {
  readonly title: string;
  readonly wide = true;
  private readonly root = h('div', { 'data-panel': 'activity' });
  private readonly view = h('div', { class: 'st-act-view' });
  private readonly side = h('aside', { class: 'st-act-side' });
  private readonly status = h('div', { class: 'st-act-note' });
  private readonly legend = h('canvas', { height: '34', 'aria-label': 'activity colour legend' });
  private readonly minInput = h('input', { type: 'number', step: 'any', 'aria-label': 'colour range minimum' });
  private readonly maxInput = h('input', { type: 'number', step: 'any', 'aria-label': 'colour range maximum' });
  private readonly filters = h('div', { class: 'st-act-filters' });
  private readonly neuronPane = h('div', { class: 'st-act-neuron' }, 'Click a neuron to see its incoming synapses.');
  private readonly playButton = h('button', { type: 'button', title: 'play / pause' }, '▶');
  private readonly scrubber = h('input', { type: 'range', min: '0', max: '0', value: '0', 'aria-label': 'frame' });
  private readonly stepLabel = h('span', { class: 'st-act-step' }, '');

  private net: Network | null = null;
  private frames: Frames | null = null;
  private live: LiveHistory | null = null;
  private current = 0;
  private playing = false;
  private speed = DEFAULT_SPEED;
  private carry = 0;
  private last = 0;
  private autoRange = true;
  private range: [number, number] = [0, 1];
  private selectedNeuron: number | null = null;
  private incoming: Incoming | null = null;
  private traceCanvas: HTMLCanvasElement | null = null;

  private renderer: THREE.WebGLRenderer | null = null;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(45, 1, 0.01, 100);
  private controls: OrbitControls | null = null;
  private cloud: NeuronCloud | null = null;
  private readonly lines = new IncomingLines();
  private readonly raycaster = new THREE.Raycaster();
  private readonly ndc = new THREE.Vector2();
  private readonly v = new THREE.Vector3();
  private resize: ResizeObserver | null = null;
  private raf = 0;
  private dirty = true;
  /** Times of the last draws (ring), for fps(). */
  private readonly drawTimes = new Float64Array(256);
  private draws = 0;
  private disposed = false;
  private hook: ActivityHook | null = null;
  /** Distinct group names (a layer of every organism): the filter's checkboxes and the static view's colours. */
  private get layerNames(): string[] {
    return [...new Set(this.net!.layout.groups.map((g) => g.name))];
  }

  constructor(
    private readonly src: DataSource,
    private readonly opts: ActivityOptions,
  ) {
    this.title = opts.title ?? 'Activity';
  }

  async mount(el: HTMLElement): Promise<void> {
    addStyle();
    el.append(this.root);
    this.root.append(this.view, this.side, this.controlBar());
    try {
      this.net = await loadNetwork(this.src, this.opts.layout);
      if (this.disposed) return;
      if (this.live && this.live.neurons !== this.net.layout.neurons) throw new Error(`live frames have ${this.live.neurons} neurons, ${this.opts.layout} has ${this.net.layout.neurons}`);
      if (!this.live) await this.loadRecording();
      if (this.disposed) return;
      this.buildSide();
      this.start();
    } catch (e) {
      const message = (e as Error).message;
      this.root.dataset.error = message;
      this.view.replaceChildren(h('div', { class: 'st-act-error' }, `Cannot show ${this.src.run}: ${message}`));
      // also to the caller: the run page marks its section, the live view its state
      throw e;
    }
  }

  private async loadRecording(): Promise<void> {
    const net = this.net!;
    const path = this.opts.recording;
    if (path && (await this.src.has(path))) {
      this.frames = new RecordedFrames(await loadRecording(this.src, path, net.layout.neurons));
      this.status.textContent = '';
    } else {
      this.frames = null;
      this.status.textContent = path ? `no ${path} in this run: colours show the groups` : 'no recording: colours show the groups';
    }
  }

  /**
   * A run going on: its recording appears (or grows) and its final weights replace the initial ones.
   * Only the small JSON files are read unless they say something changed.
   */
  async refresh(): Promise<void> {
    const net = this.net;
    if (!net || this.live || this.disposed) return;
    const layout = await this.src.json<NetworkLayout>(this.opts.layout);
    if (layout.weights !== net.layout.weights && layout.neurons === net.layout.neurons) {
      const fresh = await loadNetwork(this.src, this.opts.layout);
      net.layout = fresh.layout;
      net.synapses = fresh.synapses;
      if (this.selectedNeuron !== null) this.selectNeuron(this.selectedNeuron);
    }
    const path = this.opts.recording;
    if (!path || !(await this.src.has(path))) return;
    const info = await this.src.json<RecordingInfo>(path);
    const had = this.frames?.count() ?? 0;
    if (info.frames === had && (!had || info.steps?.at(-1) === this.frames!.step(had - 1))) return;
    await this.loadRecording();
    if (this.disposed) return;
    this.framesChanged(had === 0);
    if (this.selectedNeuron !== null) this.selectNeuron(this.selectedNeuron);
  }

  pushFrame(step: number, activity: Float32Array): void {
    if (this.disposed) return;
    const N = this.net?.layout.neurons ?? activity.length;
    if (activity.length !== N || (this.live && this.live.neurons !== N)) {
      this.status.textContent = `live frame of step ${step} has ${activity.length} neurons, the layout has ${N}: dropped`;
      return;
    }
    if (!this.live) {
      this.live = new LiveHistory(N);
      this.frames = this.live;
      this.current = 0;
      this.status.textContent = `live: keeping the last ${this.live.capacity} frames`;
    }
    const follow = this.current >= this.live.count() - 1;
    const full = this.live.count() === this.live.capacity;
    this.live.push(step, activity);
    if (!follow && full) this.current = Math.max(0, this.current - 1); // the same frame moved down one
    if (this.cloud) this.framesChanged(follow);
  }

  /** The frame source's length changed: scrubber, auto range, and (following) the newest frame. */
  private framesChanged(toNewest: boolean): void {
    const n = this.frames?.count() ?? 0;
    this.scrubber.max = String(Math.max(0, n - 1));
    if (this.autoRange) this.setAutoRange();
    this.setFrame(toNewest ? n - 1 : this.current);
  }

  // ---- DOM

  private controlBar(): HTMLElement {
    const back = h('button', { type: 'button', title: 'step back' }, '◀|');
    const forward = h('button', { type: 'button', title: 'step forward' }, '|▶');
    const speed = h('select', { 'aria-label': 'playback speed', title: 'frames per second' }, ...SPEEDS.map((s) => h('option', { value: String(s), ...(s === DEFAULT_SPEED ? { selected: '' } : {}) }, `${s} fps`)));
    back.addEventListener('click', () => this.step(-1));
    forward.addEventListener('click', () => this.step(1));
    this.playButton.addEventListener('click', () => this.setPlaying(!this.playing));
    speed.addEventListener('change', () => (this.speed = Number(speed.value)));
    this.scrubber.addEventListener('input', () => this.setFrame(Number(this.scrubber.value)));
    return h('div', { class: 'st-act-bar' }, back, this.playButton, forward, speed, this.scrubber, this.stepLabel);
  }

  private buildSide(): void {
    const net = this.net!;
    const auto = h('button', { type: 'button', title: "the frames' min and max" }, 'auto');
    auto.addEventListener('click', () => {
      this.autoRange = true;
      this.setAutoRange();
    });
    for (const input of [this.minInput, this.maxInput]) input.addEventListener('change', () => this.rangeEdited());

    // layer filter by group name (across organisms), organism filter when there are several
    const names = this.layerNames;
    const layerOn = new Map(names.map((n) => [n, true]));
    const organism = h('select', { 'aria-label': 'organism' }, h('option', { value: 'all' }, 'all organisms'), ...Array.from({ length: net.layout.organisms }, (_, o) => h('option', { value: String(o) }, `organism ${o}`)));
    const apply = () => {
      net.layout.groups.forEach((g, k) => this.cloud!.setGroupVisible(k, layerOn.get(g.name)! && (organism.value === 'all' || Number(organism.value) === g.organism)));
      this.setFrame(this.current);
    };
    organism.addEventListener('change', apply);
    const boxes = names.map((name, k) => {
      const box = h('input', { type: 'checkbox', checked: '', 'data-layer': name });
      box.addEventListener('change', () => {
        layerOn.set(name, box.checked);
        apply();
      });
      const swatch = h('span', { class: 'st-act-swatch', style: `background:${groupCss(k)}` });
      return h('label', {}, box, swatch, name);
    });
    this.filters.append(...boxes, ...(net.layout.organisms > 1 ? [h('div', {}, organism)] : []));

    const synapses = net.synapses ? `${net.layout.synapses} synapses (${net.layout.weights} weights)` : `synapses omitted: ${net.layout.omitted ?? 'the layout has no synapse files'}`;
    this.side.append(
      h('div', {}, `${net.layout.neurons} neurons in ${net.layout.groups.length} groups${net.layout.organisms > 1 ? ` of ${net.layout.organisms} organisms (side by side)` : ''} · ${synapses}`),
      this.status,
      h('h3', {}, 'Activity colour'),
      this.legend,
      h('div', { class: 'st-act-range' }, 'min ', this.minInput, ' max ', this.maxInput, ' ', auto),
      h('h3', {}, 'Show'),
      this.filters,
      h('h3', {}, 'Selected neuron'),
      this.neuronPane,
    );
  }

  private rangeEdited(): void {
    const lo = Number(this.minInput.value);
    const hi = Number(this.maxInput.value);
    const ok = this.minInput.value !== '' && this.maxInput.value !== '' && Number.isFinite(lo) && Number.isFinite(hi) && lo < hi;
    this.minInput.setCustomValidity(ok ? '' : 'min must be a number below max');
    this.maxInput.setCustomValidity(ok ? '' : 'max must be a number above min');
    if (!ok) return;
    this.autoRange = false;
    this.setRange(lo, hi);
  }

  private setAutoRange(): void {
    const [lo, hi] = this.frames?.range() ?? [0, 1];
    if (!(lo <= hi)) this.setRange(0, 1);
    else if (lo === hi) this.setRange(lo - 0.5, hi + 0.5);
    else this.setRange(lo, hi);
  }

  private setRange(lo: number, hi: number): void {
    this.range = [lo, hi];
    this.minInput.value = fmt(lo);
    this.maxInput.value = fmt(hi);
    this.cloud?.setRange(lo, hi);
    drawLegend(this.legend, VIRIDIS, lo, hi);
    this.dirty = true;
  }

  // ---- three.js

  private start(): void {
    const net = this.net!;
    const renderer = new THREE.WebGLRenderer({ antialias: false, preserveDrawingBuffer: true });
    this.renderer = renderer;
    renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.view.append(renderer.domElement);
    this.scene.background = new THREE.Color(0x14171c);
    this.cloud = new NeuronCloud(net, VIRIDIS, (k) => groupRgb(this.layerNames.indexOf(net.layout.groups[k].name)));
    this.scene.add(this.cloud.object, this.lines.object);

    const { center, radius } = this.cloud.sphere;
    const r = Math.max(radius, 1e-3);
    const distance = (1.15 * r) / Math.sin((this.camera.fov * Math.PI) / 360);
    this.camera.position.copy(center).add(new THREE.Vector3(0.55, 0.45, 1).normalize().multiplyScalar(distance));
    this.camera.near = distance / 200;
    this.camera.far = distance * 20;
    this.controls = new OrbitControls(this.camera, renderer.domElement);
    this.controls.target.copy(center);
    this.controls.enableDamping = true;
    this.controls.addEventListener('change', () => (this.dirty = true));
    this.controls.update();

    this.onResize();
    this.resize = new ResizeObserver(() => this.onResize());
    this.resize.observe(this.view);
    this.listenForClicks(renderer.domElement);
    this.registerHook();

    this.scrubber.max = String(Math.max(0, (this.frames?.count() ?? 0) - 1));
    this.setAutoRange();
    this.setFrame(this.live ? this.live.count() - 1 : 0);
    this.last = performance.now();
    this.raf = requestAnimationFrame(this.tick);
  }

  private onResize(): void {
    const renderer = this.renderer!;
    const w = Math.max(1, this.view.clientWidth);
    const hgt = Math.max(1, this.view.clientHeight);
    renderer.setSize(w, hgt);
    this.camera.aspect = w / hgt;
    this.camera.updateProjectionMatrix();
    this.cloud!.setViewport(renderer.getDrawingBufferSize(new THREE.Vector2()).y, this.camera.fov);
    this.dirty = true;
  }

  private readonly tick = (now: number): void => {
    this.raf = requestAnimationFrame(this.tick);
    if (this.controls!.update()) this.dirty = true;
    const n = this.frames?.count() ?? 0;
    if (this.playing && n > 1) {
      this.carry += ((now - this.last) / 1000) * this.speed;
      if (this.carry >= 1) {
        const k = Math.floor(this.carry);
        this.carry -= k;
        // a recording loops; live playback stops at the newest frame
        if (this.live && this.current + k >= n - 1) this.setPlaying(false);
        this.setFrame(this.live ? Math.min(this.current + k, n - 1) : (this.current + k) % n);
      }
      // while playing every display frame is drawn: fps() is then what playback achieves
      this.dirty = true;
    }
    this.last = now;
    if (!this.dirty) return;
    this.dirty = false;
    this.renderer!.render(this.scene, this.camera);
    this.drawTimes[this.draws++ % this.drawTimes.length] = now;
    if (this.root.dataset.ready !== '1') markReady(this.root);
  };

  private fps(): number {
    const now = performance.now();
    let count = 0;
    for (let k = 0; k < Math.min(this.draws, this.drawTimes.length); k++) if (now - this.drawTimes[k] <= 1000) count++;
    return count;
  }

  // ---- playback

  private setPlaying(on: boolean): void {
    this.playing = on && (this.frames?.count() ?? 0) > 1;
    this.carry = 0;
    this.playButton.textContent = this.playing ? '❚❚' : '▶';
  }

  private step(d: number): void {
    const n = this.frames?.count() ?? 0;
    if (n) this.setFrame(Math.min(n - 1, Math.max(0, this.current + d)));
  }

  private setFrame(k: number): void {
    const frames = this.frames;
    const n = frames?.count() ?? 0;
    this.current = n ? Math.min(n - 1, Math.max(0, Math.round(k) || 0)) : 0;
    this.scrubber.value = String(this.current);
    this.cloud?.show(n ? frames!.frame(this.current) : null);
    this.stepLabel.textContent = n ? `step ${frames!.step(this.current)} · frame ${this.current + 1}/${n}` : 'no frames';
    this.drawTraceNow();
    this.dirty = true;
  }

  // ---- selection

  private listenForClicks(canvas: HTMLCanvasElement): void {
    let down: { x: number; y: number } | null = null;
    canvas.addEventListener('pointerdown', (e) => (down = { x: e.clientX, y: e.clientY }));
    canvas.addEventListener('pointerup', (e) => {
      if (!down || Math.hypot(e.clientX - down.x, e.clientY - down.y) > CLICK_SLOP) return;
      down = null;
      const rect = canvas.getBoundingClientRect();
      this.ndc.set(((e.clientX - rect.left) / rect.width) * 2 - 1, -((e.clientY - rect.top) / rect.height) * 2 + 1);
      this.selectNeuron(this.cloud!.pick(this.raycaster, this.camera, this.ndc, rect.height));
    });
  }

  private selectNeuron(i: number | null): void {
    const net = this.net!;
    this.selectedNeuron = i;
    this.cloud!.select(i);
    this.incoming = i === null ? null : incomingOf(net, i);
    this.lines.show(net, this.incoming);
    this.dirty = true;
    this.traceCanvas = null;
    if (i === null) {
      this.neuronPane.replaceChildren('Click a neuron to see its incoming synapses.');
      return;
    }
    const g = net.layout.groups[this.cloud!.groupOf(i)];
    const p = net.pos;
    const parts: (Node | string)[] = [
      h('div', { 'data-neuron': String(i) }, `#${i} · ${g.name} (${g.role}) · organism ${g.organism}`),
      h('div', {}, `position (${fmt(p[3 * i])}, ${fmt(p[3 * i + 1])}, ${fmt(p[3 * i + 2])})`),
    ];
    const inc = this.incoming;
    if (!inc) parts.push(h('div', { class: 'st-act-note' }, `synapses omitted: ${net.layout.omitted ?? 'the layout has no synapse files'}`));
    else if (!inc.pre.length) parts.push(h('div', {}, 'no incoming synapses'));
    else {
      const weightLegend = h('canvas', { height: '34', 'aria-label': 'weight colour legend' });
      const histogram = h('canvas', { height: '90', 'aria-label': 'weight histogram' });
      parts.push(h('div', {}, `${inc.pre.length} incoming synapses (${net.layout.weights} weights), colour ±${fmt(inc.limit)}`), weightLegend, h('h3', {}, 'Weight histogram'), histogram);
      queueMicrotask(() => {
        drawLegend(weightLegend, DIVERGING, -inc.limit, inc.limit);
        drawHistogram(histogram, inc.w, -inc.limit, inc.limit, DIVERGING);
      });
    }
    if (this.frames?.count()) {
      this.traceCanvas = h('canvas', { height: '90', 'aria-label': 'activity trace' });
      parts.push(h('h3', {}, 'Activity trace'), this.traceCanvas);
    }
    if (inc && inc.pre.length) parts.push(h('h3', {}, 'Strongest incoming'), this.synapseTable(inc));
    this.neuronPane.replaceChildren(...parts);
    this.drawTraceNow();
  }

  private synapseTable(inc: Incoming): HTMLElement {
    const net = this.net!;
    const order = Array.from(inc.w.keys()).sort((a, b) => Math.abs(inc.w[b]) - Math.abs(inc.w[a]));
    const rows = order.slice(0, LISTED_SYNAPSES).map((k) => h('tr', { 'data-pre': String(inc.pre[k]) }, h('td', {}, String(inc.pre[k])), h('td', {}, net.layout.groups[this.cloud!.groupOf(inc.pre[k])].name), h('td', {}, fmt(inc.w[k]))));
    const more = inc.pre.length > LISTED_SYNAPSES ? [h('div', {}, `… and ${inc.pre.length - LISTED_SYNAPSES} more`)] : [];
    return h('div', { class: 'st-act-synapses' }, h('table', {}, h('tr', {}, h('th', {}, 'from'), h('th', {}, 'group'), h('th', {}, 'weight')), ...rows), ...more);
  }

  private drawTraceNow(): void {
    const c = this.traceCanvas;
    const frames = this.frames;
    const i = this.selectedNeuron;
    if (!c || !frames || i === null || !c.isConnected) return;
    const n = frames.count();
    drawTrace(c, n, (k) => frames.value(k, i), this.current, frames.step(0), frames.step(n - 1));
  }

  // ---- tests

  private registerHook(): void {
    const w = window as unknown as { __springtail?: Record<string, unknown> };
    w.__springtail ??= {};
    const hook: ActivityHook = {
      frames: () => this.frames?.count() ?? 0,
      frame: () => this.current,
      setFrame: (k) => this.setFrame(k),
      neuronScreenXY: (i) => {
        const rect = this.renderer!.domElement.getBoundingClientRect();
        this.v.fromArray(this.net!.pos, 3 * i).project(this.camera);
        return [rect.left + ((this.v.x + 1) / 2) * rect.width, rect.top + ((1 - this.v.y) / 2) * rect.height];
      },
      selected: () => this.selectedNeuron,
      synapseCount: () => this.lines.shown(),
      fps: () => this.fps(),
      visibleGroups: () => this.net!.layout.groups.flatMap((_, k) => (this.cloud!.isGroupVisible(k) ? [k] : [])),
    };
    w.__springtail.activity = this.hook = hook;
  }

  dispose(): void {
    this.disposed = true;
    cancelAnimationFrame(this.raf);
    this.resize?.disconnect();
    this.controls?.dispose();
    this.cloud?.dispose();
    this.lines.dispose();
    if (this.renderer) {
      const gl = this.renderer.getContext();
      this.renderer.dispose();
      gl.getExtension('WEBGL_lose_context')?.loseContext();
    }
    const w = window as unknown as { __springtail?: Record<string, unknown> };
    if (this.hook && w.__springtail?.activity === this.hook) delete w.__springtail.activity;
    this.root.remove();
  }
}
