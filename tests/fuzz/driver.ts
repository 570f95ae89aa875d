// Child process of the fuzz suite: runs many CLI invocations in one process, so each case costs
// milliseconds instead of a ~1 s tsx start-up. Cases come over IPC as { id, args }; each answer is
// { id, code, stdout, stderr, canary } with what `main` wrote and the exit code it set. A case that
// crashes or hangs this process is seen by the parent (harness.ts), which starts a new one.
import { main } from '../../bin/cli.ts';
import { CANARY } from './exprs.ts';

interface Case {
  id: number;
  args: string[];
}

type Write = typeof process.stdout.write;
const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);

function capture(sink: string[]): Write {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as Write;
}

async function runCase(c: Case): Promise<void> {
  const out: string[] = [];
  const err: string[] = [];
  process.exitCode = undefined;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  try {
    await main(c.args);
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = undefined;
  const canary = CANARY in globalThis;
  delete (globalThis as Record<string, unknown>)[CANARY];
  process.send!({ id: c.id, code, stdout: out.join(''), stderr: err.join(''), canary });
}

// The modules every command loads lazily, loaded before the first case so its time limit does
// not pay for them.
await Promise.all([import('../../bin/config/load.ts'), import('../../bin/commands/run.ts'), import('../../bin/commands/compare.ts')]);

let queue = Promise.resolve();
process.on('message', (c: Case) => {
  queue = queue.then(() => runCase(c));
});
process.send!({ ready: true });
// Dies with the parent (e.g. the test runner timed out), whatever the last case left running.
process.on('disconnect', () => process.exit(0));
