// The start page: every run directory under ROOT, newest first, with its kind, date and a few
// figures; each opens in the panels its kind has.
import type { RunEntry } from '../server/runs.ts';
import { compareHref } from './compare.ts';
import { formatValue } from './format.ts';

const fmt = (v: number | string): string => (typeof v === 'string' ? v : formatValue(v));

export function runHref(r: Pick<RunEntry, 'name' | 'kind'>): string {
  return `#/run/${r.name.split('/').map(encodeURIComponent).join('/')}`;
}

export async function mountStart(el: HTMLElement): Promise<void> {
  el.innerHTML = '';
  const section = document.createElement('section');
  section.className = 'start';
  section.dataset.panel = 'start';
  el.append(section);
  const h = document.createElement('h1');
  h.textContent = 'springtail runs';
  section.append(h);
  let runs: RunEntry[];
  try {
    const r = await fetch('/api/runs', { cache: 'no-store' });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    runs = (await r.json()) as RunEntry[];
  } catch (e) {
    section.dataset.error = `cannot list the runs: ${(e as Error).message}`;
    section.append(Object.assign(document.createElement('p'), { className: 'error', textContent: section.dataset.error }));
    return;
  }
  if (runs.length === 0) {
    section.append(Object.assign(document.createElement('p'), { textContent: 'No run directories here yet. Start one with: npx springtail run configs/quickstart.json' }));
  } else {
    const table = document.createElement('table');
    table.className = 'runs';
    table.innerHTML = '<thead><tr><th></th><th>run</th><th>kind</th><th>created</th><th>figures</th></tr></thead>';
    const body = document.createElement('tbody');
    // tick two or more runs to see them side by side
    const chosen = new Set<string>();
    const compare = Object.assign(document.createElement('button'), { type: 'button', className: 'compare', textContent: 'compare the ticked runs', disabled: true });
    compare.addEventListener('click', () => (location.hash = compareHref(runs.filter((r) => chosen.has(r.name)).map((r) => r.name))));
    for (const r of runs) {
      const tr = document.createElement('tr');
      tr.dataset.run = r.name;
      const a = Object.assign(document.createElement('a'), { href: runHref(r), textContent: r.name });
      const tick = Object.assign(document.createElement('input'), { type: 'checkbox' });
      tick.setAttribute('aria-label', `compare ${r.name}`);
      tick.addEventListener('change', () => {
        if (tick.checked) chosen.add(r.name);
        else chosen.delete(r.name);
        compare.disabled = chosen.size < 2;
      });
      const cells = [tick, a, r.kind, new Date(r.created).toLocaleString(), Object.entries(r.metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(' · ')];
      for (const c of cells) {
        const td = document.createElement('td');
        td.append(c);
        tr.append(td);
      }
      body.append(tr);
    }
    table.append(body);
    section.append(table, compare);
  }
  section.dataset.ready = '1';
}
