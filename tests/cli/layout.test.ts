// The layout files the 3D panel reads: groups per layer and organism, positions, and each
// neuron's incoming synapses with Dale's sign applied, as the tensor holds them.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadConfig } from '../../bin/config/load.ts';
import type { Config } from '../../bin/config/schema.ts';
import { writeLayout } from '../../bin/layout.ts';
import { fromLayers } from '../../sim/build.ts';
import type { NetworkLayout } from '../../viz/protocol.ts';

test('network.json and its files match the tensor, for two organisms with an inhibitory layer', () => {
  const config = loadConfig('configs/rules/ei-balance-bars.json', ['network.organisms=2']) as Config;
  const t = fromLayers(config.network, 3);
  const names = config.network.layers.map((l) => l.name);
  const dir = mkdtempSync(join(tmpdir(), 'springtail-layout-'));
  const w = t.w.map((x, i) => x + i * 1e-3);
  writeLayout(dir, 'network', t, names, 'final', w);
  const L = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as NetworkLayout;
  const N = t.role.length;
  expect(L.neurons).toBe(N);
  expect(L.organisms).toBe(2);
  expect(L.groups.map((g) => `${g.organism}:${g.name}:${g.role}:${g.count}`)).toEqual(['0:in:input:64', '0:e:hidden:32', '0:i:hidden:8', '1:in:input:64', '1:e:hidden:32', '1:i:hidden:8']);
  expect(L.groups.reduce((s, g) => s + g.count, 0)).toBe(N);
  const bytes = (f: string) => {
    const b = readFileSync(join(dir, f));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  };
  const f32 = (f: string) => new Float32Array(bytes(f));
  const u32 = (f: string) => new Uint32Array(bytes(f));
  expect(f32(L.files.pos)).toEqual(t.pos);
  const start = u32(L.files.incomingStart!);
  const pre = u32(L.files.pre!);
  const ws = f32(L.files.w!);
  expect(start.length).toBe(N + 1);
  expect(start[N]).toBe(t.w.length);
  // the same synapses, recounted from the tensor's CSR by post neuron, with the presynaptic sign
  let negatives = 0;
  for (let n = 0; n < N; n++) {
    const seen: string[] = [];
    for (let g = t.neuronSegStart[n]; g < t.neuronSegStart[n + 1]; g++)
      for (let s = t.segSynStart[g]; s < t.segSynStart[g + 1]; s++) {
        const p = t.orgNeuronStart[t.org[n]] + t.pre[s];
        const sign = t.segSign[g] !== 0 ? t.segSign[g] : t.sign[p];
        seen.push(`${p}:${Math.fround(w[s] * sign)}`);
      }
    const got = [];
    for (let s = start[n]; s < start[n + 1]; s++) {
      got.push(`${pre[s]}:${ws[s]}`);
      if (ws[s] < 0) negatives++;
      // organisms stay separate
      expect(t.org[pre[s]]).toBe(t.org[n]);
    }
    expect(got).toEqual(seen);
  }
  expect(negatives).toBeGreaterThan(0);
});

test('synapse files are left out, with the reason, above the limit', () => {
  const config = loadConfig('configs/quickstart.json') as Config;
  const t = fromLayers(config.network, 1);
  const dir = mkdtempSync(join(tmpdir(), 'springtail-layout-'));
  const L = writeLayout(dir, 'x', t, ['in', 'hid'], 'initial', t.w, 10);
  expect(L.files).toEqual({ pos: 'x.pos.f32' });
  expect(L.omitted).toMatch(/64 synapses is more than the 10/);
});
