// The comparison panels in real Chromium over the real viz server, on a real comparison run
// (circles: pixels, PCA-3, autoencoder-3): every panel draws, the table sorts on a header click,
// hovering a point rings the same sample in the other scatters, the reconstruction grid shows the
// stored inputs pixel for pixel, and UMAP re-projects on request.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VizServer } from '../../viz/server/serve.ts';
import { browserMissing, closeAll, pageErrors, pixelDiff, REQUIRE_BROWSER, serveAndLaunch, shotOf } from './browser.ts';
import { comparisonRun } from './runs.ts';

const missing = browserMissing();
if (missing && REQUIRE_BROWSER) throw new Error(`browser tests required here: ${missing}`);

const PANELS = ['embeddings', 'reconstructions', 'curves', 'metrics'];
/** Luminance variance under which a screenshot counts as blank. */
const FLOOR = 20;

let browser: Browser;
let server: VizServer;
let runDir: string;

beforeAll(async () => {
  if (missing) return;
  const root = join(mkdtempSync(join(tmpdir(), 'springtail-comparison-')), 'runs');
  runDir = await comparisonRun(root);
  ({ server, browser } = await serveAndLaunch(root));
}, 180_000);

afterAll(async () => {
  await closeAll(browser, server);
});

async function open(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = pageErrors(page);
  await page.goto(`${server.url}#/run/cmp`);
  for (const id of PANELS) {
    const sel = `[data-panel="${id}"]`;
    await page.waitForSelector(`${sel}[data-ready="1"], ${sel}[data-error]`, { timeout: 60_000 });
    expect(await page.getAttribute(sel, 'data-error'), id).toBeNull();
  }
  return { page, errors };
}

const hook = <T>(page: Page, call: string) => page.evaluate(`window.__springtail.embeddings.${call}`) as Promise<T>;

describe.skipIf(missing !== null)(`comparison panels${missing ? ` (skipped: ${missing})` : ''}`, () => {
  test('every panel renders non-blank, without page errors', async () => {
    const { page, errors } = await open();
    for (const id of PANELS) await shotOf(page, `[data-panel="${id}"]`, FLOOR);
    expect(await page.locator('[data-panel="embeddings"] canvas[data-method]').count()).toBe(3);
    // the autoencoder's curve: one chart per recorded quantity
    expect(await page.locator('[data-panel="curves"] [data-method="autoencoder-3"][data-y="train_sse"] canvas').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  test('the metrics table sorts by the clicked header, and reverses on a second click', async () => {
    const { page } = await open();
    const table = '[data-panel="metrics"] table';
    const methods = () => page.locator(`${table} tbody th`).allTextContents();
    const column = async (col: string) => {
      const heads = await page.locator(`${table} thead th`).evaluateAll((ths) => ths.map((t) => (t as HTMLElement).dataset.col));
      const i = heads.indexOf(col);
      return (await page.locator(`${table} tbody tr`).evaluateAll((trs, i) => trs.map((tr) => tr.children[i].textContent ?? ''), i)).map(Number);
    };
    expect(await methods()).toEqual(['pixels', 'pca-3', 'autoencoder-3']);
    await page.click(`${table} th[data-col="method"]`);
    expect(await methods()).toEqual(['autoencoder-3', 'pca-3', 'pixels']);
    await page.click(`${table} th[data-col="recon_sse"]`);
    const up = await column('recon_sse');
    expect(up).toEqual([...up].sort((a, b) => a - b));
    await page.click(`${table} th[data-col="recon_sse"]`);
    const down = await column('recon_sse');
    expect(down).toEqual([...up].reverse());
    expect(await page.getAttribute(`${table} th[data-col="recon_sse"]`, 'aria-sort')).toBe('descending');
    // r² expanded per latent, as the CLI prints it
    for (const l of ['cx', 'cy', 'r']) expect(await page.locator(`${table} th[data-col="r2.${l}"]`).count()).toBe(1);
    await page.close();
  }, 60_000);

  test('hovering a point in one scatter rings the same test sample in the others', async () => {
    const { page } = await open();
    const sample = 17;
    const at = await hook<{ x: number; y: number }>(page, `point('pixels', ${sample})`);
    const other = await hook<{ x: number; y: number }>(page, `point('pca-3', ${sample})`);
    const near = (p: { x: number; y: number }) => ({ x: p.x - 12, y: p.y - 12, width: 24, height: 24 });
    const before = await page.screenshot({ clip: near(other) });
    await page.mouse.move(at.x, at.y);
    await page.waitForSelector(`[data-panel="embeddings"][data-hovered="${sample}"]`, { timeout: 5_000 }).catch(() => undefined);
    const hovered = await hook<number>(page, 'hovered()');
    expect(hovered).toBeGreaterThanOrEqual(0);
    // the point under the mouse: this sample, or one drawn at the same place
    const got = await hook<{ x: number; y: number }>(page, `point('pixels', ${hovered})`);
    expect(Math.hypot(got.x - at.x, got.y - at.y)).toBeLessThan(1);
    const linked = await hook<{ x: number; y: number }>(page, `point('pca-3', ${hovered})`);
    if (hovered === sample) expect(linked).toEqual(other);
    const after = await page.screenshot({ clip: near(linked) });
    if (hovered === sample) expect(pixelDiff(before, after)).toBeGreaterThan(5);
    expect(await page.locator('[data-panel="embeddings"] .hover-info').textContent()).toContain(`test sample ${hovered}`);
    // leaving the scatter clears the ring everywhere
    await page.mouse.move(5, 5);
    expect(await hook<number>(page, 'hovered()')).toBe(-1);
    expect(pixelDiff(before, await page.screenshot({ clip: near(other) }))).toBe(0);
    await page.close();
  }, 60_000);

  test('the reconstruction grid shows the stored inputs pixel for pixel, and each method beside them', async () => {
    const { page } = await open();
    const index = JSON.parse(readFileSync(join(runDir, 'codes/index.json'), 'utf8'));
    const [h, w] = index.inputs.shape;
    const buf = readFileSync(join(runDir, index.inputs.file));
    const inputs = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    const rows = index.inputs.rows;
    for (const m of ['input', 'pixels', 'pca-3', 'autoencoder-3']) expect(await page.locator(`[data-panel="reconstructions"] canvas[data-method="${m}"]`).count(), m).toBe(rows);
    const pixels = (method: string, s: number) =>
      page.evaluate(
        ([sel]) => {
          const c = document.querySelector(sel) as HTMLCanvasElement;
          return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0));
        },
        [`[data-panel="reconstructions"] canvas[data-method="${method}"][data-sample="${s}"]`],
      );
    const s = 5;
    const drawn = await pixels('input', s);
    expect(drawn.length).toBe(h * w);
    expect(drawn).toEqual(Array.from(inputs.subarray(s * h * w, (s + 1) * h * w), (x) => Math.round(255 * Math.min(1, Math.max(0, x)))));
    // pixels decodes to itself; PCA-3 blurs
    expect(await pixels('pixels', s)).toEqual(drawn);
    const pca = await pixels('pca-3', s);
    const diff = pca.reduce((t, v, i) => t + Math.abs(v - drawn[i]), 0) / pca.length;
    expect(diff).toBeGreaterThan(1);
    await shotOf(page, '[data-panel="reconstructions"] tr:nth-child(3)', FLOOR);
    await page.close();
  }, 60_000);

  test('UMAP re-projects the wide codes on request; the colour select recolours the points', async () => {
    const { page } = await open();
    const canvas = '[data-panel="embeddings"] canvas[data-method="pca-3"]';
    const pca = await shotOf(page, canvas, FLOOR);
    await page.selectOption('[data-panel="embeddings"] select[name="colour"]', 'r');
    const recoloured = await shotOf(page, canvas, FLOOR);
    expect(pixelDiff(pca.png, recoloured.png)).toBeGreaterThan(0.5);
    await page.click('[data-panel="embeddings"] button[value="umap"]');
    await page.waitForSelector('[data-panel="embeddings"][data-projection="umap"]', { timeout: 60_000 });
    const umap = await shotOf(page, canvas, FLOOR);
    expect(pixelDiff(recoloured.png, umap.png)).toBeGreaterThan(0.5);
    expect(await page.locator('[data-panel="embeddings"] figcaption').allTextContents()).toContain('pca-3 (UMAP of 3-D code)');
    expect(await page.getAttribute('[data-panel="embeddings"] button[value="umap"]', 'aria-pressed')).toBe('true');
    await page.close();
  }, 90_000);
});
