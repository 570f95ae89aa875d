// The panel's DOM helper and its stylesheet (scoped under [data-panel="activity"], added once per page).

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

const CSS = `
[data-panel="activity"] { display: grid; grid-template-columns: minmax(0, 1fr) 300px; grid-template-rows: minmax(0, 1fr) auto;
  height: min(80vh, 900px); min-height: 420px; background: #14171c; color: #d8d8d8; font: 12px system-ui, sans-serif; }
[data-panel="activity"] .st-act-view { position: relative; overflow: hidden; min-width: 0; min-height: 0; }
[data-panel="activity"] .st-act-view canvas { display: block; position: absolute; inset: 0; cursor: crosshair; }
[data-panel="activity"] .st-act-side { grid-row: 1 / span 2; grid-column: 2; overflow-y: auto; padding: 8px 10px; border-left: 1px solid #2a2f37; }
[data-panel="activity"] .st-act-side h3 { font-size: 12px; margin: 10px 0 4px; color: #9ab; text-transform: uppercase; letter-spacing: .04em; }
[data-panel="activity"] .st-act-side canvas { display: block; width: 100%; }
[data-panel="activity"] .st-act-bar { display: flex; gap: 6px; align-items: center; padding: 6px 8px; border-top: 1px solid #2a2f37; }
[data-panel="activity"] .st-act-bar input[type=range] { flex: 1; min-width: 60px; }
[data-panel="activity"] .st-act-step { min-width: 150px; font-variant-numeric: tabular-nums; }
[data-panel="activity"] .st-act-range input { width: 72px; }
[data-panel="activity"] .st-act-filters label { display: inline-block; margin-right: 8px; }
[data-panel="activity"] .st-act-note { color: #e0b060; }
[data-panel="activity"] .st-act-error { color: #ff7070; padding: 12px; }
[data-panel="activity"] table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
[data-panel="activity"] td, [data-panel="activity"] th { padding: 1px 4px; text-align: right; }
[data-panel="activity"] td:nth-child(2), [data-panel="activity"] th:nth-child(2) { text-align: left; }
[data-panel="activity"] .st-act-swatch { display: inline-block; width: 9px; height: 9px; margin-right: 4px; }
`;

export function addStyle(): void {
  if (document.getElementById('st-activity-style')) return;
  document.head.append(h('style', { id: 'st-activity-style' }, CSS));
}
