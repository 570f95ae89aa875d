// Every kind of run served and exported: the panels of its kind render non-blank in real
// Chromium, and the exported report shows the same panels from file:// with no server.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VizServer } from '../../viz/server/serve.ts';
import { springtail } from '../spawn-cli.ts';
import { browserMissing, closeAll, pageErrors, REQUIRE_BROWSER, serveAndLaunch, shotOf } from './browser.ts';
import { comparisonRun, evolutionRun, simulationRun } from './runs.ts';

const missing = browserMissing();
if (missing && REQUIRE_BROWSER) throw new Error(`browser tests required here: ${missing}`);

const EXPECTED: Record<string, string[]> = {
  simulation: ['activity', 'curves'],
  comparison: ['curves', 'embeddings', 'metrics', 'reconstructions'],
  evolution: ['activity', 'fitness', 'genome'],
};

let browser: Browser;
let server: VizServer;
let base: string;
const runs: Record<string, string> = {};

beforeAll(async () => {
  if (missing) return;
  base = mkdtempSync(join(tmpdir(), 'springtail-export-'));
  const root = join(base, 'runs');
  [runs.simulation, runs.comparison, runs.evolution] = await Promise.all([simulationRun(root), comparisonRun(root), evolutionRun(root)]);
  ({ server, browser } = await serveAndLaunch(root));
}, 300_000);

afterAll(async () => {
  await closeAll(browser, server);
});

/** The ids of the panels that finished drawing, once every panel has finished or failed. */
async function panelsOn(page: Page): Promise<string[]> {
  await page.waitForFunction(() => {
    const secs = Array.from(document.querySelectorAll('section.panel'));
    return secs.length > 0 && secs.every((s) => s.hasAttribute('data-error') || s.querySelector('[data-panel][data-ready="1"]'));
  }, undefined, { timeout: 60_000 });
  const errors = await page.$$eval('section.panel[data-error]', (s) => s.map((e) => e.getAttribute('data-error')));
  expect(errors).toEqual([]);
  return (await page.$$eval('section.panel [data-panel][data-ready="1"]', (e) => e.map((x) => x.getAttribute('data-panel') ?? ''))).sort();
}

async function checkCanvases(page: Page, label: string): Promise<void> {
  for (const id of await page.$$eval('[data-panel][data-ready="1"]', (e) => e.map((x) => x.getAttribute('data-panel')!))) {
    const { stats } = await shotOf(page, `[data-panel="${id}"]`, 20);
    expect(stats.colours, `${label} ${id}`).toBeGreaterThan(8);
  }
}

describe.skipIf(missing !== null)(`runs in the browser (${missing ?? 'chromium'})`, () => {
  for (const kind of Object.keys(EXPECTED)) {
    test(`${kind}: served panels render, and the exported report shows the same from file://`, async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errs = pageErrors(page);
      await page.goto(`${server.url}#/run/${basename(runs[kind])}`);
      const served = await panelsOn(page);
      expect(served).toEqual(EXPECTED[kind]);
      await checkCanvases(page, `served ${kind}`);
      await page.close();

      const file = join(base, `${kind}.html`);
      const r = await springtail(['viz', runs[kind], '--export', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(file);
      const html = readFileSync(file, 'utf8');
      // self-contained: no script or stylesheet from elsewhere
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
      const local = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const localErrs = pageErrors(local);
      await local.goto(pathToFileURL(file).href);
      expect(await panelsOn(local)).toEqual(served);
      await checkCanvases(local, `exported ${kind}`);
      await local.close();
      expect(errs).toEqual([]);
      expect(localErrs).toEqual([]);
    });
  }

  test('the start page lists every run with its kind', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForSelector('[data-panel="start"][data-ready="1"]');
    const rows = await page.$$eval('tr[data-run]', (r) => r.map((x) => `${x.getAttribute('data-run')} ${x.children[2].textContent}`).sort());
    expect(rows).toEqual(['cmp comparison', 'evo evolution', 'sim simulation']);
    await page.click('a[href="#/run/sim"]');
    await page.waitForSelector('[data-panel="activity"][data-ready="1"]', { timeout: 60_000 });
    await page.close();
  });
});
