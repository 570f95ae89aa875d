// The PCA baseline on this MNIST split, P = 20, against SPEC §6's reference figures (scikit-learn on
// the same 8,000/2,000 sizes): few-shot MSE ≈ 0.055, reconstruction SSE ≈ 18.4. Prints the fit time.
import { expect, test } from 'vitest';
import { fitPca, pcaDecode, pcaEncode } from '../../tasks/baselines/pca.ts';
import { fewshot, reconSse, rows } from '../../tasks/metrics.ts';
import { makeMnist } from '../../tasks/mnist.ts';

test('MNIST, P = 20: few-shot MSE within 10 % of 0.055, reconstruction SSE within 10 % of 18.4', async () => {
  const t = makeMnist({ source: 'npm' }, 1);
  const t0 = performance.now();
  const m = await fitPca(t.train.x, t.train.count, t.dim, 20);
  const fitSeconds = (performance.now() - t0) / 1000;
  const train = pcaEncode(m, t.train.x, t.train.count);
  const test = pcaEncode(m, t.test.x, t.test.count);
  const recon = reconSse(t.test.x, pcaDecode(m, test, t.test.count), t.test.count, t.dim);
  const fs = fewshot(rows(train, t.train.count, 20), t.train.labels, rows(test, t.test.count, 20), t.test.labels, 10);
  console.log(`PCA MNIST P=20: fit ${fitSeconds.toFixed(2)} s (first call includes building the Gram kernel), recon_sse ${recon.toFixed(3)}, fewshot_mse ${fs.mse.toFixed(4)}, fewshot_acc ${fs.acc.toFixed(4)}`);
  expect(Math.abs(fs.mse - 0.055) / 0.055).toBeLessThan(0.1);
  expect(Math.abs(recon - 18.4) / 18.4).toBeLessThan(0.1);
});
