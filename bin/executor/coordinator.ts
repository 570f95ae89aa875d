// The coordinator's side of `--executor bullmq` (evolve/README.md "Distributed evaluation"): an
// Evaluator that turns a generation into chunk jobs and collects their results by polling the
// jobs' states in Redis. Job states, not QueueEvents, are the source of truth: the events stream
// is trimmed and a restarted listener starts after what it missed, while a job's state and return
// value stay until the coordinator removes them, so a coordinator killed at any moment, or a
// Redis restarted empty, is reconciled by the same loop that runs every generation.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, type Job } from 'bullmq';
import { WORST } from '../../evolve/fitness.ts';
import type { Evaluator, MemberResult } from '../../evolve/run.ts';
import type { EvolveConfig } from '../config/evolve-schema.ts';
import { RunFailure, UserError } from '../errors.ts';
import { appendLine, writeFileAtomic, writeJsonAtomic } from '../fsutil.ts';
import { codeVersion, configHash, decodeResult, genomeHash, JOB_NAME, jobGeneration, jobId, QUEUE, staleReason, type ChunkJob } from './protocol.ts';
import { connectionOptions, shownUrl } from './redis.ts';

export interface BullmqOptions {
  url: URL;
  /** Members per job (default `DEFAULT_CHUNK`). */
  chunk?: number;
  /** Seconds without Redis before the run stops with exit 1 (the checkpoint stays intact). */
  redisTimeout: number;
  /** Milliseconds between polls of the outstanding jobs. */
  poll?: number;
  log?: (line: string) => void;
}

export const DEFAULT_CHUNK = 4;
/** Retries of a chunk whose evaluation threw or whose process died; then its members get WORST. */
export const ATTEMPTS = 3;
// Leftovers of a coordinator that never came back are removed a week after they finished; a
// live coordinator removes each generation's jobs itself once the generation is committed.
const KEEP = { age: 7 * 24 * 3600 };
const RUN_FILE = 'bullmq.json';
const LOG_FILE = 'executor.jsonl';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The run's id, kept in the run directory so a resumed coordinator finds its jobs again. */
function runIdOf(dir: string): string {
  const file = join(dir, RUN_FILE);
  if (existsSync(file)) {
    let id: unknown;
    try {
      id = JSON.parse(readFileSync(file, 'utf8')).runId;
    } catch (e) {
      throw new UserError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof id !== 'string' || !/^[0-9a-f]{12}$/.test(id)) throw new UserError(`invalid ${file}`, [{ path: 'runId', value: id, expected: '12 hex digits' }]);
    return id;
  }
  const runId = randomBytes(6).toString('hex');
  writeJsonAtomic(file, { runId });
  return runId;
}

/** Keeps the executor log's lines of generations before `generation` (later ones were never committed). */
function trimLog(file: string, generation: number): void {
  if (!existsSync(file)) return;
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const keep = lines.filter((l) => (JSON.parse(l) as { generation: number }).generation < generation);
  if (keep.length !== lines.length) writeFileAtomic(file, keep.map((l) => l + '\n').join(''));
}

export function bullmqEvaluator(opts: BullmqOptions, run: { config: EvolveConfig; dir: string }): Evaluator {
  const shown = shownUrl(opts.url);
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const poll = opts.poll ?? 100;
  const chunk = opts.chunk ?? DEFAULT_CHUNK;
  const logFile = join(run.dir, LOG_FILE);
  const runId = runIdOf(run.dir);
  const cfgHash = configHash(run.config);
  const version = codeVersion();
  const queue = new Queue(QUEUE, { connection: connectionOptions(opts.url) });
  let lastError = '';
  queue.on('error', (e) => (lastError = e.message));
  let first = true;
  let committed: string[] = [];

  /** Runs Redis commands, waiting out a lost Redis with a visible countdown, at most `redisTimeout` s. */
  async function redis<T>(what: string, generation: number, f: () => Promise<T>): Promise<T> {
    const calledAt = Date.now();
    let lostAt: number | undefined;
    let shownAt = 0;
    const waiting = () => {
      const now = Date.now();
      lostAt ??= calledAt;
      const s = Math.round((now - lostAt) / 1000);
      if ((now - lostAt) / 1000 > opts.redisTimeout) {
        throw new RunFailure(
          `lost Redis at ${shown} for ${opts.redisTimeout} s (--redis-timeout) while ${what} of generation ${generation}${lastError ? ` (${lastError})` : ''}: stopping. ` +
            `The checkpoint in ${run.dir} is intact: continue with springtail evolve --resume ${run.dir} --executor bullmq --redis ${shown}`,
        );
      }
      if (now - shownAt >= 10_000) {
        shownAt = now;
        log(`Redis at ${shown} not answering for ${s} s${lastError ? ` (${lastError})` : ''}; reconnecting every ≤5 s, giving up after ${opts.redisTimeout} s (--redis-timeout)`);
      }
    };
    for (let attempt = 0; ; attempt++) {
      const p = f().then((value) => ({ value }), (error: unknown) => ({ error }));
      for (;;) {
        // commands wait for the reconnection (maxRetriesPerRequest: null): a slow answer is a lost Redis
        const r = await Promise.race([p, sleep(2000).then(() => undefined)]);
        if (r === undefined) {
          waiting();
          continue;
        }
        if ('value' in r) {
          if (lostAt !== undefined) log(`Redis at ${shown} answers again after ${Math.round((Date.now() - lostAt) / 1000)} s: continuing generation ${generation}`);
          return r.value;
        }
        lastError = r.error instanceof Error ? r.error.message : String(r.error);
        break;
      }
      waiting();
      await sleep(Math.min(250 * 2 ** attempt, 5000));
    }
  }

  /** Removes jobs of this run (locked ones stay: their worker is still finishing; KEEP removes them). */
  const remove = (ids: string[]) => Promise.all(ids.map((id) => queue.remove(id).catch(() => 0)));

  return {
    async evaluate(generation, members, progress) {
      if (first) {
        first = false;
        trimLog(logFile, generation);
        // a coordinator killed after a checkpoint leaves the committed generation's jobs behind
        const jobs = await redis('listing old jobs', generation, () => queue.getJobs(['completed', 'failed', 'wait', 'delayed', 'prioritized']));
        const old = jobs.map((j) => j.id!).filter((id) => (jobGeneration(runId, id) ?? generation) !== generation);
        await redis('removing old jobs', generation, () => remove(old));
      } else {
        // evaluate() is called again only once the previous generation is checkpointed
        await redis('removing finished jobs', generation, () => remove(committed));
      }
      const chunks = new Map<string, ChunkJob>();
      for (let i = 0; i < members.length; i += chunk) {
        const part = members.slice(i, i + chunk);
        const data: ChunkJob = {
          runId,
          generation,
          members: part.map((m) => ({ member: m.member, x: Array.from(m.x), hash: genomeHash(m.x) })),
          config: run.config,
          configHash: cfgHash,
          codeVersion: version,
        };
        chunks.set(jobId(runId, generation, part[0].member, part[part.length - 1].member), data);
      }
      committed = [...chunks.keys()];
      const index = new Map(members.map((m, i) => [m.member, i]));
      const results: (MemberResult | undefined)[] = new Array(members.length);
      const count = { chunks: chunks.size, accepted: 0, failed: 0, stale: 0, duplicate: 0, added: 0, readded: 0 };
      const added = new Set<string>();
      const pending = new Map(chunks);
      const add = (id: string) => {
        if (added.has(id)) count.readded++;
        else count.added++;
        added.add(id);
        // an id that still exists is ignored by BullMQ: adding is idempotent, so a resumed
        // coordinator re-adds every chunk and gets the jobs (and results) already there
        return queue.add(JOB_NAME, chunks.get(id)!, { jobId: id, attempts: ATTEMPTS, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: KEEP, removeOnFail: KEEP });
      };
      let done = 0;
      let changedAt = Date.now();
      let shownAt = Date.now();
      while (pending.size > 0) {
        const states = await redis('reading job states', generation, () =>
          Promise.all(
            [...pending.keys()].map(async (id) => {
              // the state first: a job read before its state could complete in between, without its result
              const state = await queue.getJobState(id);
              const job = state === 'completed' || state === 'failed' || state === 'unknown' ? ((await queue.getJob(id)) as Job<ChunkJob, string> | undefined) : undefined;
              return { id, job, state };
            }),
          ),
        );
        const toRemove: string[] = [];
        const toAdd: string[] = [];
        for (const { id, job, state } of states) {
          const want = chunks.get(id)!;
          if (state === 'unknown') {
            // never added yet, or lost with a Redis restarted empty; a job in no list is removed first
            if (job) toRemove.push(id);
            if (added.has(id)) log(`generation ${generation}: job ${id} is gone from Redis; adding it again`);
            toAdd.push(id);
          } else if (!job) {
            // waiting, delayed or active: a worker has it or will (or it was just removed: the next poll adds it)
            continue;
          } else if (state === 'completed') {
            let reason: string | undefined;
            let r;
            try {
              r = decodeResult(job.returnvalue);
              reason = staleReason(want, r);
            } catch (e) {
              reason = `unreadable result (${e instanceof Error ? e.message : String(e)})`;
            }
            if (reason !== undefined || !r) {
              count.stale++;
              appendLine(logFile, JSON.stringify({ generation, job: id, ignored: 'stale', reason }));
              log(`generation ${generation}: ignored a stale result of job ${id} (${reason}); evaluating it again`);
              toRemove.push(id);
              toAdd.push(id);
              continue;
            }
            const accepted: number[] = [];
            for (const { hash: _h, ...m } of r.results) {
              const i = index.get(m.member)!;
              if (results[i] !== undefined) {
                count.duplicate++;
                appendLine(logFile, JSON.stringify({ generation, job: id, ignored: 'duplicate', member: m.member }));
                continue;
              }
              results[i] = m;
              accepted.push(m.member);
            }
            count.accepted++;
            done += accepted.length;
            appendLine(logFile, JSON.stringify({ generation, job: id, members: accepted, worker: r.worker, attempts: job.attemptsMade, stalled: job.stalledCounter, seconds: r.seconds }));
            pending.delete(id);
            changedAt = Date.now();
          } else if (state === 'failed') {
            const why = `job ${id} failed after ${job.attemptsMade} attempt(s): ${job.failedReason}`;
            count.failed++;
            for (const m of want.members) results[index.get(m.member)!] = { member: m.member, fitness: WORST, scores: null, failed: why, synapses: 0 };
            done += want.members.length;
            appendLine(logFile, JSON.stringify({ generation, job: id, failed: job.failedReason, attempts: job.attemptsMade, members: want.members.map((m) => m.member) }));
            log(`generation ${generation}: ${why}; members ${want.members.map((m) => m.member).join(', ')} get the worst fitness`);
            pending.delete(id);
            changedAt = Date.now();
          }
        }
        if (toRemove.length) await redis('removing stale jobs', generation, () => remove(toRemove));
        if (toAdd.length) await redis('adding jobs', generation, () => Promise.all(toAdd.map(add)));
        progress?.(done, members.length);
        if (pending.size === 0) break;
        if (Date.now() - changedAt >= 30_000 && Date.now() - shownAt >= 30_000) {
          shownAt = Date.now();
          const workers = await redis('counting workers', generation, () => queue.getWorkersCount());
          log(`generation ${generation}: ${chunks.size - pending.size}/${chunks.size} jobs done, ${workers} worker(s) on the queue${workers === 0 ? ' (start one: springtail worker --redis URL)' : ''}`);
        }
        await sleep(poll);
      }
      appendLine(logFile, JSON.stringify({ generation, summary: count }));
      return results as MemberResult[];
    },
    async close() {
      // close() waits for pending commands; with Redis lost, drop the connection instead (not
      // awaited: ioredis never reports the end of a connection that was reconnecting)
      if (!(await Promise.race([queue.close().then(() => true, () => true), sleep(2000).then(() => false)]))) void queue.disconnect().catch(() => {});
    },
  };
}
