// The registry of evolution strategies by name (config values, checkpoints' `strategy` field).
import { cmaEs } from './cma-es.ts';
import { StrategyError } from './common.ts';
import { openaiEs } from './openai-es.ts';
import { randomSearch } from './random-search.ts';
import { simulatedAnnealing } from './simulated-annealing.ts';
import { snes } from './snes.ts';
import type { Strategy } from './types.ts';

export const STRATEGY_NAMES = ['openai-es', 'snes', 'cma-es', 'simulated-annealing', 'random-search'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

// a Map, so a name like "constructor" is not found on a prototype
export const STRATEGIES: ReadonlyMap<string, Strategy> = new Map<StrategyName, Strategy>([
  ['openai-es', openaiEs],
  ['snes', snes],
  ['cma-es', cmaEs],
  ['simulated-annealing', simulatedAnnealing],
  ['random-search', randomSearch],
]);

export function getStrategy(name: string): Strategy {
  const strategy = STRATEGIES.get(name);
  if (!strategy) throw new StrategyError('strategy', `unknown strategy ${JSON.stringify(name)} (known: ${STRATEGY_NAMES.join(', ')})`);
  return strategy;
}

export type { Asked, BaseState, Best, InitParams, Strategy } from './types.ts';
export { StrategyDiverged, StrategyError } from './common.ts';
