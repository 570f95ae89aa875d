// `springtail worker --redis URL` (evolve/README.md "Distributed evaluation"): takes chunk jobs of
// any evolution run from the queue and evaluates them. The main process only talks to Redis (so
// it renews job locks on time however long an evaluation takes); each concurrency slot evaluates
// in its own child process (bin/executor/eval-child.ts). A job of another code version, or whose
// config resolves differently here, is put back untouched (no attempt used) and the worker exits 2.
import { fork, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { WaitingError, Worker, type Job } from 'bullmq';
import type { MemberResult } from '../../evolve/run.ts';
import { validateEvolve } from '../config/load.ts';
import { UserError } from '../errors.ts';
import type { EvalRequest } from '../executor/eval-child.ts';
import { codeVersion, configHash, encodeResult, genomeHash, QUEUE, type ChunkJob } from '../executor/protocol.ts';
import { connectionOptions, probeRedis, shownUrl } from '../executor/redis.ts';

export interface WorkerOptions {
  url: URL;
  concurrency: number;
  /** What this worker evaluates a run whose config says `auto` on; a run naming another backend is refused. */
  backend: 'cpu' | 'webgpu' | 'auto';
  /** BullMQ's lockDuration and stalledInterval, ms (defaults and reasons in evolve/README.md). */
  lockDuration: number;
  stalledInterval: number;
}

export const WORKER_DEFAULTS = { lockDuration: 30_000, stalledInterval: 15_000 };
/** Stalls (worker died or lost its network) a chunk survives; the next one fails it. */
const MAX_STALLED = 2;

/** Evaluation processes, one per running job, reused from job to job. */
class EvalPool {
  private idle: ChildProcess[] = [];
  private all = new Set<ChildProcess>();
  private next = 0;

  private spawn(): ChildProcess {
    // advanced serialization carries NaN, ±Infinity and -0 (a failed member's fitness) as they are
    const child = fork(join(import.meta.dirname, '..', 'executor', 'eval-child.js'), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.all.add(child);
    child.once('exit', () => {
      this.all.delete(child);
      this.idle = this.idle.filter((c) => c !== child);
    });
    return child;
  }

  run(req: Omit<EvalRequest, 'id'>, started: (pid: number) => void): Promise<MemberResult[]> {
    const child = this.idle.pop() ?? this.spawn();
    const id = this.next++;
    started(child.pid!);
    return new Promise((resolve, reject) => {
      const onMessage = (m: { id: number; results?: MemberResult[]; error?: string }) => {
        if (m.id !== id) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        this.idle.push(child);
        if (m.error !== undefined) reject(new Error(`evaluation failed: ${m.error}`));
        else resolve(m.results!);
      };
      const onExit = (code: number | null, signal: string | null) => {
        child.off('message', onMessage);
        reject(new Error(`evaluation process ${child.pid} died (${signal ?? `exit code ${code}`})`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ ...req, id });
    });
  }

  close(): void {
    for (const c of this.all) c.kill('SIGTERM');
  }
}

export async function workerCommand(opts: WorkerOptions): Promise<void> {
  const shown = shownUrl(opts.url);
  await probeRedis(opts.url);
  const version = codeVersion();
  const name = `${hostname()}.${process.pid}`;
  const say = (line: string) => process.stdout.write(`worker ${name}: ${line}\n`);
  const pool = new EvalPool();
  // per config hash: why this worker refuses it, or '' when it evaluates it (validation is not free)
  const verdicts = new Map<string, { refusal: string; problems?: UserError['problems']; backend: EvalRequest['backend'] }>();
  let refusal: UserError | undefined;

  const verdict = (d: ChunkJob) => {
    let v = verdicts.get(d.configHash);
    if (v) return v;
    let refused = '';
    let problems: UserError['problems'] | undefined;
    let backend = opts.backend;
    if (configHash(d.config) !== d.configHash) refused = `its config hashes to ${configHash(d.config)} here, the coordinator sent ${d.configHash}`;
    else {
      try {
        const resolved = validateEvolve(d.config, `the config of run ${d.runId}`);
        if (configHash(resolved) !== d.configHash) refused = `this worker resolves the run's config to ${configHash(resolved)}, the coordinator to ${d.configHash} (another config schema: run the same springtail on every machine)`;
        else if (resolved.backend !== 'auto') {
          if (opts.backend !== 'auto' && opts.backend !== resolved.backend) refused = `the run evaluates on backend ${resolved.backend}, this worker was started with --backend ${opts.backend}`;
          backend = resolved.backend;
        }
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        refused = `its config is invalid here (${e.message})`;
        problems = e.problems;
      }
    }
    v = { refusal: refused, problems, backend };
    verdicts.set(d.configHash, v);
    return v;
  };

  const worker: Worker<ChunkJob, string> = new Worker<ChunkJob, string>(
    QUEUE,
    async (job: Job<ChunkJob, string>, token?: string) => {
      const d = job.data;
      const v = d.codeVersion !== version ? { refusal: `it comes from springtail ${d.codeVersion}, this worker is ${version} (run the same version and sources on every machine)`, backend: opts.backend } : verdict(d);
      if (v.refusal) {
        // back to the wait list untouched: no attempt is used, and a worker of the right version takes it
        await job.moveToWait(token);
        refusal ??= new UserError(`refused job ${job.id} of run ${d.runId}: ${v.refusal}`, ('problems' in v && v.problems) || []);
        // closing first, so BullMQ does not fetch another job when the processor returns
        void worker.close();
        throw new WaitingError();
      }
      const range = `${d.members[0].member}-${d.members[d.members.length - 1].member}`;
      const t0 = performance.now();
      const results = await pool.run({ config: d.config, configHash: d.configHash, backend: v.backend, generation: d.generation, members: d.members.map(({ member, x }) => ({ member, x })) }, (pid) =>
        say(`job ${job.id} started: run ${d.runId} generation ${d.generation} members ${range}, attempt ${job.attemptsMade + 1}, evaluation process ${pid}`),
      );
      const seconds = (performance.now() - t0) / 1000;
      say(`job ${job.id} done in ${seconds.toFixed(2)} s`);
      // the hashes of what was evaluated here, so the coordinator can tell the result is for its genomes
      return encodeResult({ runId: d.runId, generation: d.generation, configHash: d.configHash, worker: name, seconds, results: results.map((r, i) => ({ ...r, hash: genomeHash(d.members[i].x) })) });
    },
    {
      connection: connectionOptions(opts.url),
      name,
      concurrency: opts.concurrency,
      autorun: false,
      lockDuration: opts.lockDuration,
      stalledInterval: opts.stalledInterval,
      maxStalledCount: MAX_STALLED,
    },
  );
  let errorShownAt = 0;
  worker.on('error', (e) => {
    // a lost Redis repeats its error every reconnection attempt: once per 10 s is enough to see it
    if (Date.now() - errorShownAt < 10_000) return;
    errorShownAt = Date.now();
    process.stderr.write(`worker ${name}: Redis at ${shown}: ${e.message} (retrying)\n`);
  });
  worker.on('failed', (job, e) => job && say(`job ${job.id} failed: ${e.message}`));

  let stopping = false;
  const onSignal = (sig: string) => {
    if (stopping) {
      // closing may wait on a lost Redis; the running jobs return to the queue when their locks expire
      say(`${sig} again: stopping now`);
      pool.close();
      process.exit(1);
    }
    stopping = true;
    say(`${sig}: finishing the running job(s), then exiting`);
    void worker.close();
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  say(`springtail ${version}, concurrency ${opts.concurrency}, backend ${opts.backend}, taking jobs from ${shown} (queue ${QUEUE})`);
  try {
    await worker.run();
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    await worker.close();
    pool.close();
  }
  if (refusal) throw refusal;
}
