// A `bio` method of a shipped comparison config as a BioSpec, for tests that train it on many seeds
// without the whole comparison run.
import type { CompareConfig } from '../../bin/config/compare-schema.ts';
import { loadConfig } from '../../bin/config/load.ts';
import { builtinRules } from '../../rules/index.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import type { BioSpec } from '../../tasks/baselines/bio.ts';

export function bioMethod(file: string, name: string): { config: CompareConfig; spec: BioSpec } {
  const config = loadConfig(file) as CompareConfig;
  const m = config.methods.find((x) => x.name === name);
  if (!m || m.kind !== 'bio') throw new Error(`${file}: no bio method "${name}"`);
  const spec: BioSpec = {
    ...m,
    network: structuredClone(m.network),
    rule: compileRule(builtinRules[m.rule.name], m.rule.params),
    plasticity: { ...m.plasticity, wMin: m.plasticity.wMin ?? -Infinity, wMax: m.plasticity.wMax ?? Infinity },
  };
  return { config, spec };
}
