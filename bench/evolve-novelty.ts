// The novelty bonus on glider-checker, by hand (minutes, not a test): configs/evolve-glider.json
// with SNES for each seed and novelty weight (0 = no bonus), the same evaluations each. Reports the
// best fitness (the task's own, without the bonus) and how spread out the final population's
// behaviours are (its mean novelty against the archive).
//
//   npx tsx bench/evolve-novelty.ts [--seeds 1,2,3] [--weights 0,0.1,0.3] [--generations 30]
import { readFileSync } from 'node:fs';
import { setupOf } from '../bin/config/evolve-schema.ts';
import { validateEvolve } from '../bin/config/load.ts';
import { initialCheckpoint, localEvaluator, step } from '../evolve/run.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const seeds = arg('seeds', '1,2,3').split(',').map(Number);
const weights = arg('weights', '0,0.1,0.3').split(',').map(Number);
const generations = Number(arg('generations', '30'));
const base = JSON.parse(readFileSync('configs/evolve-glider.json', 'utf8'));
// the descriptors are measured in every run (weight 0 too), so the spread is comparable
const novelty = (weight: number) => ({ weight: Math.max(weight, 1e-12), k: 10, probes: 16, archive: 500, perGeneration: 2 });

const rows: string[] = [];
for (const seed of seeds) {
  for (const weight of weights) {
    const setup = setupOf(validateEvolve({ ...base, seed, novelty: novelty(weight) }));
    const ev = localEvaluator(setup);
    let ck = initialCheckpoint(setup);
    let last = { mean: NaN, max: NaN, archive: 0 };
    const t0 = performance.now();
    for (let g = 0; g < generations; g++) {
      const r = await step(setup, ev, ck);
      ck = r.checkpoint;
      last = r.record.novelty!;
      process.stderr.write(`seed ${seed} weight ${weight}: generation ${g + 1}/${generations} best ${ck.best?.fitness.toFixed(4)} novelty ${last.mean.toFixed(3)}\n`);
    }
    await ev.close();
    const b = ck.best!;
    rows.push(`| ${seed} | ${weight} | **${b.fitness.toFixed(3)}** | ${b.generation} | ${b.scores!.readout.toFixed(3)} | ${b.scores!.prediction_mse.toFixed(3)} | ${b.scores!.distinct_codes ?? ''} | ${last.mean.toFixed(3)} | ${((performance.now() - t0) / 1000).toFixed(0)} s |`);
  }
}
process.stdout.write(
  `SNES, ${generations} generations of ${base.strategy.popSize} on ${base.task.kind}\n\n` +
    '| seed | novelty weight | best fitness | found in generation | readout acc | prediction MSE | distinct codes | last generation mean novelty | time |\n' +
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n' +
    rows.join('\n') +
    '\n',
);
