// The small evolution the evolve CLI tests share.

/** configs/evolve-glider.json made small: a generation in a fraction of a second. */
export const TINY = [
  '--set', 'strategy.popSize=6',
  '--set', 'fitness.childhood=150',
  '--set', 'fitness.train=60',
  '--set', 'fitness.test=40',
  '--set', 'task.train=100',
  '--set', 'task.test=60',
  '--set', 'genome.budget=6',
];
