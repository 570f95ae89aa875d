// The viz server over real HTTP: the run list, files under ROOT only (30 traversal attempts),
// loopback by default, Host check, plain errors; and the `springtail viz` command's flags.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startVizServer, type VizServer } from '../../viz/server/serve.ts';
import { ROOT, springtail } from '../spawn-cli.ts';

let base: string;
let root: string;
let server: VizServer;

/** Raw request: `path` goes on the wire exactly as given (no URL normalisation). */
function raw(path: string, opts: { method?: string; host?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: opts.host ? { host: opts.host } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'springtail-viz-'));
  root = join(base, 'runs');
  const run = join(root, 'r1');
  mkdirSync(join(run, 'codes'), { recursive: true });
  writeFileSync(join(run, '.springtail-run'), JSON.stringify({ kind: 'simulation', created: '2026-01-02T03:04:05.000Z', pid: 1 }));
  writeFileSync(join(run, 'summary.json'), JSON.stringify({ steps: 100, backend: 'cpu', network: { neurons: 7 }, metrics: { recon_mse: 0.25 } }));
  writeFileSync(join(run, 'codes', 'index.json'), '{}');
  writeFileSync(join(base, 'secret.txt'), 'SECRET');
  symlinkSync(join(base, 'secret.txt'), join(run, 'link-out.txt'));
  symlinkSync(base, join(run, 'dir-out'));
  writeFileSync(join(run, '.hidden'), 'hidden');
  server = await startVizServer({ root, port: 0 });
});

afterAll(async () => {
  await server?.close();
});

describe('viz server', () => {
  test('binds 127.0.0.1 by default and prints a loopback URL', async () => {
    const addr = server.server.address();
    expect(addr).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // and is not reachable on another interface of this machine
    const other = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
    if (other) {
      const port = (addr as { port: number }).port;
      const reached = await new Promise<boolean>((resolve) => {
        const req = request({ host: other.address, port, path: '/', timeout: 2000 }, () => resolve(true));
        req.on('error', () => resolve(false));
        req.on('timeout', () => (req.destroy(), resolve(false)));
        req.end();
      });
      expect(reached).toBe(false);
    }
  });

  test('lists the runs with kind, date and figures', async () => {
    const r = await raw('/api/runs');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual([{ name: 'r1', kind: 'simulation', created: '2026-01-02T03:04:05.000Z', metrics: { steps: 100, backend: 'cpu', neurons: 7, recon_mse: 0.25 } }]);
  });

  test('serves files of a run, HEAD included', async () => {
    const r = await raw('/files/r1/summary.json');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).steps).toBe(100);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    const h = await raw('/files/r1/codes/index.json', { method: 'HEAD' });
    expect(h.status).toBe(200);
    expect(h.body).toBe('');
    expect((await raw('/files/r1/codes%2Findex.json')).status).toBe(403);
  });

  const attempts = [
    '/files/../secret.txt',
    '/files/r1/../../secret.txt',
    '/files/..%2fsecret.txt',
    '/files/..%2Fsecret.txt',
    '/files/%2e%2e/secret.txt',
    '/files/%2E%2E/secret.txt',
    '/files/%2e%2e%2fsecret.txt',
    '/files/r1/%2e%2e/%2e%2e/secret.txt',
    '/files/r1/..%5c..%5csecret.txt',
    '/files/..\\secret.txt',
    '/files/%252e%252e/secret.txt',
    '/files//etc/passwd',
    '/files/%2fetc%2fpasswd',
    '/files/%2Fetc/passwd',
    '/files/r1/%00.json',
    '/files/r1/summary.json%00.png',
    '/files/r1/summary.json\u0000',
    '/files/r1/link-out.txt',
    '/files/r1/dir-out/secret.txt',
    '/files/r1/dir-out/%2e%2e/secret.txt',
    '/files/r1/.hidden',
    '/files/r1/%2ehidden',
    '/files/.%2e/secret.txt',
    '/files/r1/./../../secret.txt',
    '/files/r1/%c0%ae%c0%ae/secret.txt',
    '/files/%e0%80%ae%e0%80%ae/secret.txt',
    '/files/r1/%',
    '/files/r1/..;/..;/secret.txt',
    '/files/' + '../'.repeat(20) + 'etc/passwd',
    '/../../../etc/passwd',
  ];
  test(`refuses ${attempts.length} traversal attempts with 400/403/404 and no file content or stack`, async () => {
    expect(attempts.length).toBeGreaterThanOrEqual(30);
    for (const a of attempts) {
      let r;
      try {
        r = await raw(a);
      } catch {
        // a request line Node's own parser refuses (raw null byte) never reaches a file either
        continue;
      }
      expect([400, 403, 404], a).toContain(r.status);
      expect(r.body, a).not.toContain('SECRET');
      expect(r.body, a).not.toContain('root:');
      expect(r.body, a).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
    }
  });

  test('refuses another Host header (DNS rebinding), other methods, unknown routes', async () => {
    expect((await raw('/api/runs', { host: 'evil.example:80' })).status).toBe(403);
    expect((await raw('/api/runs', { host: `localhost:${new URL(server.url).port}` })).status).toBe(200);
    const post = await raw('/api/runs', { method: 'POST' });
    expect(post.status).toBe(405);
    const nf = await raw('/nope');
    expect(nf.status).toBe(404);
    expect(nf.body).toBe('not found\n');
  });
});

describe('springtail viz', () => {
  test('bad root, bad flags and --export of a non-run exit 2 with a message', async () => {
    const missing = await springtail(['viz', join(base, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope.*(no such|not found|does not exist)/i);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    for (const [flag, v] of [['--port', '70000'], ['--port', 'x'], ['--host', 'a b'], ['--port', '']] as const) {
      const r = await springtail(['viz', root, flag, v]);
      expect(r.code, `${flag} ${v}`).toBe(2);
      expect(r.stderr, `${flag} ${v}`).toContain(flag);
    }
    const notRun = await springtail(['viz', root, '--export', join(base, 'x.html')]);
    expect(notRun.code).toBe(2);
    expect(notRun.stderr).toMatch(/not a springtail run directory/);
  });

  test('a port in use exits 2 naming it', async () => {
    const port = new URL(server.url).port;
    const r = await springtail(['viz', root, '--port', port]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`port ${port}`);
  });

  test('serves until SIGINT and prints the URL of a single run', async () => {
    const child = spawn(process.execPath, ['bin/springtail.js', 'viz', join(root, 'r1')], { cwd: ROOT });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /http:\/\/127\.0\.0\.1:\d+\/#\/run\/r1/.exec(out);
        if (m) resolve(m[0]);
      });
      child.on('exit', (c) => reject(new Error(`viz exited ${c}`)));
    });
    const res = await fetch(url.replace(/#.*/, 'api/runs'));
    expect((await res.json()).map((r: { name: string }) => r.name)).toEqual(['r1']);
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
  });
});
