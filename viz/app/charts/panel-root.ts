// The root element of a comparison or evolution panel: `data-panel` for tests and the run page,
// `data-ready` once drawn, `data-error` (and the message shown) when the run's files cannot be.
import { FileMissing } from '../data.ts';
import { markReady } from '../panel.ts';

export function panelRoot(el: HTMLElement, id: string): HTMLElement {
  const root = document.createElement('div');
  root.className = `panel-${id}`;
  root.dataset.panel = id;
  el.append(root);
  return root;
}

/** Runs `draw`, then marks the root ready; a failure is shown in the panel, not thrown at the page. */
export async function drawInto(root: HTMLElement, draw: () => Promise<void>): Promise<void> {
  try {
    await draw();
    delete root.dataset.error;
    markReady(root);
  } catch (e) {
    const message = e instanceof FileMissing ? `${e.message} (this run does not have it)` : (e as Error).message;
    root.dataset.error = message;
    const p = document.createElement('p');
    p.className = 'panel-error';
    p.textContent = message;
    root.replaceChildren(p);
  }
}

/** What a panel offers tests on `window.__springtail.<id>`. */
export function registerHook(id: string, hook: object): void {
  const w = window as unknown as { __springtail?: Record<string, object> };
  (w.__springtail ??= {})[id] = hook;
}
