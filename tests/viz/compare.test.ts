// Several runs compared in real Chromium over the real viz server (TensorBoard's overlaid runs):
// ticked on the start page; evolution runs' fitness and simulation runs' metrics as one line per
// run, comparison runs' summaries in one table; a run going on is followed; an unknown run is named.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VizServer } from '../../viz/server/serve.ts';
import { springtail } from '../spawn-cli.ts';
import { browserMissing, closeAll, pageErrors, pixelDiff, REQUIRE_BROWSER, serveAndLaunch, shotOf } from './browser.ts';
import { comparisonRun, evolutionRun, simulationRun } from './runs.ts';

const missing = browserMissing();
if (missing && REQUIRE_BROWSER) throw new Error(`browser tests required here: ${missing}`);

const FLOOR = 20;
let browser: Browser;
let server: VizServer;
let evoA: string;

beforeAll(async () => {
  if (missing) return;
  const root = join(mkdtempSync(join(tmpdir(), 'springtail-compare-')), 'runs');
  [evoA] = await Promise.all([
    evolutionRun(root, 'evo-a', 3),
    evolutionRun(root, 'evo-b', 3, ['--seed', '2']),
    simulationRun(root, 'sim-a'),
    simulationRun(root, 'sim-b', 2),
    comparisonRun(root, 'cmp'),
  ]);
  ({ server, browser } = await serveAndLaunch(root));
}, 240_000);

afterAll(async () => {
  await closeAll(browser, server);
});

const legend = (page: Page, panel: string) => page.locator(`[data-panel="${panel}"] .u-legend .u-series .u-label`).allTextContents();

describe.skipIf(missing !== null)('runs compared', () => {
  test('ticked on the start page: fitness and metrics a line per run, summaries in one table; a run going on is followed', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    const errors = pageErrors(page);
    await page.goto(server.url);
    await page.waitForSelector('[data-panel="start"][data-ready="1"]');
    const button = page.locator('button.compare');
    expect(await button.isDisabled()).toBe(true);
    await page.check('input[aria-label="compare evo-a"]');
    expect(await button.isDisabled()).toBe(true);
    for (const r of ['evo-b', 'sim-a', 'sim-b', 'cmp']) await page.check(`input[aria-label="compare ${r}"]`);
    await button.click();
    expect(decodeURIComponent(new URL(page.url()).hash).split('/')[2].split('+').sort()).toEqual(['cmp', 'evo-a', 'evo-b', 'sim-a', 'sim-b']);

    for (const id of ['compare-evolution', 'compare-simulation', 'compare-comparison']) {
      await page.waitForSelector(`[data-panel="${id}"][data-ready="1"], [data-panel="${id}"][data-error]`, { timeout: 60_000 });
      expect(await page.getAttribute(`[data-panel="${id}"]`, 'data-error'), id).toBeNull();
    }
    // evolution: best so far and median, each a line per run over 3 generations
    expect((await legend(page, 'compare-evolution')).filter((l) => l.startsWith('evo-')).sort()).toEqual(['evo-a', 'evo-a', 'evo-b', 'evo-b']);
    expect(await page.getAttribute('[data-panel="compare-evolution"]', 'data-points')).toBe(String(2 * 2 * 3));
    await shotOf(page, '[data-panel="compare-evolution"] canvas', FLOOR);

    // simulation: a metric both runs record, another chosen from the list redraws the chart
    const sim = '[data-panel="compare-simulation"]';
    expect((await legend(page, 'compare-simulation')).filter((l) => l.startsWith('sim-')).sort()).toEqual(['sim-a', 'sim-b']);
    const before = await shotOf(page, `${sim} canvas`, FLOOR);
    const options = await page.locator(`${sim} select[aria-label=metric] option`).allTextContents();
    expect(options).toContain('recon_mse');
    const other = options.find((o) => o !== options[0] && o.startsWith('a_mean'))!;
    await page.selectOption(`${sim} select[aria-label=metric]`, other);
    await expect.poll(() => page.evaluate('window.__springtail["compare-simulation"].quantities()'), { timeout: 15_000 }).toEqual([other]);
    expect(pixelDiff(before.png, (await shotOf(page, `${sim} canvas`, FLOOR)).png)).toBeGreaterThan(0.2);

    // comparison: a row per method of the run
    expect(await page.locator('[data-panel="compare-comparison"] tbody tr[data-run="cmp"]').count()).toBe(3);

    // one run goes on: its two new generations appear in both charts
    const r = await springtail(['evolve', '--resume', evoA, '--generations', '5']);
    expect(r.code, r.stderr).toBe(0);
    await page.waitForSelector(`[data-panel="compare-evolution"][data-points="${2 * (3 + 5)}"]`, { timeout: 20_000 });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  test('an unknown run in the route is named', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}#/compare/nope+evo-a`);
    await expect.poll(() => page.textContent('#app'), { timeout: 15_000 }).toContain("no run directory 'nope' under this server's root");
    await page.close();
  });
});
