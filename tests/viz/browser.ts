// Real Chromium for the viz tests (playwright-core driving Debian's /usr/bin/chromium, SPEC §11),
// and the pixel check every screenshot goes through: a blank canvas is the usual silent failure.
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { ensureBundle } from '../../viz/server/bundle.ts';
import { startVizServer, type VizServer } from '../../viz/server/serve.ts';

export const CHROMIUM = process.env.SPRINGTAIL_CHROMIUM ?? '/usr/bin/chromium';
/** CI installs chromium, so there a missing browser fails the tests instead of skipping them. */
export const REQUIRE_BROWSER = process.env.SPRINGTAIL_REQUIRE_WEBGPU === '1' || process.env.CI === 'true';

// WebGL through SwiftShader (and WebGPU beside it); NOT --disable-vulkan-surface (blank WebGPU screenshots headless)
export const CHROMIUM_ARGS = [
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--ignore-gpu-blocklist',
  '--enable-gpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--enable-unsafe-webgpu',
  '--no-sandbox',
];

/** Why the browser tests cannot run here, or null when they can. */
export function browserMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `no chromium at ${CHROMIUM} (apt-get install -y chromium)`;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface PixelStats {
  width: number;
  height: number;
  /** Variance of luminance over all pixels (0 for a blank canvas). */
  variance: number;
  /** Distinct colours, quantised to 5 bits per channel. */
  colours: number;
  /** Mean RGB. */
  mean: [number, number, number];
}

export function pixelStats(png: Buffer): PixelStats {
  const img = PNG.sync.read(png);
  const n = img.width * img.height;
  let s = 0;
  let s2 = 0;
  const m: [number, number, number] = [0, 0, 0];
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const r = img.data[4 * i];
    const g = img.data[4 * i + 1];
    const b = img.data[4 * i + 2];
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    s += y;
    s2 += y * y;
    m[0] += r;
    m[1] += g;
    m[2] += b;
    seen.add(((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3));
  }
  const mean = s / n;
  return { width: img.width, height: img.height, variance: s2 / n - mean * mean, colours: seen.size, mean: [m[0] / n, m[1] / n, m[2] / n] };
}

/** Mean absolute difference per channel between two same-sized screenshots (0..255). */
export function pixelDiff(a: Buffer, b: Buffer): number {
  const x = PNG.sync.read(a);
  const y = PNG.sync.read(b);
  if (x.width !== y.width || x.height !== y.height) return 255;
  let d = 0;
  for (let i = 0; i < x.data.length; i += 4) d += Math.abs(x.data[i] - y.data[i]) + Math.abs(x.data[i + 1] - y.data[i + 1]) + Math.abs(x.data[i + 2] - y.data[i + 2]);
  return d / ((x.data.length / 4) * 3);
}

/** Screenshot of one element, pixel-checked: throws when it is blank (variance under `floor`). */
export async function shotOf(page: Page, selector: string, floor = 20, path?: string): Promise<{ png: Buffer; stats: PixelStats }> {
  const png = await page.locator(selector).first().screenshot({ path });
  const stats = pixelStats(png);
  if (stats.variance < floor) throw new Error(`${selector} looks blank: luminance variance ${stats.variance.toFixed(2)} < ${floor}, ${stats.colours} colours`);
  return { png, stats };
}

/** Collects the page's console errors and uncaught exceptions (tests assert there are none). */
export function pageErrors(page: Page): string[] {
  const errs: string[] = [];
  page.on('pageerror', (e) => errs.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errs.push(`console.error: ${m.text()}`);
  });
  return errs;
}

/** A browser test file's fixture: the bundle built, the real server on ROOT, Chromium launched. */
export async function serveAndLaunch(root: string): Promise<{ server: VizServer; browser: Browser }> {
  await ensureBundle();
  const server = await startVizServer({ root });
  return { server, browser: await launch() };
}

export async function closeAll(browser: Browser | undefined, server: VizServer | undefined): Promise<void> {
  await browser?.close();
  await server?.close();
}
