// Every built-in rule (rules/index.ts): registered under its own name, compiles with its defaults,
// and each default lies in its documented range.
import { describe, expect, it } from 'vitest';
import { builtinRules } from '../../rules/index.ts';
import { compileRule } from '../../sim/compiler/compile.ts';

describe('built-in rules', () => {
  it.for(Object.entries(builtinRules))('%s: registered by name, compiles with its defaults, each inside its range', ([name, def]) => {
    expect(def.name).toBe(name);
    const c = compileRule(def);
    for (const [k, p] of Object.entries(def.params)) {
      expect(c.params[k], k).toBe(p.default);
      if (p.min !== undefined) expect(p.default, k).toBeGreaterThanOrEqual(p.min);
      if (p.max !== undefined) expect(p.default, k).toBeLessThanOrEqual(p.max);
    }
  });

  it('ships every family', () => {
    expect(Object.keys(builtinRules).sort()).toEqual(
      ['bcm', 'cubic-hebbian', 'dendrite-and', 'dendrite-plateau', 'dendrite-sigmoid', 'ei-balance', 'hebbian', 'key-query', 'keyed-distance', 'oja', 'predictive'].sort(),
    );
  });
});
