// `springtail viz RUN --export report.html`: the app, its stylesheet and the run's files in one
// HTML page that opens from disk (file://) with the same panels and no server.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { ExportedRun } from '../app/data.ts';
import { ensureBundle } from './bundle.ts';
import { inlineShell } from './shell.ts';

/** Files the panels never read (the strategy's state, a run's own config for re-running). */
const LEFT_OUT = new Set(['checkpoint.json', 'bullmq.json', 'executor.jsonl']);
const TEXT = new Set(['.json', '.jsonl', '.txt']);
/** Base64 grows data by a third and the page holds it all: more than this is refused, not written. */
export const MAX_EXPORT_BYTES = 256 * 1024 * 1024;

export class ExportTooLarge extends Error {}

function runFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    if (e.name.startsWith('.') && e.name !== '.springtail-run') continue;
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...runFiles(dir, rel));
    else if (e.isFile() && !LEFT_OUT.has(rel)) out.push(rel);
  }
  return out.sort();
}

export function exportData(runDir: string, run: string, kind: string): ExportedRun {
  const files: ExportedRun['files'] = {};
  let total = 0;
  const sizes: [string, number][] = [];
  for (const rel of runFiles(runDir)) {
    const size = statSync(join(runDir, rel)).size;
    total += size;
    sizes.push([rel, size]);
  }
  if (total > MAX_EXPORT_BYTES) {
    const big = sizes.sort((a, b) => b[1] - a[1]).slice(0, 3).map(([f, s]) => `${f} ${(s / 2 ** 20).toFixed(1)} MiB`);
    throw new ExportTooLarge(`the run's files hold ${(total / 2 ** 20).toFixed(0)} MiB, more than the ${MAX_EXPORT_BYTES / 2 ** 20} MiB an exported page can carry (largest: ${big.join(', ')}); record fewer frames (record.capacity) or fewer neurons`);
  }
  for (const [rel] of sizes) {
    const buf = readFileSync(join(runDir, rel));
    files[rel] = TEXT.has(extname(rel)) ? { text: buf.toString('utf8') } : { base64: buf.toString('base64') };
  }
  return { run, kind, files };
}

/** The report's HTML (the caller writes it atomically). */
export async function exportHtml(runDir: string, run: string, kind: string): Promise<string> {
  const bundle = await ensureBundle();
  const data = exportData(runDir, run, kind);
  return inlineShell(readFileSync(bundle.css, 'utf8'), readFileSync(bundle.js, 'utf8'), data);
}
