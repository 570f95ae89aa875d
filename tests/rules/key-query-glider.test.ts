// Key-query on glider-checker (issue 4 acceptance, SPEC §4): configs/rules/key-query-glider.json's
// 8 key-query units end with a one-to-one map between units and the 8 symbols — each symbol's best
// matching unit is a different unit — and the values (delta rule onto the error units) reconstruct
// the symbols from the match.
import { describe, expect, test } from 'vitest';
import { bioMethod } from './config-method.ts';
import { fitBio } from '../../tasks/baselines/bio.ts';
import { SYMBOLS } from '../../tasks/glider.ts';
import { reconSse } from '../../tasks/metrics.ts';
import { makeTask } from '../../tasks/registry.ts';


async function runSeed(seed: number) {
  const { config, spec } = bioMethod('configs/rules/key-query-glider.json', 'key-query-8');
  const task = makeTask({ ...config.task, train: 200, test: 10 } as any, seed);
  const fitted = await fitBio(task, spec, { seed, backend: 'cpu' });
  const sym = new Float32Array(8 * 9);
  SYMBOLS.forEach((s, i) => sym.set(s, i * 9));
  const codes = await fitted.encode(sym, 8);
  const best = Array.from({ length: 8 }, (_, s) => {
    const row = Array.from(codes.subarray(s * 8, s * 8 + 8));
    return row.indexOf(Math.max(...row));
  });
  const margin = Math.min(...Array.from({ length: 8 }, (_, s) => codes[s * 8 + best[s]]));
  const mse = reconSse(sym, await fitted.decode!(codes, 8), 8, 9) / 9;
  return { seed, best, margin, mse };
}

describe('key-query on glider-checker', () => {
  test('8 units, 8 symbols: a one-to-one map in seeds 1-5; values reconstruct the symbols', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = await runSeed(seed);
      console.log(`key-query seed ${seed}: symbol → unit ${r.best.join(' ')}, smallest winning match ${r.margin.toFixed(3)}, symbol_mse ${r.mse.toFixed(4)}`);
      expect(new Set(r.best).size, `seed ${seed}`).toBe(8);
      expect(r.margin).toBeGreaterThan(0.5);
      expect(r.mse).toBeLessThan(0.05);
    }
  }, 120_000);
});
