// Every built-in rule by the name a config uses.
import type { RuleDef } from '../sim/compiler/rule.ts';
import { dendriteAnd, dendritePlateau, dendriteSigmoid } from './dendrite.ts';
import { eiBalance } from './ei-balance.ts';
import { bcm, cubicHebbian, hebbian, oja } from './hebbian.ts';
import { keyQuery } from './key-query.ts';
import { keyedDistance } from './keyed-distance.ts';
import { predictive } from './predictive.ts';

/** No prototype: a config's rule name (`constructor`, `toString`) finds only a rule listed here. */
export const builtinRules: Readonly<Record<string, RuleDef>> = Object.assign(Object.create(null) as Record<string, RuleDef>, {
  [hebbian.name]: hebbian,
  [oja.name]: oja,
  [bcm.name]: bcm,
  [cubicHebbian.name]: cubicHebbian,
  [keyedDistance.name]: keyedDistance,
  [keyQuery.name]: keyQuery,
  [eiBalance.name]: eiBalance,
  [predictive.name]: predictive,
  [dendritePlateau.name]: dendritePlateau,
  [dendriteSigmoid.name]: dendriteSigmoid,
  [dendriteAnd.name]: dendriteAnd,
});
