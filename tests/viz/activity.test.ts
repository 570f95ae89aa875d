// The 3D activity panel in real Chromium over the real viz server, on a real `springtail run` with a
// recording (ei-balance on bars: signed weights): it renders, the scrubber recolours it, a real
// mouse click on a neuron shows its incoming synapses, filters hide layers, playback advances, and
// a layout without synapse files says so.
import { cpSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { NetworkLayout } from '../../viz/protocol.ts';
import type { VizServer } from '../../viz/server/serve.ts';
import { browserMissing, closeAll, pageErrors, pixelDiff, pixelStats, REQUIRE_BROWSER, serveAndLaunch, shotOf } from './browser.ts';
import { simulationRun } from './runs.ts';

const missing = browserMissing();
if (missing && REQUIRE_BROWSER) throw new Error(`browser tests required here: ${missing}`);

const PANEL = '[data-panel="activity"]';
const CANVAS = `${PANEL} .st-act-view canvas`;
/** Luminance variance of a drawn network over the dark background (a blank canvas is ~0). */
const FLOOR = 20;
/** Mean per-channel difference that counts as "the picture changed" (0..255; identical shots give 0). */
const CHANGED = 0.4;

let browser: Browser;
let server: VizServer;
let layout: NetworkLayout;
let runDir: string;
let three: NetworkLayout;
let threeDir: string;

beforeAll(async () => {
  if (missing) return;
  const root = join(mkdtempSync(join(tmpdir(), 'springtail-activity-')), 'runs');
  const dir = (runDir = await simulationRun(root));
  layout = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as NetworkLayout;
  // the same run with its synapse files left out, as the layout writer does above its limit
  const bare = join(root, 'no-synapses');
  cpSync(dir, bare, { recursive: true });
  writeFileSync(join(bare, 'network.json'), JSON.stringify({ ...layout, files: { pos: layout.files.pos }, omitted: 'test: synapse files left out' }));
  // and with its positions file cut short
  const cut = join(root, 'truncated');
  cpSync(dir, cut, { recursive: true });
  truncateSync(join(cut, layout.files.pos), 100);
  threeDir = await simulationRun(root, 'three', 3);
  three = JSON.parse(readFileSync(join(threeDir, 'network.json'), 'utf8')) as NetworkLayout;
  ({ server, browser } = await serveAndLaunch(root));
}, 180_000);

afterAll(async () => {
  await closeAll(browser, server);
});

async function open(run: string, failing = false): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const errors = pageErrors(page);
  await page.goto(`${server.url}#/run/${run}`);
  await page.waitForSelector(`${PANEL}[data-ready="1"], ${PANEL}[data-error]`, { timeout: 60_000 });
  if (!failing) expect(await page.getAttribute(PANEL, 'data-error')).toBeNull();
  return { page, errors };
}

const hook = (page: Page, call: string) => page.evaluate(`window.__springtail.activity.${call}`);

/** Screenshot of the 3D view after the panel has drawn what it was just told to. */
async function view(page: Page): Promise<Buffer> {
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  return (await shotOf(page, CANVAS, FLOOR)).png;
}

describe.skipIf(missing !== null)('3D activity panel', () => {
  test('renders the recording, recolours as the scrubber moves, shows a clicked neuron’s synapses', async () => {
    const { page, errors } = await open('sim');
    const frames = (await hook(page, 'frames()')) as number;
    expect(frames).toBe(120);
    const first = await view(page);

    // the scrubber (a real input event) moves to another frame: another step, other colours
    await page.locator(`${PANEL} input[type=range][aria-label=frame]`).fill(String(frames - 1));
    expect(await hook(page, 'frame()')).toBe(frames - 1);
    await expect.poll(() => page.textContent(`${PANEL} .st-act-step`), { timeout: 10_000 }).toContain('step 600');
    const last = await view(page);
    expect(pixelDiff(first, last)).toBeGreaterThan(CHANGED);
    // and back: the same frame draws the same picture (the difference above is the frame's, not noise)
    await page.locator(`${PANEL} input[type=range][aria-label=frame]`).fill('0');
    expect(pixelDiff(first, await view(page))).toBeLessThan(CHANGED / 4);
    await page.locator(`${PANEL} input[type=range][aria-label=frame]`).fill(String(frames - 1));

    // the step buttons move one frame
    await page.locator(`${PANEL} button[title="step back"]`).click();
    expect(await hook(page, 'frame()')).toBe(frames - 2);
    await page.locator(`${PANEL} button[title="step forward"]`).click();
    expect(await hook(page, 'frame()')).toBe(frames - 1);

    // a narrower colour range recolours the same frame and its legend; "auto" puts it back
    const legend = (await shotOf(page, `${PANEL} canvas[aria-label="activity colour legend"]`, 5)).png;
    await page.locator(`${PANEL} input[aria-label="colour range maximum"]`).fill('0.05');
    await page.locator(`${PANEL} input[aria-label="colour range maximum"]`).press('Enter');
    expect(pixelDiff(last, await view(page))).toBeGreaterThan(CHANGED);
    expect(pixelDiff(legend, (await shotOf(page, `${PANEL} canvas[aria-label="activity colour legend"]`, 5)).png)).toBeGreaterThan(CHANGED);
    await page.locator(`${PANEL} button`, { hasText: 'auto' }).click();
    expect(pixelDiff(last, await view(page))).toBeLessThan(CHANGED / 4);

    // an excitatory neuron: input synapses (positive) and inhibitory ones (negative)
    const e = layout.groups.find((g) => g.name === 'e')!;
    const neuron = e.start + 5;
    const [x, y] = (await hook(page, `neuronScreenXY(${neuron})`)) as [number, number];
    await page.mouse.click(x, y);
    await expect.poll(() => hook(page, 'selected()'), { timeout: 10_000 }).toBe(neuron);
    // as many lines as the layout's incoming synapses of that neuron
    const start = new Uint32Array(new Uint8Array(readFileSync(join(runDir, layout.files.incomingStart!))).buffer);
    const count = (await hook(page, 'synapseCount()')) as number;
    expect(count).toBe(start[neuron + 1] - start[neuron]);
    expect(count).toBeGreaterThan(0);
    const rows = page.locator(`${PANEL} .st-act-synapses tr[data-pre]`);
    expect(await rows.count()).toBe(Math.min(count, 50));
    await expect.poll(() => page.textContent(`${PANEL} [data-neuron="${neuron}"]`), { timeout: 10_000 }).toContain(`#${neuron} · e`);
    expect(await page.textContent(`${PANEL} .st-act-neuron`)).toContain(`${count} incoming synapses`);
    const selected = await view(page);
    expect(pixelDiff(last, selected)).toBeGreaterThan(CHANGED);
    // the side pane's charts are drawn, not blank
    for (const label of ['weight histogram', 'activity trace', 'weight colour legend']) await shotOf(page, `${PANEL} canvas[aria-label="${label}"]`, 5);

    // hiding the input layer removes its points from the picture
    await page.locator(`${PANEL} input[data-layer="in"]`).uncheck();
    expect(pixelDiff(selected, await view(page))).toBeGreaterThan(CHANGED);

    // playback advances the frame and draws while it plays
    await page.locator(`${PANEL} button[title="play / pause"]`).click();
    await expect.poll(() => hook(page, 'frame()'), { timeout: 10_000 }).not.toBe(frames - 1);
    await page.waitForTimeout(1200);
    expect(await hook(page, 'fps()')).toBeGreaterThan(0);

    expect(errors).toEqual([]);
    await page.close();
  });

  test('a layout without synapse files shows activity and says the synapses were omitted', async () => {
    const { page, errors } = await open('no-synapses');
    const stats = pixelStats(await view(page));
    expect(stats.variance).toBeGreaterThan(FLOOR);
    expect(await page.textContent(PANEL)).toContain('synapses omitted: test: synapse files left out');
    const neuron = layout.groups.find((g) => g.name === 'e')!.start;
    const [x, y] = (await hook(page, `neuronScreenXY(${neuron})`)) as [number, number];
    await page.mouse.click(x, y);
    await expect.poll(() => hook(page, 'selected()'), { timeout: 10_000 }).toBe(neuron);
    expect(await hook(page, 'synapseCount()')).toBe(0);
    expect(await page.textContent(`${PANEL} .st-act-neuron`)).toContain('synapses omitted');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('three organisms are drawn side by side; the organism filter shows one of them', async () => {
    const { page, errors } = await open('three');
    expect(three.organisms).toBe(3);
    expect(await page.textContent(PANEL)).toContain('of 3 organisms (side by side)');
    // the same neuron of each organism lands on a different place of the screen
    const e = (o: number) => three.groups.find((g) => g.name === 'e' && g.organism === o)!;
    const xy = await Promise.all([0, 1, 2].map((o) => hook(page, `neuronScreenXY(${e(o).start + 5})`) as Promise<[number, number]>));
    for (const [a, b] of [[0, 1], [0, 2], [1, 2]]) expect(Math.hypot(xy[a][0] - xy[b][0], xy[a][1] - xy[b][1])).toBeGreaterThan(20);
    const all = await view(page);
    expect(await hook(page, 'visibleGroups()')).toEqual(three.groups.map((_, k) => k));

    const select = page.locator(`${PANEL} select[aria-label=organism]`);
    expect(await select.locator('option').allTextContents()).toEqual(['all organisms', 'organism 0', 'organism 1', 'organism 2']);
    await select.selectOption('1');
    expect(await hook(page, 'visibleGroups()')).toEqual(three.groups.flatMap((g, k) => (g.organism === 1 ? [k] : [])));
    expect(pixelDiff(all, await view(page))).toBeGreaterThan(CHANGED);
    // the layer filter and the organism filter together: organism 1 without its input layer
    await page.locator(`${PANEL} input[data-layer="in"]`).uncheck();
    expect(await hook(page, 'visibleGroups()')).toEqual(three.groups.flatMap((g, k) => (g.organism === 1 && g.name !== 'in' ? [k] : [])));
    await page.locator(`${PANEL} input[data-layer="in"]`).check();

    // a click on organism 1's neuron selects it and shows its own incoming synapses
    const neuron = e(1).start + 5;
    await page.mouse.click(...xy[1]);
    await expect.poll(() => hook(page, 'selected()'), { timeout: 10_000 }).toBe(neuron);
    const start = new Uint32Array(new Uint8Array(readFileSync(join(threeDir, three.files.incomingStart!))).buffer);
    expect(await hook(page, 'synapseCount()')).toBe(start[neuron + 1] - start[neuron]);
    expect(await page.textContent(`${PANEL} [data-neuron="${neuron}"]`)).toContain('organism 1');

    await select.selectOption('all');
    expect(await hook(page, 'visibleGroups()')).toHaveLength(three.groups.length);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a truncated layout file is named, in the panel and on its section', async () => {
    const { page } = await open('truncated', true);
    const message = `truncated/${layout.files.pos}: 100 bytes, expected ${12 * layout.neurons}`;
    expect(await page.getAttribute(PANEL, 'data-error')).toContain(message);
    expect(await page.textContent(PANEL)).toContain(message);
    expect(await page.getAttribute('section.panel', 'data-error')).toContain(message);
    await page.close();
  });
});
