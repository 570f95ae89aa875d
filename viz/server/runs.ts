// The run directories under ROOT (those holding the `.springtail-run` marker) and the few
// figures the start page shows for each.
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface RunEntry {
  /** Path under ROOT with '/' separators: what `#/run/<name>` and `/files/<name>/` take. */
  name: string;
  kind: 'simulation' | 'comparison' | 'evolution' | 'unknown';
  /** ISO date from the marker (or the directory's mtime). */
  created: string;
  /** A few figures for the list: final metrics, best fitness, methods. */
  metrics: Record<string, number | string>;
}

const MARKER = '.springtail-run';
/** Run directories are searched this deep below ROOT (runs/<name>/ is depth 1). */
const MAX_DEPTH = 3;

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function lastLine(path: string): unknown {
  try {
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    return JSON.parse(lines.at(-1) ?? '');
  } catch {
    return undefined;
  }
}

function figures(dir: string, kind: RunEntry['kind']): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  if (kind === 'simulation') {
    const s = readJson(join(dir, 'summary.json'));
    if (isObj(s)) {
      if (typeof s.steps === 'number') out.steps = s.steps;
      if (typeof s.backend === 'string') out.backend = s.backend;
      if (isObj(s.network) && typeof s.network.neurons === 'number') out.neurons = s.network.neurons;
      if (isObj(s.metrics)) for (const k of ['recon_mse', 'pc1_cos']) if (typeof s.metrics[k] === 'number') out[k] = s.metrics[k] as number;
    }
  } else if (kind === 'comparison') {
    const s = readJson(join(dir, 'summary.json'));
    if (isObj(s)) {
      if (isObj(s.task) && typeof s.task.kind === 'string') out.task = s.task.kind;
      if (isObj(s.methods)) out.methods = Object.keys(s.methods).join(', ');
    }
  } else if (kind === 'evolution') {
    const g = lastLine(join(dir, 'generations.jsonl'));
    if (isObj(g)) {
      if (typeof g.generation === 'number') out.generations = g.generation + 1;
      if (typeof g.best_so_far === 'number') out.best_fitness = g.best_so_far;
    }
  }
  return out;
}

/** A directory's marker: its kind and date, or null when it has none (not a run directory). */
export function readMarker(dir: string): { kind: RunEntry['kind']; created?: string } | null {
  if (!existsSync(join(dir, MARKER))) return null;
  const m = readJson(join(dir, MARKER));
  const kinds = ['simulation', 'comparison', 'evolution'] as const;
  return {
    kind: isObj(m) && kinds.includes(m.kind as never) ? (m.kind as RunEntry['kind']) : 'unknown',
    ...(isObj(m) && typeof m.created === 'string' ? { created: m.created } : {}),
  };
}

function entry(root: string, dir: string): RunEntry {
  const m = readMarker(dir);
  const kind = m?.kind ?? 'unknown';
  const created = m?.created ?? new Date(statSync(dir).mtimeMs).toISOString();
  return { name: relative(root, dir).split(sep).join('/'), kind, created, metrics: figures(dir, kind) };
}

/** Newest first. Hidden directories (a `--force` swap's `.springtail-old-*`) are skipped. */
export function listRuns(root: string): RunEntry[] {
  const out: RunEntry[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    if (depth > 0 && names.includes(MARKER)) {
      out.push(entry(root, dir));
      return;
    }
    if (depth >= MAX_DEPTH) return;
    for (const n of names.sort()) {
      if (n.startsWith('.')) continue;
      const p = join(dir, n);
      try {
        // lstat: a symbolic link is not followed (it may lead out of ROOT)
        if (lstatSync(p).isDirectory()) walk(p, depth + 1);
      } catch {
        // unreadable entry: not listed
      }
    }
  };
  walk(root, 0);
  return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
}
