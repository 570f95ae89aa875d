// Small real runs of each kind for the browser tests, made with the real binary.
import { join } from 'node:path';
import { springtail } from '../spawn-cli.ts';

async function ok(args: string[]): Promise<void> {
  const r = await springtail(args);
  if (r.code !== 0) throw new Error(`springtail ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
}

/** ei-balance on bars, 104 neurons (an inhibitory layer) per organism, 600 steps recorded every 5. */
export async function simulationRun(root: string, name = 'sim', organisms = 1): Promise<string> {
  const dir = join(root, name);
  await ok(['run', 'configs/rules/ei-balance-bars.json', '--backend', 'cpu', '--out', dir, '--set', 'steps=600', '--set', 'logEvery=100', '--set', 'record.every=5', '--set', 'record.capacity=120', '--set', `network.organisms=${organisms}`]);
  return dir;
}

/** circles, pixels / PCA-3 / autoencoder-3 on 600 train / 200 test. */
export async function comparisonRun(root: string, name = 'cmp'): Promise<string> {
  const dir = join(root, name);
  const methods = JSON.stringify([{ kind: 'pixels' }, { kind: 'pca', components: 3 }, { kind: 'autoencoder', components: 3, epochs: 3 }]);
  await ok(['run', 'configs/compare-circles.json', '--backend', 'cpu', '--out', dir, '--set', 'task.train=600', '--set', 'task.test=200', '--set', `methods=${methods}`]);
  return dir;
}

/** evolve-glider, 3 generations of 8 (`more`: other flags, e.g. --set novelty=...). */
export async function evolutionRun(root: string, name = 'evo', generations = 3, more: string[] = []): Promise<string> {
  const dir = join(root, name);
  await ok(['evolve', 'configs/evolve-glider.json', '--out', dir, '--generations', String(generations), '--set', 'strategy.popSize=8', ...more]);
  return dir;
}
