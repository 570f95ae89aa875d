// `springtail evolve --executor bullmq` with real worker processes on a real redis-server (issue 11):
// a worker killed with SIGKILL mid-generation, the coordinator killed twice, Redis stopped for
// 20 s — each run ends identical to the local executor's — plus a chunk failing all its attempts,
// workers refusing jobs of other code or configs, and Redis problems at start as exit 2.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codeVersion, configHash, QUEUE } from '../../bin/executor/protocol.ts';
import { startRedis, type RedisServer } from '../redis-server.ts';
import { ROOT, springtail } from '../spawn-cli.ts';

// tests/evolve/tiny.ts's TINY, with a childhood long enough that a chunk is still being
// evaluated when its worker is killed right after it reported the start
const SMALL = [
  '--set', 'strategy.popSize=6',
  '--set', 'fitness.childhood=400',
  '--set', 'fitness.train=60',
  '--set', 'fitness.test=40',
  '--set', 'task.train=100',
  '--set', 'task.test=60',
  '--set', 'genome.budget=6',
];
const G = 10;
// a dead worker's chunk is taken again within about lock + 2 stall intervals (4 s here)
const FAST_LOCKS = ['--lock-duration', '2000', '--stalled-interval', '1000'];

const tmp = () => join(mkdtempSync(join(tmpdir(), 'springtail-bullmq-')), 'run');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  child: ChildProcess;
  out: string;
  err: string;
  exit: Promise<number | null>;
}
const procs = new Set<Proc>();

function start(args: string[]): Proc {
  const child = spawn(process.execPath, ['bin/springtail.js', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { child, out: '', err: '', exit: new Promise((r) => child.once('close', (code) => r(code))) };
  child.stdout!.on('data', (d) => (p.out += d));
  child.stderr!.on('data', (d) => (p.err += d));
  procs.add(p);
  void p.exit.then(() => procs.delete(p));
  return p;
}

async function until(what: string, cond: () => boolean, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const kill9 = async (p: Proc) => {
  p.child.kill('SIGKILL');
  await p.exit;
};

const jsonl = (file: string): Record<string, any>[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
/** generations.jsonl without the timing fields, which differ from run to run. */
const records = (dir: string) => jsonl(join(dir, 'generations.jsonl')).map(({ eval_seconds: _s, evals_per_s: _r, ...rest }) => rest);
const outcome = (dir: string) => ({
  records: records(dir),
  best: JSON.parse(readFileSync(join(dir, 'best-genome.json'), 'utf8')),
  checkpoint: JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')),
});
const generations = (dir: string) => jsonl(join(dir, 'generations.jsonl')).length;

/** From the coordinator's log: every generation took each of the 6 members from exactly one accepted chunk. */
function expectEachMemberOnce(dir: string) {
  const log = jsonl(join(dir, 'executor.jsonl'));
  for (let g = 0; g < G; g++) {
    const taken = log.filter((l) => l.generation === g && l.members && !l.failed).flatMap((l) => l.members as number[]);
    expect(taken.sort(), `generation ${g}`).toEqual([0, 1, 2, 3, 4, 5]);
    const summary = log.filter((l) => l.generation === g && l.summary);
    expect(summary.length, `generation ${g}`).toBe(1);
    expect(summary[0].summary, `generation ${g}`).toMatchObject({ chunks: 3, accepted: 3, failed: 0, stale: 0, duplicate: 0 });
  }
  return log;
}

describe('springtail evolve --executor bullmq', () => {
  let redis: RedisServer;
  let reference: ReturnType<typeof outcome>;

  beforeAll(async () => {
    redis = await startRedis();
    const dir = tmp();
    const r = await springtail(['evolve', 'configs/evolve-glider.json', ...SMALL, '--generations', String(G), '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    reference = outcome(dir);
  });

  afterEach(async () => {
    for (const p of [...procs]) await kill9(p);
    // a test that failed while Redis was stopped must not fail the next ones
    await redis.start();
  });

  afterAll(async () => {
    for (const p of [...procs]) await kill9(p);
    await redis?.stop();
  });

  const coordinator = (dir: string, more: string[] = []) => start(['evolve', 'configs/evolve-glider.json', ...SMALL, '--generations', String(G), '--out', dir, '--executor', 'bullmq', '--redis', redis.url, '--chunk', '2', ...more]);
  const worker = () => start(['worker', '--redis', redis.url, ...FAST_LOCKS]);

  it('2 workers, one killed with SIGKILL mid-chunk and restarted later: identical to the local executor, every member counted once', { timeout: 180_000 }, async () => {
    const dir = tmp();
    const a = worker();
    const b = worker();
    const c = coordinator(dir);
    // worker a is killed right after it reports starting a chunk of generation 3
    await until('worker a starting a chunk of generation 3', () => /job (\S+) started: run \S+ generation 3 /.test(a.out) || c.child.exitCode !== null);
    await kill9(a);
    const killed = /job (\S+) started: run \S+ generation 3 /.exec(a.out)![1];
    expect(a.out).not.toContain(`job ${killed} done`);
    await until('generation 6', () => generations(dir) >= 6 || c.child.exitCode !== null);
    const a2 = worker();
    expect(await c.exit, c.err).toBe(0);
    expect(outcome(dir)).toEqual(reference);
    const log = expectEachMemberOnce(dir);
    // the killed chunk was taken from the dead worker's expired lock and evaluated by the other
    const line = log.find((l) => l.job === killed && l.members)!;
    expect(line.stalled).toBeGreaterThanOrEqual(1);
    expect(b.out).toContain(`job ${killed} done`);
    expect(line.worker).toBe(/^worker (\S+):/.exec(b.out)![1]);
    expect(a2.out + b.out).toMatch(/generation 9 /);
    expect(c.err).not.toMatch(/\n\s+at /);
    // no other chunk lost its lock, though the first ones (their evaluation process starting)
    // take about twice the 2 s lock: evaluations run off the worker's event loop
    for (const l of log.filter((l) => l.members && l.job !== killed)) expect(l, l.job).toMatchObject({ stalled: 0, attempts: 1 });
  });

  it('the coordinator killed with SIGKILL twice mid-generation and resumed: identical to an uninterrupted run', { timeout: 180_000 }, async () => {
    const dir = tmp();
    worker();
    worker();
    let c = coordinator(dir);
    const resumedGenerations: number[] = [];
    for (const g of [2, 6]) {
      // mid-generation: some of generation g's chunks accepted, its summary not written yet
      const log = join(dir, 'executor.jsonl');
      await until(`a chunk of generation ${g} accepted`, () => jsonl(log).some((l) => l.generation === g && l.members) || c.child.exitCode !== null);
      await kill9(c);
      // killed before generation g was committed: its other chunks were still being evaluated
      expect(JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).generation).toBe(g);
      resumedGenerations.push(g);
      c = start(['evolve', '--resume', dir, '--executor', 'bullmq', '--redis', redis.url, '--chunk', '2']);
    }
    expect(await c.exit, c.err).toBe(0);
    expect(outcome(dir)).toEqual(reference);
    const log = expectEachMemberOnce(dir);
    // the resumed coordinator reconciled from the jobs' states: chunks finished before (or while)
    // it was down were taken from Redis, not evaluated again
    for (const g of resumedGenerations) {
      const s = log.find((l) => l.generation === g && l.summary)!.summary;
      expect(s.added, `generation ${g}`).toBeLessThan(3);
    }
  });

  it('Redis stopped for 20 s mid-run and restarted (empty): the run waits, shows it, and completes identically', { timeout: 180_000 }, async () => {
    const dir = tmp();
    const w = [worker(), worker()];
    const c = coordinator(dir);
    await until('generation 4', () => generations(dir) >= 4 || c.child.exitCode !== null);
    await redis.stop();
    await sleep(20_000);
    await redis.start();
    expect(await c.exit, c.err).toBe(0);
    expect(c.err).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ not answering for \d+ s/);
    expect(c.err).toMatch(/answers again after \d+ s/);
    expect(outcome(dir)).toEqual(reference);
    expectEachMemberOnce(dir);
    // the same two workers did the rest: they waited for Redis too
    for (const p of w) expect(p.child.exitCode).toBe(null);
    expect(w[0].out + w[1].out).toMatch(/generation 9 /);
  });

  it('Redis gone longer than --redis-timeout: exit 1 with the checkpoint intact; --resume completes identically', { timeout: 180_000 }, async () => {
    const dir = tmp();
    worker();
    worker();
    const c = coordinator(dir, ['--redis-timeout', '3']);
    await until('generation 2', () => generations(dir) >= 2 || c.child.exitCode !== null);
    await redis.stop();
    const t0 = Date.now();
    expect(await c.exit, c.err).toBe(1);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(c.err).toMatch(/lost Redis at redis:\/\/127\.0\.0\.1:\d+ for 3 s \(--redis-timeout\) while .* of generation \d+/);
    expect(c.err).toMatch(/checkpoint in .* is intact: continue with springtail evolve --resume/);
    expect(c.err).not.toMatch(/\n\s+at /);
    const ck = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
    expect(generations(dir)).toBe(ck.generation);
    await redis.start();
    const r = start(['evolve', '--resume', dir, '--executor', 'bullmq', '--redis', redis.url, '--chunk', '2']);
    expect(await r.exit, r.err).toBe(0);
    expect(outcome(dir)).toEqual(reference);
    expectEachMemberOnce(dir);
  });

  it('SIGINT: the generation finishes, exit 0, and the resume hint carries the executor flags', { timeout: 180_000 }, async () => {
    const dir = tmp();
    worker();
    const c = coordinator(dir);
    await until('generation 1', () => generations(dir) >= 1 || c.child.exitCode !== null);
    c.child.kill('SIGINT');
    expect(await c.exit, c.err).toBe(0);
    const done = generations(dir);
    expect(done).toBeLessThan(G);
    expect(c.out).toContain(`continue with: springtail evolve --resume ${dir} --executor bullmq --redis ${redis.url} --chunk 2\n`);
  });

  it('with the novelty bonus: the same records, archive and best as the local executor', { timeout: 180_000 }, async () => {
    const novelty = ['--set', 'novelty={"weight":0.5,"k":3,"probes":8,"archive":5,"perGeneration":2}', '--generations', '3'];
    const local = tmp();
    const l = await springtail(['evolve', 'configs/evolve-glider.json', ...SMALL, ...novelty, '--out', local]);
    expect(l.code, l.stderr).toBe(0);
    const dir = tmp();
    worker();
    worker();
    const c = start(['evolve', 'configs/evolve-glider.json', ...SMALL, ...novelty, '--out', dir, '--executor', 'bullmq', '--redis', redis.url, '--chunk', '2']);
    expect(await c.exit, c.err).toBe(0);
    const got = outcome(dir);
    expect(got.checkpoint.novelty.descriptors).toHaveLength(5);
    expect(got).toEqual(outcome(local));
  });

  it('a chunk whose evaluation dies on every attempt: its members get the worst fitness, are logged, and the run goes on', { timeout: 180_000 }, async () => {
    const dir = tmp();
    const w = worker();
    const c = start(['evolve', 'configs/evolve-glider.json', ...SMALL, '--generations', '1', '--out', dir, '--executor', 'bullmq', '--redis', redis.url, '--chunk', '6']);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const re = new RegExp(`started: .* attempt ${attempt}, evaluation process (\\d+)`);
      await until(`attempt ${attempt}`, () => re.test(w.out));
      process.kill(Number(re.exec(w.out)![1]), 'SIGKILL');
    }
    expect(await c.exit, c.err).toBe(0);
    expect(c.err).toMatch(/failed after 3 attempt\(s\): evaluation process \d+ died \(SIGKILL\); members 0, 1, 2, 3, 4, 5 get the worst fitness/);
    const [rec] = records(dir);
    expect(rec.failures).toBe(6);
    const failed = jsonl(join(dir, 'executor.jsonl')).find((l) => l.failed);
    expect(failed).toMatchObject({ generation: 0, attempts: 3, members: [0, 1, 2, 3, 4, 5] });
  });

  it('a worker refuses a job of other code or another config, leaving it untouched, and exits 2', { timeout: 120_000 }, async () => {
    const queue = new Queue(QUEUE, { connection: { url: redis.url, maxRetriesPerRequest: null } });
    try {
      const config = JSON.parse(readFileSync(join(ROOT, 'configs/evolve-glider.json'), 'utf8'));
      const members = [{ member: 0, x: [0], hash: '0' }];
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['other code', { codeVersion: '0.0.1+000000000000', configHash: configHash(config) }, /comes from springtail 0\.0\.1\+000000000000, this worker is \S+/],
        ['config hash', { codeVersion: codeVersion(), configHash: 'feedfacefeedface' }, /config hashes to [0-9a-f]{16} here, the coordinator sent feedfacefeedface/],
      ];
      for (const [what, fields, message] of cases) {
        const id = `refusal${what.replace(/\W/g, '')}.g0.m0-0`;
        await queue.add('evaluate', { runId: 'refusal', generation: 0, members, config, ...fields }, { jobId: id, attempts: 3 });
        const w = worker();
        expect(await w.exit, what).toBe(2);
        expect(w.err, what).toMatch(new RegExp(`refused job ${id.replace(/\./g, '\\.')} of run refusal: `));
        expect(w.err, what).toMatch(message);
        expect(w.err, what).not.toMatch(/\n\s+at /);
        const job = (await queue.getJob(id))!;
        expect(await job.getState(), what).toBe('waiting');
        expect(job.attemptsMade, what).toBe(0);
        await job.remove();
      }
    } finally {
      await queue.close();
    }
  });

  it('Redis unreachable, misconfigured or misnamed at start: exit 2 naming the URL or the flag, at once', { timeout: 120_000 }, async () => {
    // a port nothing listens on: the server's own, stopped
    const down = await startRedis();
    await down.stop();
    for (const args of [
      ['evolve', 'configs/evolve-glider.json', ...SMALL, '--out', tmp(), '--executor', 'bullmq', '--redis', down.url],
      ['worker', '--redis', down.url],
    ]) {
      const t0 = Date.now();
      const r = await springtail(args);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr, args[0]).toContain(`cannot reach Redis at ${down.url} (--redis): connect ECONNREFUSED`);
      expect(r.stderr, args[0]).not.toMatch(/\n\s+at /);
      expect(Date.now() - t0, args[0]).toBeLessThan(30_000);
    }
    const bad: [string[], RegExp][] = [
      [['worker', '--redis', 'localhost:6379'], /at --redis: got "localhost:6379", expected a Redis URL/],
      [['worker'], /at --redis: missing, expected a Redis URL/],
      [['evolve', 'configs/evolve-glider.json', '--executor', 'bullmq'], /at --redis: missing, expected a Redis URL with --executor bullmq/],
      [['evolve', 'configs/evolve-glider.json', '--redis', redis.url], /at --redis: got .*, expected nothing: it is only for --executor bullmq/],
      [['evolve', 'configs/evolve-glider.json', '--executor', 'queue'], /at --executor: got "queue", expected "local" \| "bullmq"/],
      [['worker', '--redis', redis.url, '--concurrency', '0'], /at --concurrency: got "0", expected integer 1\.\./],
    ];
    const got = await Promise.all(bad.map(([args]) => springtail(args)));
    bad.forEach(([args, message], i) => {
      expect(got[i].code, args.join(' ')).toBe(2);
      expect(got[i].stderr, args.join(' ')).toMatch(message);
    });
    // an eviction policy that could drop jobs is refused
    const client = new Redis(redis.url);
    try {
      await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const r = await springtail(['worker', '--redis', redis.url]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/has maxmemory-policy allkeys-lru: BullMQ needs noeviction/);
    } finally {
      await client.config('SET', 'maxmemory-policy', 'noeviction');
      client.disconnect();
    }
  });
});
