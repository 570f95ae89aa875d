// The app: a start page listing the runs, a run page showing the panels of the run's kind, the
// live view of a streaming run, and several runs compared. The route is in the hash (#/,
// #/run/<run>, #/live/<run>, #/compare/<run>+<run>…); an exported report carries its run inline
// and has only the run page.
import './style.css';
import 'uplot/dist/uPlot.min.css';
import { activityPanel } from './activity/panel.ts';
import { comparePanels, parseCompareHash } from './compare.ts';
import { curvesPanel } from './comparison/curves.ts';
import { comparisonPanels } from './comparison/panels.ts';
import { type DataSource, type ExportedRun, HttpSource, InlineSource } from './data.ts';
import { evolutionPanels } from './evolution/dashboard.ts';
import { livePanel } from './live.ts';
import type { Panel } from './panel.ts';
import { mountStart } from './start.ts';

declare global {
  interface Window {
    __SPRINGTAIL_EXPORT__?: ExportedRun;
  }
}

const REFRESH_MS = 2000;

async function panelsOf(kind: string, src: DataSource): Promise<Panel[]> {
  switch (kind) {
    case 'simulation':
      return [
        activityPanel(src, { layout: 'network.json', recording: (await src.has('recording.json')) ? 'recording.json' : undefined, title: 'activity' }),
        curvesPanel(src, { unnamed: 'run', title: 'metrics over steps' }),
      ];
    case 'comparison':
      return comparisonPanels(src);
    case 'evolution':
      return evolutionPanels(src);
    default:
      throw new Error(`run ${src.run} is of kind '${kind}', which has no panels`);
  }
}

let teardown: (() => void) | null = null;

function header(root: HTMLElement, title: string, kind: string, exported: boolean): void {
  const h = document.createElement('header');
  h.className = 'top';
  const back = exported ? '' : '<a href="#/">runs</a>';
  h.innerHTML = `${back}<h1></h1><span class="kind"></span>`;
  h.querySelector('h1')!.textContent = title;
  h.querySelector('.kind')!.textContent = exported ? `${kind} · exported report` : kind;
  root.append(h);
}

async function mountPanels(root: HTMLElement, panels: Panel[], src: DataSource): Promise<void> {
  const main = document.createElement('main');
  root.append(main);
  const timers: number[] = [];
  teardown = () => {
    for (const t of timers) clearInterval(t);
    for (const p of panels) p.dispose();
  };
  await Promise.all(
    panels.map(async (p) => {
      const sec = document.createElement('section');
      sec.className = p.wide ? 'panel wide' : 'panel';
      sec.innerHTML = '<h2></h2><div class="body"></div>';
      sec.querySelector('h2')!.textContent = p.title;
      main.append(sec);
      const body = sec.querySelector<HTMLElement>('.body')!;
      try {
        await p.mount(body);
      } catch (e) {
        const msg = (e as Error).message;
        sec.dataset.error = msg;
        body.append(Object.assign(document.createElement('p'), { className: 'error', textContent: msg }));
        return;
      }
      if (src.live && p.refresh) {
        let busy = false;
        timers.push(
          window.setInterval(() => {
            if (busy) return;
            busy = true;
            p.refresh!().finally(() => (busy = false));
          }, REFRESH_MS),
        );
      }
    }),
  );
}

async function route(): Promise<void> {
  teardown?.();
  teardown = null;
  const root = document.getElementById('app')!;
  root.innerHTML = '';
  const exported = window.__SPRINGTAIL_EXPORT__;
  if (exported) {
    header(root, exported.run, exported.kind, true);
    const src = new InlineSource(exported);
    return mountPanels(root, await panelsOf(exported.kind, src), src);
  }
  const hash = location.hash.replace(/^#/, '') || '/';
  const compare = /^\/compare\/(.+)$/.exec(hash);
  if (compare) return mountCompare(root, parseCompareHash(compare[1]));
  const m = /^\/(run|live)\/(.+)$/.exec(hash);
  if (!m) return mountStart(root);
  const run = m[2].split('/').map(decodeURIComponent).join('/');
  const src = new HttpSource(run);
  if (m[1] === 'live') {
    header(root, run, 'live', false);
    return mountPanels(root, [livePanel(src)], src);
  }
  const runs = (await (await fetch('/api/runs', { cache: 'no-store' })).json()) as { name: string; kind: string }[];
  const entry = runs.find((r) => r.name === run);
  if (!entry) {
    root.append(Object.assign(document.createElement('p'), { className: 'error', textContent: `no run directory '${run}' under this server's root` }));
    return;
  }
  header(root, run, entry.kind, false);
  let panels: Panel[];
  try {
    panels = await panelsOf(entry.kind, src);
  } catch (e) {
    root.append(Object.assign(document.createElement('p'), { className: 'error', textContent: (e as Error).message }));
    return;
  }
  return mountPanels(root, panels, src);
}

async function mountCompare(root: HTMLElement, names: string[]): Promise<void> {
  const runs = (await (await fetch('/api/runs', { cache: 'no-store' })).json()) as { name: string; kind: string }[];
  const missing = names.filter((n) => !runs.some((r) => r.name === n));
  const fail = (text: string) => root.append(Object.assign(document.createElement('p'), { className: 'error', textContent: text }));
  if (missing.length) return fail(`no run directory ${missing.map((n) => `'${n}'`).join(', ')} under this server's root`);
  const chosen = names.map((n) => runs.find((r) => r.name === n)!);
  const panels = comparePanels(chosen);
  header(root, `${names.length} runs`, 'compared', false);
  if (panels.length === 0) return fail(`runs of kind ${[...new Set(chosen.map((r) => r.kind))].join(', ')} cannot be compared`);
  return mountPanels(root, panels, new HttpSource(names[0]));
}

window.addEventListener('hashchange', () => void route());
void route();
