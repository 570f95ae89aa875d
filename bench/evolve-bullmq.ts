// Scaling of `springtail evolve --executor bullmq`, by hand (minutes, not a test): generations per
// hour with the local executor, 1 worker and 2 workers on a private redis-server, and the queue's
// overhead: a generation's wall time minus the evaluation time its worker reports, with 1 worker
// (chunks one after another), at two chunk sizes, fitted as (per generation) + (per chunk) × chunks.
// Generation 0 is left out (it includes each evaluation process's start and the task's setup).
//
//   npx tsx bench/evolve-bullmq.ts [--config configs/evolve-glider.json] [--generations 6] [--chunk 12] [--small-chunk 2] [--set k=v ...]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../tests/redis-server.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const config = arg('config', 'configs/evolve-glider.json');
const generations = Number(arg('generations', '6'));
const chunk = Number(arg('chunk', '12'));
const smallChunk = Number(arg('small-chunk', '2'));
const sets = args.flatMap((a, i) => (a === '--set' ? ['--set', args[i + 1]] : []));
const ROOT = join(import.meta.dirname, '..');

function springtail(argv: string[], log = false): { done: Promise<number | null>; kill: () => void } {
  const child = spawn(process.execPath, ['bin/springtail.js', ...argv], { cwd: ROOT, stdio: ['ignore', log ? 'inherit' : 'ignore', 'inherit'] });
  return { done: new Promise((r) => child.once('close', r)), kill: () => child.kill('SIGINT') };
}

const jsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

interface Row {
  executor: string;
  chunk?: number;
  gen_seconds: number;
  generations_per_hour: number;
  chunks_per_generation?: number;
  /** 1 worker: wall time minus the worker's evaluation time, per generation. */
  overhead_ms?: number;
}

async function measure(workers: number | 'local', url: string, chunk: number): Promise<Row> {
  const dir = join(mkdtempSync(join(tmpdir(), 'springtail-bench-')), 'run');
  const ws = workers === 'local' ? [] : Array.from({ length: workers }, () => springtail(['worker', '--redis', url]));
  const exec = workers === 'local' ? [] : ['--executor', 'bullmq', '--redis', url, '--chunk', String(chunk)];
  const code = await springtail(['evolve', config, ...sets, '--generations', String(generations), '--out', dir, ...exec]).done;
  for (const w of ws) w.kill();
  await Promise.all(ws.map((w) => w.done));
  if (code !== 0) throw new Error(`evolve exited ${code}`);
  const gens = jsonl(join(dir, 'generations.jsonl')).slice(1);
  const wall = gens.reduce((a, g) => a + g.eval_seconds, 0) / gens.length;
  const row: Row = { executor: workers === 'local' ? 'local' : `bullmq, ${workers} worker${workers > 1 ? 's' : ''}`, gen_seconds: wall, generations_per_hour: 3600 / wall };
  if (workers === 'local') return row;
  const log = jsonl(join(dir, 'executor.jsonl')).filter((l) => l.generation > 0 && l.members);
  row.chunk = chunk;
  row.chunks_per_generation = log.length / gens.length;
  if (workers === 1) row.overhead_ms = 1000 * (wall - log.reduce((a, l) => a + l.seconds, 0) / gens.length);
  return row;
}

const redis = await startRedis();
const rows: Row[] = [];
try {
  for (const [w, c] of [['local', 0], [1, chunk], [1, smallChunk], [2, chunk]] as const) {
    process.stderr.write(`measuring ${w === 'local' ? 'the local executor' : `${w} worker(s), --chunk ${c}`}: ${generations} generations of ${config}\n`);
    rows.push(await measure(w, redis.url, c));
  }
} finally {
  await redis.stop();
}
const f = (x: number | undefined, d = 1) => (x === undefined ? '' : x.toFixed(d));
console.log(`${config} ${sets.join(' ')}, ${generations} generations (the first left out)`);
console.log('| executor | --chunk | chunks / generation | s / generation | generations / hour | queue overhead / generation (ms) |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.executor} | ${r.chunk ?? ''} | ${f(r.chunks_per_generation, 0)} | ${f(r.gen_seconds, 2)} | ${f(r.generations_per_hour, 0)} | ${f(r.overhead_ms)} |`);
const [a, b] = rows.filter((r) => r.overhead_ms !== undefined);
const perChunk = (a.overhead_ms! - b.overhead_ms!) / (a.chunks_per_generation! - b.chunks_per_generation!);
console.log(`queue overhead ≈ ${f(a.overhead_ms! - perChunk * a.chunks_per_generation!)} ms per generation + ${f(perChunk, 2)} ms per chunk`);
