// One view of a run (three.js's thin-renderer idea: a panel owns its element and its loop).
import type { DataSource } from './data.ts';

export interface Panel {
  /** Shown as the panel's heading and in the run page's tabs. */
  readonly title: string;
  /** Spans the whole row of the run page (the 3D views). */
  readonly wide?: boolean;
  /** Builds the panel's DOM inside `el` (already attached to the page) and loads its data. */
  mount(el: HTMLElement): Promise<void>;
  /** A live source's files changed (run going on): reload what is shown. Optional. */
  refresh?(): Promise<void>;
  /** Stops animation loops and frees GPU resources. */
  dispose(): void;
}

export type PanelFactory = (src: DataSource) => Panel;

/** Each panel marks its root element `data-panel="<id>"` and sets `data-ready="1"` once it has drawn
 * its data (tests and screenshots wait for it); `data-error` holds a message when it cannot. */
export function markReady(el: HTMLElement): void {
  el.dataset.ready = '1';
}
