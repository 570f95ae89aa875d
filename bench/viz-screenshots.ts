// Screenshots of every panel for docs/viz/ (shown in the README), from real runs in real
// headless Chromium; each one pixel-checked, so a blank canvas fails the script instead of
// landing in the docs. Run: npx tsx bench/viz-screenshots.ts [--out docs/viz]   (~1 min)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launch, shotOf } from '../tests/viz/browser.ts';
import { ROOT, springtail } from '../tests/spawn-cli.ts';
import { ensureBundle } from '../viz/server/bundle.ts';
import { startVizServer } from '../viz/server/serve.ts';

const outArg = process.argv.indexOf('--out');
const OUT_REL = outArg > 0 ? process.argv[outArg + 1] : 'docs/viz';
const OUT = join(ROOT, OUT_REL);
mkdirSync(OUT, { recursive: true });
const base = mkdtempSync(join(tmpdir(), 'springtail-shots-'));
const root = join(base, 'runs');
const log = (s: string) => process.stderr.write(`${s}\n`);

async function cli(args: string[]): Promise<void> {
  log(`springtail ${args.join(' ')}`);
  const r = await springtail(args);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
}

// the key-query network of configs/rules/key-query-circles.json beside PCA, an autoencoder and UMAP
const kq = JSON.parse(readFileSync(join(ROOT, 'configs/rules/key-query-circles.json'), 'utf8'));
const bio = kq.methods.find((m: { kind: string }) => m.kind === 'bio');
const methods = [{ kind: 'pixels' }, { kind: 'pca', components: 3 }, { kind: 'autoencoder', components: 3 }, { kind: 'umap', components: 2 }, { ...bio, steps: 12000 }];
await Promise.all([
  cli(['run', 'configs/rules/ei-balance-bars.json', '--backend', 'cpu', '--out', join(root, 'ei-balance-bars'), '--set', 'steps=3000', '--set', 'record.every=10', '--set', 'record.capacity=300']),
  cli(['run', 'configs/rules/key-query-circles.json', '--backend', 'cpu', '--out', join(root, 'key-query-circles'), '--set', 'task.train=2000', '--set', 'task.test=500', '--set', `methods=${JSON.stringify(methods)}`]),
  cli(['evolve', 'configs/evolve-glider.json', '--out', join(root, 'evolve-glider'), '--generations', '20']),
]);
await Promise.all([
  cli(['evolve', 'configs/evolve-glider.json', '--out', join(root, 'evolve-novelty'), '--generations', '20', '--set', 'novelty={"weight":0.1}']),
  cli(['run', 'configs/rules/ei-balance-bars.json', '--backend', 'cpu', '--out', join(root, 'organisms'), '--set', 'network.organisms=4', '--set', 'steps=3000', '--set', 'record.every=10', '--set', 'record.capacity=300']),
]);
await ensureBundle();
const server = await startVizServer({ root });
const browser = await launch();

async function open(hash: string, ready: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
  await page.goto(`${server.url}${hash}`);
  await page.waitForSelector(ready, { timeout: 120_000 });
  return page;
}

async function shoot(page: Page, selector: string, name: string): Promise<void> {
  const { stats } = await shotOf(page, selector, 30, join(OUT, `${name}.png`));
  log(`${OUT_REL}/${name}.png: ${stats.width}×${stats.height}, luminance variance ${stats.variance.toFixed(0)}, ${stats.colours} colours`);
}

/** Clicks the first neuron of the layout group `group` with the real mouse. */
async function clickNeuron(page: Page, start: number): Promise<void> {
  const [x, y] = await page.evaluate((i) => (window as any).__springtail.activity.neuronScreenXY(i), start);
  await page.mouse.click(x, y);
  await page.waitForFunction(() => (window as any).__springtail.activity.synapseCount() > 0);
}

const start = await open('#/', '[data-panel="start"][data-ready="1"]');
await shoot(start, '[data-panel="start"]', 'start');

const sim = await open('#/run/ei-balance-bars', '[data-panel="activity"][data-ready="1"]');
await sim.evaluate(() => (window as any).__springtail.activity.setFrame(150));
const layout = JSON.parse(readFileSync(join(root, 'ei-balance-bars', 'network.json'), 'utf8'));
await clickNeuron(sim, layout.groups.find((g: { name: string }) => g.name === 'e').start + 3);
await sim.waitForTimeout(500);
await shoot(sim, '[data-panel="activity"]', 'activity');

const cmp = await open('#/run/key-query-circles', '[data-panel="metrics"][data-ready="1"]');
for (const id of ['embeddings', 'reconstructions', 'curves', 'metrics']) {
  await cmp.waitForSelector(`[data-panel="${id}"][data-ready="1"]`, { timeout: 120_000 });
  await shoot(cmp, `[data-panel="${id}"]`, `comparison-${id}`);
}

const evo = await open('#/run/evolve-glider', '[data-panel="fitness"][data-ready="1"]');
for (const id of ['fitness', 'genome']) await shoot(evo, `[data-panel="${id}"]`, `evolution-${id}`);
await evo.waitForSelector('[data-panel="activity"][data-ready="1"]');
await shoot(evo, '[data-panel="activity"]', 'evolution-organism');

const nov = await open('#/run/evolve-novelty', '[data-panel="fitness"][data-novelty="1"]');
await shoot(nov, '[data-panel="fitness"]', 'evolution-novelty');

const orgs = await open('#/run/organisms', '[data-panel="activity"][data-ready="1"]');
await orgs.evaluate(() => (window as any).__springtail.activity.setFrame(150));
await orgs.waitForTimeout(500);
await shoot(orgs, '[data-panel="activity"]', 'activity-organisms');

const runsCompared = await open('#/compare/evolve-glider+evolve-novelty+ei-balance-bars+organisms', '[data-panel="compare-simulation"][data-ready="1"]');
await runsCompared.waitForSelector('[data-panel="compare-evolution"][data-ready="1"]');
await shoot(runsCompared, 'main', 'compare');

// live: a run streaming to its own server
const child = spawn(process.execPath, ['bin/springtail.js', 'run', 'configs/rules/ei-balance-bars.json', '--backend', 'cpu', '--live', '--out', join(base, 'live', 'ei-live'), '--set', 'steps=200000', '--set', 'record.capacity=10'], { cwd: ROOT });
const url = await new Promise<string>((resolve, reject) => {
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
    const m = /live: (http:\S+)/.exec(err);
    if (m) resolve(m[1]);
  });
  child.on('exit', (c) => reject(new Error(`live run exited ${c}: ${err}`)));
});
const live = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
await live.goto(url);
await live.waitForSelector('[data-panel="live"][data-step]', { timeout: 60_000 });
await live.waitForTimeout(3000);
await shoot(live, 'main', 'live');
child.kill('SIGINT');

await browser.close();
await server.close();
log(`screenshots in ${OUT_REL}`);
