// Parent side of the fuzz suite: the driver process (driver.ts) that runs the CLI in-process, the
// workspace snapshot behind "nothing outside the run directory changes", and the one property
// every case is held to.
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Outcome {
  /** Exit code; a killed driver counts as 128 + signal, as a shell would show it. */
  code: number;
  stdout: string;
  stderr: string;
  /** No answer within the case's time limit (the driver was killed). */
  hung: boolean;
  /** The injected-code canary (exprs.ts) was set. */
  canary: boolean;
}

const DRIVER = join(import.meta.dirname, 'driver.js');
const SIGNALS: Record<string, number> = { SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 };

/** One long-lived driver process, restarted after a case kills or hangs it. */
export class Driver {
  private child?: ChildProcess;
  private ready?: Promise<void>;
  private childErr = '';
  private next = 0;
  /** Exit codes of the cases run so far ("hang" for a hang), so a report shows what a generator reached. */
  readonly tally = new Map<string, number>();

  constructor(readonly cwd: string) {}

  private start(): Promise<void> {
    this.childErr = '';
    const child = fork(DRIVER, [], {
      cwd: this.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    this.child = child;
    child.stdout!.on('data', (d) => (this.childErr += d));
    child.stderr!.on('data', (d) => (this.childErr += d));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fuzz driver did not start in 120 s:\n${this.childErr}`)), 120_000);
      child.once('message', () => (clearTimeout(timer), resolve()));
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`fuzz driver exited (${code}) while starting:\n${this.childErr}`))));
    });
  }

  /** Runs `springtail <args>` with `limitMs` to answer; a hang or crash restarts the driver. */
  async exec(args: string[], limitMs: number): Promise<Outcome> {
    if (!this.child) this.ready = this.start();
    await this.ready;
    const child = this.child!;
    const id = this.next++;
    this.childErr = '';
    return new Promise<Outcome>((resolve) => {
      const done = (o: Outcome) => {
        const k = o.hung ? 'hang' : `exit ${o.code}`;
        this.tally.set(k, (this.tally.get(k) ?? 0) + 1);
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(o);
      };
      const onMessage = (m: { id: number; code: number; stdout: string; stderr: string; canary: boolean }) => {
        if (m.id === id) done({ code: m.code, stdout: m.stdout, stderr: m.stderr, hung: false, canary: m.canary });
      };
      // what the process printed itself (an uncaught error) is what a user would have seen
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        this.child = undefined;
        done({ code: code ?? 128 + (SIGNALS[signal ?? ''] ?? 0), stdout: '', stderr: this.childErr, hung: false, canary: false });
      };
      const timer = setTimeout(() => {
        child.off('exit', onExit);
        this.child = undefined;
        child.kill('SIGKILL');
        done({ code: 137, stdout: '', stderr: this.childErr, hung: true, canary: false });
      }, limitMs);
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ id, args });
    });
  }

  close(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}

export function workspace(): string {
  return mkdtempSync(join(tmpdir(), 'springtail-fuzz-'));
}

/** Every entry below `dir` → its kind and content hash (never opens anything but regular files). */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out.set(r, `dir ${mode}`);
        visit(r);
      } else if (st.isFile()) out.set(r, `file ${mode} ${createHash('sha1').update(readFileSync(join(dir, r))).digest('hex')}`);
      else if (st.isSymbolicLink()) out.set(r, `link ${readlinkSync(join(dir, r))}`);
      else out.set(r, `special ${mode}`);
    }
  };
  visit('');
  return out;
}

/** Paths added, removed or changed between two snapshots. */
export function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [p, v] of before) if (after.get(p) !== v) out.push(after.has(p) ? `changed ${p}` : `removed ${p}`);
  for (const p of after.keys()) if (!before.has(p)) out.push(`added ${p}`);
  return out;
}

export interface Expect {
  /** Exit codes allowed (default 0 and 2). */
  codes?: number[];
  /** On exit 2 a problem line (`  at <path>: ...`) names a field, or the message names one of these (the config file, flags, data files). */
  names?: string[];
}

// a V8 stack frame: "    at fn (file:line:col)", "    at file:line:col", "    at new X (<anonymous>)"
const FRAME = /^\s+at (?:.+ \()?(?:[^\s()]+:\d+:\d+|<anonymous>|native)\)?$/m;
// C0 and C1 controls other than newline and tab (a message that echoes them can drive the terminal)
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const FORGED_LINE = /^\s*at steps: FORGED-by-input/m;

/** Everything wrong with one outcome; empty when it holds the property. */
export function violations(o: Outcome, expect: Expect = {}): string[] {
  const out: string[] = [];
  const codes = expect.codes ?? [0, 2];
  if (o.hung) return ['hang: no answer within the time limit'];
  if (!codes.includes(o.code)) out.push(`exit ${o.code}, expected ${codes.join(' or ')}`);
  if (FRAME.test(o.stderr) || FRAME.test(o.stdout)) out.push('stack trace printed');
  if (/unexpected error/.test(o.stderr)) out.push('"unexpected error" printed');
  if (o.canary) out.push('injected JavaScript ran');
  for (const [name, text] of [['stderr', o.stderr], ['stdout', o.stdout]] as const) {
    const m = CONTROL.exec(text);
    if (m) out.push(`${name} holds control character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} (input printed raw)`);
  }
  if (FORGED_LINE.test(o.stderr)) out.push('stderr holds a problem line forged by a newline in the input');
  if (o.code === 2) {
    if (!o.stderr.startsWith('springtail: ')) out.push('exit 2 without a "springtail: " message');
    const names = [...new Set(expect.names)];
    const named = /^ {2}at \S/m.test(o.stderr) || names.some((n) => mentions(o.stderr, n));
    if (!named) out.push(`exit 2 names no field (no "  at <path>" line) and none of ${names.map((n) => JSON.stringify(n)).join(', ')}`);
  }
  return out;
}

/** Whether `text` quotes `name`; a one-character name (a short flag) only as a word of its own. */
export function mentions(text: string, name: string): boolean {
  if (name.length > 1) return text.includes(name);
  return name.length === 1 && new RegExp(`(^|[^\\w-])${name.replace(/\W/g, '\\$&')}(\\W|$)`).test(text);
}

/** The outcome as a failure report: what was wrong, then what the CLI printed (trimmed). */
export function report(problems: string[], o: Outcome): string {
  // control characters escaped, so the report itself cannot drive the terminal
  const trim = (s: string) =>
    (s.length > 1500 ? `${s.slice(0, 1500)}\n…(${s.length} chars)` : s).replace(new RegExp(CONTROL.source, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${problems.join('; ')}\n--- exit ${o.code}; stderr:\n${trim(o.stderr)}\n--- stdout:\n${trim(o.stdout)}`;
}
