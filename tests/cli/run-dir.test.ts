// Run directories through the real binary: never written over unless springtail made them and
// --force says so, replaced whole, every file-system error a clean exit naming the path.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../spawn-cli.ts';
import { fixture, tempDir, writeTemp } from './fixture.ts';

const STACK = /\n\s+at .*\.(ts|js):\d+/;
const tree = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name).slice(dir.length + 1)] = readFileSync(join(e.parentPath, e.name), 'base64');
  }
  return out;
};
const withRecord = writeTemp(fixture());
const { record: _, ...noRecord } = fixture();
const withoutRecord = writeTemp({ ...noRecord, seed: 2 });

/**
 * The real binary, in `cwd` (the default runs/ goes there), killed after 2 minutes: a path that
 * hangs (recursive mkdir under /proc) must fail the test, not leave a spinning process.
 */
function springtail(args: string[], cwd = ROOT): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/springtail.js'), ...args], { cwd, timeout: 120_000, killSignal: 'SIGKILL', env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
const run = (...args: string[]) => springtail(['run', ...args]);

describe('springtail run --out', () => {
  // one finished run (with a recording), copied for each test that needs a previous run
  let previous: string;
  const copyOfPrevious = () => {
    const out = join(tempDir(), 'run');
    cpSync(previous, out, { recursive: true });
    return out;
  };
  beforeAll(async () => {
    previous = join(tempDir(), 'run');
    const r = await run(withRecord, '--out', previous);
    expect(r.code).toBe(0);
    expect(readdirSync(previous)).toContain('recording.f32');
  });

  test('a second run into the same --out exits 2 before any work, naming the directory and --force; the first run stays as it was', async () => {
    const out = copyOfPrevious();
    const before = tree(out);
    const r = await run(withoutRecord, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`springtail: --out ${out}: holds a springtail simulation run`);
    expect(r.stderr).toContain('pass --force to replace it');
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).not.toContain('backend cpu'); // refused before the backend was built
    expect(tree(out)).toEqual(before);
  });

  test('--force replaces the previous run whole: no recording.* of the old run beside the new summary', async () => {
    const out = copyOfPrevious();
    const parent = dirname(out);
    const r = await run(withoutRecord, '--out', out, '--force');
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['.springtail-run', 'config.json', 'metrics.jsonl', 'network.incoming-start.u32', 'network.json', 'network.pos.f32', 'network.pre.u32', 'network.w.f32', 'summary.json']);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).seed).toBe(2);
    expect(readdirSync(parent)).toEqual(['run']); // nothing left beside it
  });

  test("a user's own config.json in --out is left byte-identical and the run exits 2, also with --force", async () => {
    const out = tempDir();
    const mine = '{ "name": "my experiment", "notes": "hand-written" }\n';
    writeFileSync(join(out, 'config.json'), mine);
    for (const force of [[], ['--force']]) {
      const r = await run(withRecord, '--out', out, ...force);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--out ${out}: directory is not empty and is not a springtail run directory`);
      expect(r.stderr).not.toMatch(STACK);
    }
    expect(readdirSync(out)).toEqual(['config.json']);
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe(mine);
  });

  test('--force keeps a run whose files someone made read-only', async () => {
    const out = copyOfPrevious();
    chmodSync(join(out, 'summary.json'), 0o444);
    const before = tree(out);
    const r = await run(withoutRecord, '--out', out, '--force');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(out, 'summary.json')} is read-only`);
    expect(tree(out)).toEqual(before);
  });

  // Root (as the tests run here) is never refused EACCES, so these are paths root cannot write either.
  const badPaths: [string, (dir: string) => string, string][] = [
    ['under a regular file (ENOTDIR)', (d) => join(d, 'file', 'run'), 'not a directory (ENOTDIR)'],
    ['a regular file', (d) => join(d, 'file'), 'exists and is not a directory'],
    ['a 300-character name (ENAMETOOLONG)', (d) => join(d, 'x'.repeat(300)), 'name too long (ENAMETOOLONG)'],
    ['under /proc (ENOENT; a recursive mkdir loops forever there)', () => '/proc/springtail-test/run', 'no such file or directory (ENOENT)'],
    ['under /sys', () => '/sys/springtail-test', 'cannot create the directory: '],
  ];
  test.each(badPaths)('--out %s: exit 2 naming the path and the cause, nothing written', async (_what, path, cause) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'keep');
    const out = path(dir);
    const r = await run(withRecord, '--out', out);
    expect(r.stderr).toContain(`springtail: --out ${out}: `);
    expect(r.stderr).toContain(cause);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).not.toContain('unexpected error');
    expect(r.code).toBe(2);
    expect(readdirSync(dir)).toEqual(['file']);
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe('keep');
  });
});

describe('the default run directory', () => {
  test('a 300-character config name is cut to fit a file name (was ENAMETOOLONG)', async () => {
    const cwd = tempDir();
    const file = writeTemp({ ...noRecord, name: 'n'.repeat(300) });
    const r = await springtail(['run', file], cwd);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(0);
    const [dir] = readdirSync(join(cwd, 'runs'));
    expect(dir).toMatch(/^n{100}-\d{8}-\d{6}$/);
    expect(existsSync(join(cwd, 'runs', dir, 'summary.json'))).toBe(true);
  });

  test('runs/ being a file: exit 2 naming the directory and --out', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'runs'), 'not a directory');
    const r = await springtail(['run', withRecord], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/springtail: run directory runs\/cli-fixture-\d{8}-\d{6}: cannot create it \(give --out DIR to write elsewhere\): not a directory \(ENOTDIR\)/);
    expect(r.stderr).not.toMatch(STACK);
  });
});

// A tiny tmpfs makes the disk fill up mid-run. Mounting needs root with CAP_SYS_ADMIN; where that
// is refused the test says so and is skipped.
describe('disk full', () => {
  const mnt = tempDir();
  let mounted = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' });
    mounted = true;
  } catch {
    // not permitted here
  }
  afterAll(() => {
    if (mounted) execFileSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });

  test('ENOSPC mid-run is exit 1 naming the file, keeping what was written', async (ctx) => {
    if (!mounted) ctx.skip('cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)');
    const out = join(mnt, 'run');
    // 3000 frames × 72 neurons × 4 bytes = 864 KB of recording, far over 64 KB
    const r = await run(withRecord, '--out', out, '--set', 'steps=3000', '--set', 'record.every=1', '--set', 'record.capacity=3000');
    expect(r.stderr).toContain(`springtail: cannot write ${join(out, 'recording.f32')}: no space left on device (ENOSPC)`);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(1);
    expect(statSync(join(out, 'metrics.jsonl')).size).toBeGreaterThan(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('a comparison run killed part-way', () => {
  test('leaves codes/index.json listing exactly the complete code files', async () => {
    const out = join(tempDir(), 'run');
    const methods = JSON.stringify([{ kind: 'pixels' }, { kind: 'autoencoder', components: 3, epochs: 100000 }]);
    const child = spawn(process.execPath, ['bin/springtail.js', 'run', 'configs/compare-circles.json', '--backend', 'cpu', '--out', out, '--set', 'task.train=200', '--set', 'task.test=100', '--set', `methods=${methods}`], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const pixels = join(out, 'codes/pixels.test.f32');
    const t0 = Date.now();
    while (!existsSync(pixels) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300)); // well inside the autoencoder's 100,000 epochs
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(pixels)).toBe(true);
    const index = JSON.parse(readFileSync(join(out, 'codes/index.json'), 'utf8'));
    expect(index.methods).toEqual({ pixels: { file: 'codes/pixels.test.f32', rows: 100, cols: 784, recon: { file: 'codes/pixels.recon.f32', rows: 16, cols: 784 } } });
    expect(statSync(pixels).size).toBe(100 * 784 * 4);
    expect(statSync(join(out, 'codes', index.labels)).size).toBe(100 * 4);
    // the killed method left no code or reconstruction file; the task's own files are listed
    expect(readdirSync(join(out, 'codes')).filter((f) => f.endsWith('.f32')).sort()).toEqual(['inputs.test.f32', 'latents.test.f32', 'pixels.recon.f32', 'pixels.test.f32']);
    expect([index.inputs.file, index.latents.file]).toEqual(['codes/inputs.test.f32', 'codes/latents.test.f32']);
  }, 120_000);
});
