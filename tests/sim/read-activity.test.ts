// Backend.readActivity (what `springtail run --live` streams), on every backend: after each chunk
// it equals readState().a, and reading it between chunks leaves the trajectory bit-identical to a
// run that never read it (it applies nothing pending). Skips webgpu with the reason when no adapter
// answers, fails under SPRINGTAIL_REQUIRE_WEBGPU=1.
import { describe, expect, it } from 'vitest';
import { oja } from '../../rules/hebbian.ts';
import type { BackendInit } from '../../sim/backend.ts';
import { fromLayers } from '../../sim/build.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import { inputSize, neuronCount } from '../../sim/tensor.ts';
import { type BackendKind, createBackend, groupSpec, ojaSpec, samples } from '../parity/fixtures.ts';
import { bitEqual } from '../parity/run-compare.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';

const webgpu = useWebgpu();
const KINDS: BackendKind[] = ['cpu', 'cpu2', 'webgpu'];
const CHUNKS = [4, 1, 3, 4];
const NETWORKS: [string, () => BackendInit][] = [
  ['oja, input → hidden', () => ({ tensor: fromLayers(ojaSpec, 2), rule: compileRule(oja, { eta: 0.05 }), plasticity: { wMin: 0, wMax: 10, normalize: 'none', normalizeTarget: 1 }, maxChunk: 4, record: { every: 2, capacity: 8 } })],
  ['kwta and softmax groups, 3 organisms', () => ({ tensor: fromLayers(groupSpec, 3), rule: compileRule(oja, { eta: 0.05 }), plasticity: { wMin: 0, wMax: 1, normalize: 'l2', normalizeTarget: 0.8 }, maxChunk: 4, record: { every: 2, capacity: 8 } })],
];

describe.each(KINDS)('%s', (kind) => {
  it.for(NETWORKS)('readActivity after each chunk equals readState().a (%s)', async ([, init], ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const b = await createBackend(kind, init());
    try {
      const nIn = inputSize(init().tensor);
      let previous: Float32Array | undefined;
      for (const [i, T] of CHUNKS.entries()) {
        await b.run(T, samples(T, nIn, 1 + i));
        const a = await b.readActivity();
        expect(a.length).toBe(neuronCount(init().tensor));
        expect(bitEqual(a, (await b.readState()).a), `chunk ${i}: readActivity = readState().a`).toBe(true);
        // not vacuous: the activity moves from chunk to chunk
        if (previous) expect(bitEqual(a, previous), `chunk ${i}: activity changed`).toBe(false);
        previous = a;
      }
    } finally {
      await b.dispose();
    }
  });

  it.for(NETWORKS)('reading the activity between chunks leaves the run bit-identical (%s)', async ([, init], ctx) => {
    if (kind === 'webgpu') webgpu.need(ctx);
    const simulate = async (read: boolean) => {
      const b = await createBackend(kind, init());
      try {
        const nIn = inputSize(init().tensor);
        for (const [i, T] of CHUNKS.entries()) {
          await b.run(T, samples(T, nIn, 1 + i));
          if (read) await b.readActivity();
        }
        return { state: await b.readState(), rec: await b.readRecording() };
      } finally {
        await b.dispose();
      }
    };
    const plain = await simulate(false);
    const live = await simulate(true);
    for (const f of ['a', 'w', 'theta', 'v', 'slots', 'terms'] as const) expect(bitEqual(live.state[f], plain.state[f]), `${f} bit-identical`).toBe(true);
    expect(live.rec.steps).toEqual(plain.rec.steps);
    expect(bitEqual(live.rec.frames, plain.rec.frames), 'recording bit-identical').toBe(true);
  });
});
