// PLACEHOLDER written by the CLI engineer; the bench engineer replaces this file.

export interface BenchOptions {
  workload?: 'W1' | 'W2';
  backend: 'cpu' | 'webgpu' | 'all';
  json: boolean;
  steps?: number;
}

export async function benchCommand(_opts: BenchOptions): Promise<void> {
  process.stderr.write('springtail: bench: not implemented yet\n');
  process.exitCode = 1;
}
