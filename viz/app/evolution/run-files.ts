// What the evolution dashboard reads from an evolution run directory (bin/commands/evolve.ts writes
// it): generations.jsonl, one record per generation, and best-genome.json (`springtail-genome/1`).
import { type DataSource, parseJsonl } from '../data.ts';

export interface GenerationRecord {
  generation: number;
  fitness: { min: number; median: number; max: number; mean: number };
  best_so_far: number;
  failures: number;
  /** With the novelty bonus: the population's novelty and the archive's size. */
  novelty?: { mean: number; max: number; archive: number };
}

export interface BestGenome {
  format: 'springtail-genome/1';
  genes: Record<string, number>;
  fitness: number;
  generation: number;
  member: number;
  scores?: Record<string, number>;
}

export async function readGenerations(src: DataSource): Promise<GenerationRecord[]> {
  if (!(await src.has('generations.jsonl'))) return [];
  return parseJsonl<GenerationRecord>(await src.text('generations.jsonl')).filter((g) => typeof g.generation === 'number' && g.fitness);
}

export async function readBestGenome(src: DataSource): Promise<BestGenome | null> {
  if (!(await src.has('best-genome.json'))) return null;
  const g = await src.json<BestGenome>('best-genome.json');
  if (g.format !== 'springtail-genome/1') throw new Error(`${src.run}/best-genome.json: format ${JSON.stringify(g.format)}, expected "springtail-genome/1"`);
  return g;
}

/** Neuron types in reading order: in, h1..hK, code, then any others. */
export function typeNames(genes: Record<string, number>): string[] {
  const names = new Set<string>();
  for (const k of Object.keys(genes)) {
    const t = /^type\.([^.]+)\./.exec(k);
    if (t) names.add(t[1]);
    const c = /^conn\.([^>]+)>([^.]+)\.p$/.exec(k);
    if (c) names.add(c[1]).add(c[2]);
  }
  const rank = (n: string) => (n === 'in' ? [0, 0] : /^h\d+$/.test(n) ? [1, Number(n.slice(1))] : n === 'code' ? [2, 0] : [3, 0]);
  return [...names].sort((a, b) => {
    const [x, i] = rank(a);
    const [y, j] = rank(b);
    return x - y || i - j || a.localeCompare(b);
  });
}
