// `springtail viz`: the app and the run directories under ROOT over HTTP on 127.0.0.1. Only files
// under ROOT are served (safe-path.ts); requests naming another host are refused (DNS
// rebinding); errors are one plain line, never a stack trace.
import { createReadStream, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { ensureBundle } from './bundle.ts';
import { listRuns } from './runs.ts';
import { resolveUnder } from './safe-path.ts';
import { servedShell } from './shell.ts';

export interface VizServerOptions {
  /** Directory whose run directories are served. */
  root: string;
  /** 0 or absent: any free port. */
  port?: number;
  /** Interface to bind; 127.0.0.1 unless given. */
  host?: string;
}

export interface VizServer {
  url: string;
  server: Server;
  /** Whether a request's Host header names this server (the same rule for HTTP and the live WebSocket). */
  allowsHost(host: string): boolean;
  close(): Promise<void>;
}

export class PortInUse extends Error {}

const TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
};

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'";

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...SECURITY_HEADERS, ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Hosts a browser may name for this server: the bound address and, for loopback, localhost. */
function allowedHosts(host: string, port: number): Set<string> {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const out = new Set([`${h}:${port}`]);
  if (host === '127.0.0.1' || host === '::1' || host === 'localhost') for (const l of ['127.0.0.1', 'localhost', '[::1]']) out.add(`${l}:${port}`);
  return out;
}

export async function startVizServer(opts: VizServerOptions): Promise<VizServer> {
  const host = opts.host ?? '127.0.0.1';
  let hosts = new Set<string>();
  const anyHost = host === '0.0.0.0' || host === '::';

  const allowsHost = (h: string) => anyHost || hosts.has(h.toLowerCase());

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD\n', undefined, { Allow: 'GET, HEAD' });
    if (!allowsHost(req.headers.host ?? '')) return send(res, 403, 'unknown Host header\n');
    const url = req.url ?? '/';
    if (!url.startsWith('/')) return send(res, 400, 'bad request target\n');
    const path = url.split('?')[0].split('#')[0];
    if (path === '/' || path === '/index.html') return send(res, 200, servedShell(), 'text/html; charset=utf-8', { 'Content-Security-Policy': CSP });
    if (path === '/app.js' || path === '/app.css') {
      const bundle = await ensureBundle();
      const body = readFileSync(path === '/app.js' ? bundle.js : bundle.css);
      return send(res, 200, body, path === '/app.js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
    }
    if (path === '/api/runs') return send(res, 200, JSON.stringify(listRuns(opts.root)), TYPES['.json']);
    if (path.startsWith('/files/')) {
      const r = resolveUnder(opts.root, path.slice('/files/'.length));
      if (!r.ok) return send(res, r.status, `${r.reason}\n`);
      // run files are data: never rendered as a page of this origin
      const type = TYPES[extname(r.path)] ?? 'application/octet-stream';
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': r.size, 'Cache-Control': 'no-store', ...SECURITY_HEADERS, 'Content-Security-Policy': "default-src 'none'" });
      if (req.method === 'HEAD') return void res.end();
      const stream = createReadStream(r.path);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
      return;
    }
    return send(res, 404, 'not found\n');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      // logged here, never sent: the response says only that it failed
      process.stderr.write(`springtail viz: ${req.method} ${JSON.stringify(req.url)}: ${(e as Error).message}\n`);
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new PortInUse(`port ${opts.port} on ${host} is in use`) : e));
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(host, port);
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shown}:${port}/`,
    server,
    allowsHost,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
