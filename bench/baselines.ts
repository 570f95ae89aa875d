// `springtail bench --suite baselines`: fit times of the baselines on MNIST (8,000 × 784), best of
// N after a warm-up, with the peers (scikit-learn, ...) timed in the same run when /usr/bin/python3
// has them. Issue 3 asks PCA (P = 20) to fit within 3× of scikit-learn.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareGramCpu } from '../sim/linalg/cpu.ts';
import { prepareAutoencoder, trainAutoencoder, AUTOENCODER_DEFAULTS } from '../tasks/baselines/autoencoder.ts';
import { fitPca } from '../tasks/baselines/pca.ts';
import { makeMnist } from '../tasks/mnist.ts';

export interface BaselineResult {
  baseline: string;
  seconds: number;
  peer?: string;
  peer_seconds?: number;
  /** seconds / peer_seconds. */
  ratio?: number;
  note?: string;
}

const PYTHON = '/usr/bin/python3';
const PEERS = fileURLToPath(new URL('./peers/', import.meta.url));

async function best(reps: number, f: () => Promise<unknown>): Promise<number> {
  let b = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await f();
    b = Math.min(b, (performance.now() - t0) / 1000);
  }
  return b;
}

/** Runs a peer script on X written to a temp file; null (with the reason logged) when it cannot run. */
function peer(script: string, X: Float32Array, args: (string | number)[], log: (s: string) => void): { seconds: number; peer: string } | null {
  if (!existsSync(PYTHON)) {
    log(`bench: peer ${script} skipped: ${PYTHON} not found`);
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'springtail-peer-'));
  try {
    const file = join(dir, 'x.f32');
    writeFileSync(file, new Uint8Array(X.buffer, X.byteOffset, X.byteLength));
    const out = execFileSync(PYTHON, [join(PEERS, script), file, ...args.map(String)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    return { seconds: r.seconds, peer: `${r.peer} ${r.version}` };
  } catch (e) {
    log(`bench: peer ${script} skipped: ${((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').pop()}`);
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const BASELINES = ['pca', 'autoencoder', 'umap'] as const;
export type BaselineName = (typeof BASELINES)[number];

export async function runBaselineBench(
  opts: { repetitions?: number; peers?: boolean; only?: BaselineName; log?: (s: string) => void } = {},
): Promise<BaselineResult[]> {
  const want = (b: BaselineName) => !opts.only || opts.only === b;
  const log = opts.log ?? (() => {});
  const reps = opts.repetitions ?? 3;
  const task = makeMnist({ source: 'npm' }, 1);
  const { x, count } = task.train;
  const out: BaselineResult[] = [];

  const withPeer = (r: BaselineResult, script: string, args: (string | number)[]) => {
    if (opts.peers !== false) {
      const p = peer(script, x, args, log);
      if (p) Object.assign(r, { peer: p.peer, peer_seconds: p.seconds, ratio: r.seconds / p.seconds });
    }
    out.push(r);
  };

  if (want('pca')) {
    log(`bench: pca P=20 on ${count}×${task.dim}: building the Gram kernel, then best of ${reps} fits`);
    await prepareGramCpu();
    const r = { baseline: 'pca-20 fit', seconds: await best(reps, () => fitPca(x, count, task.dim, 20, { seed: 1 })) };
    withPeer(r, 'pca_sklearn.py', [count, task.dim, 20, reps]);
  }
  if (want('autoencoder')) {
    const spec = { ...AUTOENCODER_DEFAULTS, components: 20, epochs: reps };
    log(`bench: autoencoder P=20, batch ${spec.batch}, cpu: best of ${reps} epochs`);
    const ctx = { seed: 1, backend: 'cpu' as const };
    await prepareAutoencoder(task.dim, spec, ctx);
    let bestEpoch = Infinity;
    await trainAutoencoder(x, count, task.dim, spec, {
      ...ctx,
      progress: (() => {
        let t = performance.now();
        return () => {
          const now = performance.now();
          bestEpoch = Math.min(bestEpoch, (now - t) / 1000);
          t = now;
        };
      })(),
    });
    const r = { baseline: 'autoencoder-20 epoch', seconds: bestEpoch, note: '2 threads for the peer' };
    withPeer(r, 'ae_torch.py', [count, task.dim, 20, reps, 2]);
  }
  if (want('umap')) {
    log(`bench: umap 2-D fit on ${count}×${task.dim} (one fit each side; ~20-40 s)`);
    const { fitUmap, UMAP_DEFAULTS } = await import('../tasks/baselines/umap.ts');
    const t0 = performance.now();
    await fitUmap(x, count, task.dim, { ...UMAP_DEFAULTS }, { seed: 1, backend: 'cpu' });
    const r = { baseline: 'umap-2 fit', seconds: (performance.now() - t0) / 1000 };
    withPeer(r, 'umap_learn.py', [count, task.dim]);
  }
  return out;
}

export function formatBaselines(rs: BaselineResult[]): string {
  const rows = [['baseline', 'seconds', 'peer', 'peer seconds', 'ratio'], ...rs.map((r) => [r.baseline, r.seconds.toFixed(3), r.peer ?? '-', r.peer_seconds?.toFixed(3) ?? '-', r.ratio?.toFixed(2) ?? '-'])];
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((s, c) => (c === 0 || c === 2 ? s.padEnd(w[c]) : s.padStart(w[c]))).join('  ')).join('\n') + '\n';
}
