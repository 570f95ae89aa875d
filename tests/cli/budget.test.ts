// Memory estimates (bin/config/budget.ts, sim/budget.ts): what validation predicts is what the
// builders and the cpu backend allocate, and what cannot fit is a config problem (exit 2) naming
// the field that drives the size, through the real binary, before anything is allocated.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { checkBudget, estimate } from '../../bin/config/budget.ts';
import { loadConfig } from '../../bin/config/load.ts';
import { ruleDef, type Config } from '../../bin/config/schema.ts';
import type { CompareConfig } from '../../bin/config/compare-schema.ts';
import { layersCounts, fromLayers } from '../../sim/build.ts';
import { networkNeed } from '../../sim/budget.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import { makeLayout } from '../../sim/cpu/layout.ts';
import { inputSize, tensorBytes, tensorBytesFor } from '../../sim/tensor.ts';
import { springtail } from '../spawn-cli.ts';
import { UserError } from '../../bin/errors.ts';
import { loadEvolveConfig } from '../../bin/config/load.ts';
import { setupOf } from '../../bin/config/evolve-schema.ts';
import { developPopulation, organismSeed } from '../../evolve/develop.ts';
import { initialGenome } from '../../evolve/genome.ts';
import { useWebgpu } from '../parity/webgpu-availability.ts';
import { tempDir } from './fixture.ts';

// Each spawn pays tsx start-up (~1 s, more on a loaded machine).
vi.setConfig({ testTimeout: 60_000 });

const STACK = /^\s+at .*(\(|file:\/\/|node:).*:\d+/m;
const QUICKSTART = 'configs/quickstart.json';

describe('the estimate uses the allocators own sizes', () => {
  // every simulation config and every bio method of the repository's configs
  const networks: Array<[string, Pick<Config, 'network' | 'rule'> & { chunk: number }, number]> = [];
  for (const file of ['quickstart.json', 'rules/ei-balance-bars.json', 'rules/user-defined-bars.json']) {
    const c = loadConfig(join('configs', file)) as Config;
    networks.push([file, c, c.record?.capacity ?? 0]);
  }
  for (const file of ['rules/dendrite-glider.json', 'rules/key-query-circles.json', 'rules/predictive-glider.json']) {
    const c = loadConfig(join('configs', file)) as CompareConfig;
    c.methods.forEach((m, i) => m.kind === 'bio' && networks.push([`${file} methods[${i}]`, m, 0]));
  }
  test.each(networks)('%s', (_, c, recCapacity) => {
    const t = fromLayers(c.network, 1);
    const rule = compileRule(ruleDef(c), c.rule.params);
    const counts = layersCounts(c.network);
    const prob = c.network.projections.some((p) => p.connect.kind === 'prob');
    // prob projections draw their synapses: the expected count is then only close
    if (!prob) expect(tensorBytesFor(counts)).toBe(tensorBytes(t));
    const sizes = { ...counts, S: t.w.length, nIn: inputSize(t), nSlots: rule.slotNames.length, nTerms: rule.termNames.length, nOrgParams: rule.orgParamNames.length, maxChunk: c.chunk, recCapacity };
    expect(tensorBytesFor(sizes)).toBe(tensorBytes(t));
    expect(networkNeed(sizes, 'cpu').device.bytes).toBe(makeLayout(t, rule, c.chunk, recCapacity).bytes);
  });

  test('the most that fits is the boundary: one more is refused', () => {
    const organisms = (n: number) => loadConfig(QUICKSTART, ['backend="cpu"', `network.organisms=${n}`]);
    let err: unknown;
    try {
      checkBudget(organisms(1_000_000), 'q');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const most = Number(/^integer <= (\d+) \(the most that fits\)/.exec((err as UserError).problems[0].expected)?.[1]);
    expect(most).toBeGreaterThan(1);
    expect(checkBudget(organisms(most), 'q')[0].over).toEqual([]);
    expect(() => checkBudget(organisms(most + 1), 'q')).toThrow(UserError);
  });

  test('a comparison counts its task data and its largest network', () => {
    const c = loadConfig('configs/rules/predictive-glider.json') as CompareConfig;
    const [cpu] = estimate({ ...c, backend: 'cpu' });
    expect(cpu.parts[0]).toEqual({ what: `task data (${c.task.train + c.task.test} samples × 9 values)`, bytes: 4 * 9 * (c.task.train + c.task.test) });
    expect(cpu.parts[1].what).toMatch(/^methods\[\d+\] network$/);
    expect(cpu.over).toEqual([]);
  });
});

describe('an evolution: a bound on a generation', () => {
  test('organisms that connect every pair reach the bound and stay within it', async () => {
    // every connection probability 1 and σ at its top: (nearly) every pair connects
    const c = await loadEvolveConfig('configs/evolve-glider.json', ['strategy.popSize=6', 'genome.genes={"conn.*.p":{"init":1},"conn.*.sigma":{"init":10}}']);
    const [cpu] = checkBudget(c, 'e');
    const part = cpu.parts.find((p) => p.what.startsWith('a generation'))!;
    const [, O, bound] = /^a generation \((\d+) organisms of ≤ \d+ neurons, ≤ (\d+) synapses each\)$/.exec(part.what)!.map(Number);
    expect(O).toBe(6);
    const setup = setupOf(c);
    const g = initialGenome(setup.genes);
    const pop = developPopulation(setup.skeleton, Array(O).fill(g), Array.from({ length: O }, (_, m) => organismSeed(1, 0, m, 0)));
    const total = pop.organisms.reduce((a, o) => a + o.synapses, 0);
    expect(total).toBeLessThanOrEqual(O * bound);
    expect(total).toBeGreaterThan(0.9 * O * bound);
    expect(tensorBytes(pop.tensor!)).toBeLessThanOrEqual(part.bytes);
  });

  test('validate shows it as a bound, and a bound past the limits is not a refusal', async () => {
    const r = await springtail(['validate', 'configs/evolve-glider.json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\n {2}memory at most \(every organism at min\(genome\.maxSynapses, all pairs\).*\): cpu [\d.]+ [KM]iB \(task data .*, a generation \(24 organisms of ≤ 25 neurons, ≤ 400 synapses each\) [\d.]+ [KM]iB, its development [\d.]+ [KM]iB, test codes [\d.]+ [KM]iB; WebAssembly memory/);
    expect(r.stdout).not.toContain('may not fit');
    const big = await springtail(['validate', 'configs/evolve-glider.json', '--set', 'strategy.popSize=100000', '--set', 'genome.budget=2000']);
    expect(big.code, big.stderr).toBe(0);
    expect(big.stdout).toMatch(/may not fit at that bound: .*needs [\d.]+ GiB of memory, above this machine's/);
  });
});

describe.concurrent('springtail validate', () => {
  test('prints the estimate per backend', async () => {
    const r = await springtail(['validate', QUICKSTART]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n {2}memory: cpu [\d.]+ KiB \(network [\d.]+ KiB, recording \(300 frames\) [\d.]+ KiB; WebAssembly memory [\d.]+ KiB of 4\.00 GiB\); webgpu [\d.]+ KiB \(.*storage buffer 'ws' .*\); this machine's /);
  });

  test.each([
    ['network.organisms=1000000000', /at network\.organisms: got 1000000000, expected integer <= \d+ \(the most that fits: \d+ on cpu, \d+ on webgpu\); as given, cpu: .*synapses: above the 4294967295 a synapse tensor can index/],
    ['record.capacity=1e12', /at record\.capacity: got 1000000000000, expected integer <= \d+ .*as given, cpu: the network needs 242143\.87 GiB, above WebAssembly's 4 GiB/],
    ['network.layers.1.size=100000000', /at network\.layers\[1\]\.size: got 100000000, expected integer <= \d+/],
  ])('%s: exit 2 at the field that drives the size', async (set, msg) => {
    const r = await springtail(['validate', QUICKSTART, '--set', set]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^springtail: invalid config configs\/quickstart\.json: 1 problem\n/);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(STACK);
  });


  test('a comparison: task data and a bio network', async () => {
    const data = await springtail(['validate', 'configs/compare-glider.json', '--set', 'task.train=1000000000000']);
    expect(data.code).toBe(2);
    expect(data.stderr).toMatch(/at task\.train: got 1000000000000, expected integer <= \d+/);
    const bio = await springtail(['validate', 'configs/rules/predictive-glider.json', '--set', 'backend="cpu"', '--set', 'methods.3.network.organisms=100000000']);
    expect(bio.code).toBe(2);
    expect(bio.stderr).toMatch(/at methods\[3\]\.network\.organisms: got 100000000, expected integer <= \d+ \(the most that fits\); as given, cpu: methods\[3\]: .*the network needs [\d.]+ GiB, above WebAssembly's 4 GiB/);
    expect(bio.stderr).not.toMatch(STACK);
  });
});

describe('springtail run', () => {
  const webgpu = useWebgpu();

  test('a recording within the estimate but above this device\'s buffer limit: exit 2 at record.capacity, nothing written', async (ctx) => {
    const gpu = webgpu.need(ctx);
    const N = layersCounts((loadConfig(QUICKSTART) as Config).network).N;
    const most = Math.floor(gpu.device.limits.maxBufferSize / (4 * N));
    const out = join(tempDir(), 'run');
    const r = await springtail(['run', QUICKSTART, '--backend', 'webgpu', '--set', `record.capacity=${most + 1}`, '--out', out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`at record.capacity: got ${most + 1}, expected integer <= ${most} on this device (webgpu backend: the recording needs`);
    expect(r.stderr).not.toMatch(STACK);
    expect(existsSync(out)).toBe(false);
  });

  test('record.capacity=1e12: exit 2 before anything is allocated or written', async () => {
    const out = join(tempDir(), 'run');
    const r = await springtail(['run', QUICKSTART, '--backend', 'cpu', '--set', 'record.capacity=1e12', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/at record\.capacity: got 1000000000000, .*above WebAssembly's 4 GiB/);
    expect(r.stderr).not.toMatch(STACK);
    expect(existsSync(out)).toBe(false);
  });
});

describe('springtail bench --threads', () => {
  test('at most the machine has cores', async () => {
    const cores = os.availableParallelism();
    const r = await springtail(['bench', '--threads', '100000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`at --threads: got 100000, expected integer 1..${cores} (this machine has ${cores} cores)`);
    expect(r.stderr).not.toMatch(STACK);
  });
});
