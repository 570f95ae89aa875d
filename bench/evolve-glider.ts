// Issue 10's acceptance experiment, by hand (minutes, not a test): configs/evolve-glider.json with
// SNES for seeds 1-3, random search with the same number of evaluations, and the hand-built
// predictive network of configs/rules/predictive-glider.json scored by the same fitness.
//
//   npx tsx bench/evolve-glider.ts [--seeds 1,2,3] [--generations 30] [--json FILE]
import { readFileSync, writeFileSync } from 'node:fs';
import { validateEvolve, validateCompare } from '../bin/config/load.ts';
import { setupOf } from '../bin/config/evolve-schema.ts';
import { ruleDef } from '../bin/config/schema.ts';
import { scoreNetwork } from '../evolve/hand-built.ts';
import { initialCheckpoint, localEvaluator, step, type Checkpoint } from '../evolve/run.ts';
import { compileRule } from '../sim/compiler/compile.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const seeds = arg('seeds', '1,2,3').split(',').map(Number);
const generations = Number(arg('generations', '30'));
const base = JSON.parse(readFileSync('configs/evolve-glider.json', 'utf8'));

interface Row {
  seed: number;
  strategy: string;
  first: number;
  best: number;
  generation: number;
  scores: Checkpoint['best'] extends infer B ? (B extends { scores: infer S } ? S : null) : null;
  evaluations: number;
  seconds: number;
}

async function evolveOnce(seed: number, strategy: string): Promise<Row & { ck: Checkpoint }> {
  const config = validateEvolve({ ...base, seed, strategy: { ...base.strategy, name: strategy } });
  const setup = setupOf(config);
  const ev = localEvaluator(setup);
  let ck = initialCheckpoint(setup);
  let first = NaN;
  const t0 = performance.now();
  for (let g = 0; g < generations; g++) {
    const r = await step(setup, ev, ck);
    ck = r.checkpoint;
    if (g === 0) first = ck.best?.fitness ?? NaN;
    process.stderr.write(`seed ${seed} ${strategy}: generation ${g + 1}/${generations} best ${ck.best?.fitness.toFixed(4)} median ${r.record.fitness.median.toFixed(4)}\n`);
  }
  await ev.close();
  return { seed, strategy, first, best: ck.best!.fitness, generation: ck.best!.generation, scores: ck.best!.scores, evaluations: ck.evaluations, seconds: (performance.now() - t0) / 1000, ck };
}

const rows: Row[] = [];
const genomes: Record<string, unknown> = {};
for (const seed of seeds) {
  for (const strategy of ['snes', 'random-search']) {
    const { ck, ...row } = await evolveOnce(seed, strategy);
    rows.push(row);
    if (strategy === 'snes') genomes[`seed ${seed}`] = ck.best!.genome;
  }
}

// The hand-built loop with the evolution's readout and prediction tests: once with its own
// training schedule (100,000 steps held 20, settled 100) and once with the evolution's childhood.
const hand = validateCompare(JSON.parse(readFileSync('configs/rules/predictive-glider.json', 'utf8')));
const bio = hand.methods.find((m) => m.kind === 'bio')!;
if (bio.kind !== 'bio') throw new Error('no bio method');
const setup = setupOf(validateEvolve(base));
const handRule = compileRule(ruleDef(bio), bio.rule.params);
const plasticity = { ...bio.plasticity, wMin: bio.plasticity.wMin ?? -Infinity, wMax: bio.plasticity.wMax ?? Infinity };
const handRows: Record<string, unknown>[] = [];
for (const [label, schedule] of [
  ['its own schedule', { childhood: bio.steps, hold: bio.hold, settle: bio.settle }],
  ["the evolution's childhood", {}],
] as const) {
  for (const seed of seeds) {
    const [s] = await scoreNetwork(setup.task, { ...bio.network, organisms: 1 }, bio.code, handRule, plasticity, { ...setup.fitness, ...schedule }, 'cpu', seed);
    handRows.push({ network: `predictive-4, ${label}`, seed, ...s });
  }
}

const f = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(4));
console.log('| seed | strategy | best after gen 1 | best after all | (gen) | readout acc | prediction mse | distinct codes | evaluations | seconds |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.seed} | ${r.strategy} | ${f(r.first)} | ${f(r.best)} | ${r.generation} | ${f(r.scores?.readout)} | ${f(r.scores?.prediction_mse)} | ${r.scores?.distinct_codes ?? '-'} | ${r.evaluations} | ${r.seconds.toFixed(0)} |`);
console.log('\n| network | seed | fitness | readout acc | prediction mse | distinct codes |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const h of handRows as any[]) console.log(`| ${h.network} | ${h.seed} | ${f(h.fitness)} | ${f(h.readout)} | ${f(h.prediction_mse)} | ${h.distinct_codes ?? '-'} |`);
const out = arg('json', '');
if (out) writeFileSync(out, JSON.stringify({ rows, hand: handRows, genomes }, null, 1));
