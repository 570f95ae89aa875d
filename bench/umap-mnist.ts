// UMAP baseline and exact kNN at MNIST scale (8,000 train / 2,000 test, seed 1): fit time with and
// without the precomputed exact kNN, transform time, and the quality of the 2-D codes (kNN accuracy
// k=5 and the few-shot readout of SPEC §5). Too slow for a test; run by hand:
//
//   npx tsx bench/umap-mnist.ts                 # knnAcc on raw pixels, then UMAP both ways
//   npx tsx bench/umap-mnist.ts knn             # only knnAcc on raw pixels
//   npx tsx bench/umap-mnist.ts exact|nndescent # only UMAP with / without the precomputed kNN
//
// Like bench/baselines.ts this imports tasks/: it measures a baseline, not a SPEC §10 workload.
import { prepareKnnCpu } from '../sim/linalg/knn.ts';
import { fitUmap, UMAP_DEFAULTS } from '../tasks/baselines/umap.ts';
import { fewshot, knnAcc, rows } from '../tasks/metrics.ts';
import { makeMnist } from '../tasks/mnist.ts';

const what = process.argv[2] ?? 'all';
const task = makeMnist({ source: 'npm' }, 1);
const { train, test, dim } = task;
const sec = (t0: number) => ((performance.now() - t0) / 1000).toFixed(2);
await prepareKnnCpu();

if (what === 'all' || what === 'knn') {
  const t0 = performance.now();
  const acc = knnAcc(rows(train.x, train.count, dim), train.labels, rows(test.x, test.count, dim), test.labels, 5);
  console.log(`knnAcc raw pixels (${train.count} × ${test.count} × ${dim}, k=5): ${acc.toFixed(4)} in ${sec(t0)} s`);
}

for (const pre of [true, false]) {
  if (!(what === 'all' || (what === 'exact' && pre) || (what === 'nndescent' && !pre))) continue;
  const t0 = performance.now();
  const fitted = await fitUmap(train.x, train.count, dim, { ...UMAP_DEFAULTS, precomputedKnn: pre }, { seed: 1, backend: 'cpu' });
  const fitS = sec(t0);
  const t1 = performance.now();
  const codeTrain = await fitted.encode(train.x, train.count);
  const encodeTrainS = sec(t1);
  const t2 = performance.now();
  const codeTest = await fitted.encode(test.x, test.count);
  const transformS = sec(t2);
  const P = fitted.codeDim;
  const tr = rows(codeTrain, train.count, P);
  const te = rows(codeTest, test.count, P);
  const knn = knnAcc(tr, train.labels, te, test.labels, 5);
  const fs = fewshot(tr, train.labels, te, test.labels, 10, 200);
  console.log(
    `UMAP precomputedKnn=${pre}: fit ${fitS} s (${Object.entries(fitted.info ?? {})
      .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(2) : v}`)
      .join(', ')}); encode train ${encodeTrainS} s; transform ${test.count} test ${transformS} s; ` +
      `knnAcc(k=5) ${knn.toFixed(4)}; fewshot mse ${fs.mse.toFixed(4)} acc ${fs.acc.toFixed(3)}`,
  );
}
