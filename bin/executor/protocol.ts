// What the coordinator and the workers agree on (evolve/README.md "Distributed evaluation"): the
// queue, the job ids, a chunk job's data and result, and the hashes that make a stale result or a
// worker of other code recognizable.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { MemberResult } from '../../evolve/run.ts';

export const QUEUE = 'springtail-evolve';
export const JOB_NAME = 'evaluate';

/** One job: a chunk of a generation's members, evaluated as one batched tensor. */
export interface ChunkJob {
  runId: string;
  generation: number;
  members: { member: number; x: number[]; hash: string }[];
  /** The run's resolved config (what config.json holds) and its hash. */
  config: unknown;
  configHash: string;
  codeVersion: string;
}

/** What a worker returns for a chunk job, as `encodeResult` text. */
export interface ChunkResult {
  runId: string;
  generation: number;
  configHash: string;
  worker: string;
  seconds: number;
  results: (MemberResult & { hash: string })[];
}

/**
 * `<run>.g<generation>.m<first>-<last>`: BullMQ job ids may not contain ':' and must not be plain
 * integers. The member range is in the id, so a coordinator resumed with another --chunk never
 * takes an old chunk's job for a new one.
 */
export function jobId(runId: string, generation: number, first: number, last: number): string {
  return `${runId}.g${generation}.m${first}-${last}`;
}

/** The generation a job id of `runId` belongs to, or undefined for another run's id. */
export function jobGeneration(runId: string, id: string): number | undefined {
  const m = /^(.+)\.g(\d+)\.m\d+-\d+$/.exec(id);
  return m && m[1] === runId ? Number(m[2]) : undefined;
}

const sha = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** A member's genome: the float64 bytes of its vector, so equal hashes mean the same point exactly. */
export function genomeHash(x: ArrayLike<number>): string {
  return sha(Buffer.from(Float64Array.from(x).buffer)).slice(0, 16);
}

/** JSON with object keys sorted, so the hash does not depend on key order. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val) => (val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => (a < b ? -1 : 1))) : val));
}

/** The hash of a resolved config, without `generations` (a resume may change it; evaluation never reads it). */
export function configHash(config: unknown): string {
  const { generations: _g, ...rest } = config as Record<string, unknown>;
  return sha(canonicalJson(rest)).slice(0, 16);
}

const ROOT = join(import.meta.dirname, '..', '..');
// everything that decides what an evaluation computes or how a config resolves
const SOURCES = ['evolve', 'sim', 'rules', 'tasks', 'bin/config'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.(ts|js|json|wgsl)$/.test(e.name) ? [join(dir, e.name)] : []))
    .sort();
}

let version: string | undefined;

/** package.json's version + a hash of the sources an evaluation runs: equal only for the same code. */
export function codeVersion(): string {
  if (version === undefined) {
    const h = createHash('sha256');
    for (const f of SOURCES.flatMap((d) => sourceFiles(join(ROOT, d)))) h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    version = `${pkg.version}+${h.digest('hex').slice(0, 12)}`;
  }
  return version;
}

// JSON has no NaN, ±Infinity or -0 (a failed member's fitness is -Infinity): tagged objects carry them
const TAG = '~num';
export function encodeResult(r: ChunkResult): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { [TAG]: Object.is(v, -0) ? '-0' : String(v) } : v));
}
export function decodeResult(text: string): ChunkResult {
  return JSON.parse(text, (_k, v) => (v && typeof v === 'object' && typeof v[TAG] === 'string' && Object.keys(v).length === 1 ? Number(v[TAG]) : v));
}

/**
 * Why a completed job's result cannot be used for `job` (another run, generation or config, or
 * other genomes than the ones sent), or undefined when it matches member for member.
 */
export function staleReason(job: ChunkJob, r: ChunkResult): string | undefined {
  if (r.runId !== job.runId) return `run ${r.runId}, not ${job.runId}`;
  if (r.generation !== job.generation) return `generation ${r.generation}, not ${job.generation}`;
  if (r.configHash !== job.configHash) return `config ${r.configHash}, not ${job.configHash}`;
  if (r.results.length !== job.members.length) return `${r.results.length} results for ${job.members.length} members`;
  for (let i = 0; i < job.members.length; i++) {
    const want = job.members[i];
    const got = r.results[i];
    if (got.member !== want.member || got.hash !== want.hash) return `member ${got.member} genome ${got.hash}, not member ${want.member} genome ${want.hash}`;
  }
  return undefined;
}
