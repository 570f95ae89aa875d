// A valid config independent of configs/quickstart.json (written elsewhere).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function fixture() {
  return {
    name: 'cli-fixture',
    seed: 1,
    backend: 'cpu',
    steps: 100,
    chunk: 50,
    logEvery: 25,
    record: { every: 10, capacity: 256 },
    network: {
      organisms: 1,
      layers: [
        { name: 'in', size: 64, role: 'input' },
        {
          name: 'hid',
          size: 8,
          role: 'hidden',
          sign: 1,
          segments: 1,
          soma: { f: 'linear', gain: 1, alpha: 1, bias: 0, theta: 0 },
          homeostasis: { eta: 0, target: 0.1 },
        },
      ],
      projections: [
        {
          from: 'in',
          to: 'hid',
          connect: { kind: 'full' },
          init: { min: 0, max: 0.1 },
          segment: 0,
          sign: 1,
          plastic: true,
        },
      ],
    },
    rule: { name: 'oja', params: { eta: 0.005 } },
    plasticity: { wMin: -1, wMax: 1, normalize: 'none', normalizeTarget: 1 },
    stimulus: { kind: 'bars', side: 8, p: 0.125, noise: 0 },
  };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'springtail-cli-'));
}

/** Writes `content` (object → JSON, string → as is) to a fresh temp dir and returns the path. */
export function writeTemp(content: unknown, name = 'config.json'): string {
  const file = join(tempDir(), name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** Every node below the root as [dot path with numeric indices, display path like a[1].b, value]. */
export function walk(node: unknown, dot: string[] = [], shown = ''): Array<[string[], string, unknown]> {
  const out: Array<[string[], string, unknown]> = [];
  if (node === null || typeof node !== 'object') return out;
  const entries: Array<[string, unknown]> = Array.isArray(node) ? node.map((v, i) => [String(i), v]) : Object.entries(node);
  for (const [k, v] of entries) {
    const path = [...dot, k];
    const disp = Array.isArray(node) ? `${shown}[${k}]` : shown ? `${shown}.${k}` : k;
    out.push([path, disp, v]);
    out.push(...walk(v, path, disp));
  }
  return out;
}
