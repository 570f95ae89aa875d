// The evolution dashboard in real Chromium over the real viz server, on a real evolve run
// (evolve-glider, 3 generations of 8): the fitness curves, the best genome's p_ij heatmap and types,
// the best organism in 3D; resumed to 5 generations while the page is open, the curves follow.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VizServer } from '../../viz/server/serve.ts';
import { springtail } from '../spawn-cli.ts';
import { browserMissing, closeAll, pageErrors, pixelDiff, REQUIRE_BROWSER, serveAndLaunch, shotOf } from './browser.ts';
import { evolutionRun } from './runs.ts';

const missing = browserMissing();
if (missing && REQUIRE_BROWSER) throw new Error(`browser tests required here: ${missing}`);

const FLOOR = 20;
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).length;

let browser: Browser;
let server: VizServer;
let runDir: string;

beforeAll(async () => {
  if (missing) return;
  const root = join(mkdtempSync(join(tmpdir(), 'springtail-evolution-')), 'runs');
  runDir = await evolutionRun(root, 'evo', 3);
  await evolutionRun(root, 'novelty', 3, ['--set', 'novelty={"weight":0.1,"probes":8}']);
  ({ server, browser } = await serveAndLaunch(root));
}, 180_000);

afterAll(async () => {
  await closeAll(browser, server);
});

describe.skipIf(missing !== null)(`evolution dashboard${missing ? ` (skipped: ${missing})` : ''}`, () => {
  test('fitness curves, the best genome and the best organism; resumed generations appear while the page is open', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = pageErrors(page);
    await page.goto(`${server.url}#/run/evo`);
    for (const id of ['fitness', 'genome', 'activity']) {
      const sel = `[data-panel="${id}"]`;
      await page.waitForSelector(`${sel}[data-ready="1"], ${sel}[data-error]`, { timeout: 60_000 });
      expect(await page.getAttribute(sel, 'data-error'), id).toBeNull();
    }
    expect(lines(join(runDir, 'generations.jsonl'))).toBe(3);
    expect(await page.getAttribute('[data-panel="fitness"]', 'data-generations')).toBe('3');
    const fitness = await shotOf(page, '[data-panel="fitness"] canvas', FLOOR);
    await shotOf(page, '[data-panel="genome"] canvas.heatmap', FLOOR);
    await shotOf(page, '[data-panel="activity"]', FLOOR);

    // the genome as best-genome.json has it: fitness and generation, one table row per type with genes
    const best = JSON.parse(readFileSync(join(runDir, 'best-genome.json'), 'utf8'));
    const text = (await page.locator('[data-panel="genome"] .best').textContent()) ?? '';
    expect(text).toContain(`best fitness ${best.fitness.toFixed(4)} (generation ${best.generation}, member ${best.member})`);
    expect(await page.locator('[data-panel="genome"] .genome-types tbody th').allTextContents()).toEqual(['h1', 'h2', 'h3', 'code']);
    const share = (await page.locator('[data-panel="genome"] .genome-types tbody tr:first-child td:nth-child(2)').textContent()) ?? '';
    expect(share).toBe(best.genes['type.h1.share'].toFixed(3));

    // more generations while the page is open: the run page's refresh shows them
    const r = await springtail(['evolve', '--resume', runDir, '--generations', '5']);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(join(runDir, 'generations.jsonl'))).toBe(5);
    await page.waitForSelector('[data-panel="fitness"][data-generations="5"]', { timeout: 20_000 });
    const more = await shotOf(page, '[data-panel="fitness"] canvas', FLOOR);
    expect(pixelDiff(fitness.png, more.png)).toBeGreaterThan(0.2);
    const now = JSON.parse(readFileSync(join(runDir, 'best-genome.json'), 'utf8'));
    await page.waitForSelector(`[data-panel="genome"][data-generation="${now.generation}"]`, { timeout: 10_000 });
    // no novelty bonus, no novelty chart
    expect(await page.getAttribute('[data-panel="fitness"]', 'data-novelty')).toBeNull();
    expect(await page.locator('[data-panel="fitness"] .novelty canvas').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  test('a run with the novelty bonus shows its novelty per generation', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = pageErrors(page);
    await page.goto(`${server.url}#/run/novelty`);
    await page.waitForSelector('[data-panel="fitness"][data-ready="1"], [data-panel="fitness"][data-error]', { timeout: 60_000 });
    expect(await page.getAttribute('[data-panel="fitness"]', 'data-novelty')).toBe('1');
    await shotOf(page, '[data-panel="fitness"] .novelty canvas', FLOOR);
    expect(await page.textContent('[data-panel="fitness"] .note')).toMatch(/novelty bonus: archive of 6$/);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
