// `springtail viz [ROOT]`: serves the browser panels for the run directories under ROOT (default
// runs/), or writes one run as a self-contained HTML report with --export.
import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ExportTooLarge, exportHtml } from '../../viz/server/export.ts';
import { readMarker } from '../../viz/server/runs.ts';
import { PortInUse, startVizServer } from '../../viz/server/serve.ts';
import { UserError } from '../errors.ts';
import { fsCause, MARKER, writeFileAtomic } from '../fsutil.ts';
import { untilSignal } from '../signal.ts';

export interface VizOptions {
  root: string;
  port?: number;
  host?: string;
  export?: string;
}

export async function vizCommand(opts: VizOptions): Promise<void> {
  const given = opts.root;
  let st;
  try {
    st = statSync(given);
  } catch (e) {
    throw new UserError(`viz: ${given}: ${fsCause(e)}${given === 'runs' ? ' (no run yet: start one with springtail run configs/quickstart.json)' : ''}`);
  }
  if (!st.isDirectory()) throw new UserError(`viz: ${given} is not a directory (give a run directory or a folder of them)`);
  const abs = resolve(given);
  const kind = readMarker(abs)?.kind ?? null;

  if (opts.export !== undefined) {
    if (kind === null) throw new UserError(`viz --export: ${given} is not a springtail run directory (no ${MARKER}); give one run, e.g. runs/quickstart-<timestamp>`);
    let html;
    try {
      html = await exportHtml(abs, basename(abs), kind);
    } catch (e) {
      if (e instanceof ExportTooLarge) throw new UserError(`viz --export: ${e.message}`);
      throw e;
    }
    try {
      writeFileAtomic(opts.export, html);
    } catch (e) {
      throw new UserError(`viz --export: cannot write ${opts.export}: ${fsCause(e)}`);
    }
    process.stdout.write(`wrote ${opts.export} (${(Buffer.byteLength(html) / 2 ** 20).toFixed(1)} MiB): open it in a browser, no server needed\n`);
    return;
  }

  // a single run: serve the folder it is in and open straight on it
  const root = kind === null ? abs : dirname(abs);
  let server;
  try {
    server = await startVizServer({ root, port: opts.port, host: opts.host });
  } catch (e) {
    if (e instanceof PortInUse) throw new UserError(`viz --port: ${e.message}; give another --port (or 0 for any free one)`);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') throw new UserError(`viz --host: ${opts.host} is not an address of this machine (${err.code})`);
    throw e;
  }
  const url = kind === null ? server.url : `${server.url}#/run/${encodeURIComponent(basename(abs))}`;
  process.stderr.write(`springtail viz: serving ${given} (${opts.host ?? '127.0.0.1'} only${opts.host ? '' : '; --host to listen elsewhere'}); Ctrl-C stops\n`);
  process.stdout.write(`${url}\n`);
  await untilSignal();
  await server.close();
}
