// The SGD autoencoder baseline on this MNIST split, P = 20, 10 epochs on the cpu, against SPEC §6's
// reference (PyTorch, peers/baselines.py, on its own 8,000/2,000 split): few-shot MSE ≈ 0.058
// (acc ≈ 0.71), reconstruction SSE ≈ 24. Prints the figures and the training speed (not asserted:
// it depends on the machine's load).
import { expect, test } from 'vitest';
import { fitAutoencoder } from '../../tasks/baselines/autoencoder.ts';
import { fewshot, reconSse, rows } from '../../tasks/metrics.ts';
import { makeMnist } from '../../tasks/mnist.ts';

test('MNIST, P = 20, 10 epochs of Adam (cpu): few-shot MSE within 15 % of 0.058', async () => {
  const t = makeMnist({ source: 'npm' }, 1);
  const P = 20;
  const t0 = performance.now();
  const fitted = await fitAutoencoder(t.train.x, t.train.count, t.dim, { components: P, epochs: 10, batch: 64, lr: 1e-3 }, { seed: 1, backend: 'cpu' });
  const fitSeconds = (performance.now() - t0) / 1000;
  const train = await fitted.encode(t.train.x, t.train.count);
  const test = await fitted.encode(t.test.x, t.test.count);
  const recon = reconSse(t.test.x, await fitted.decode!(test, t.test.count), t.test.count, t.dim);
  const fs = fewshot(rows(train, t.train.count, P), t.train.labels, rows(test, t.test.count, P), t.test.labels, 10);
  const info = fitted.info!;
  console.log(
    `autoencoder MNIST P=20, 10 epochs (${info.kernel}): fewshot_mse ${fs.mse.toFixed(4)}, fewshot_acc ${fs.acc.toFixed(4)}, recon_sse ${recon.toFixed(3)}, ` +
      `train_sse ${Number(info.train_sse).toFixed(3)}, ${Number(info.seconds_per_epoch).toFixed(3)} s/epoch, fit ${fitSeconds.toFixed(2)} s (setup ${Number(info.kernel_setup_seconds).toFixed(2)} s, includes building the kernel)`,
  );
  expect(Math.abs(fs.mse - 0.058) / 0.058).toBeLessThan(0.15);
  // a broken decoder would leave the few-shot figure alone: check the reconstruction too (±25 %)
  expect(Math.abs(recon - 24) / 24).toBeLessThan(0.25);
  expect(Math.abs(Number(info.train_sse) - recon) / recon).toBeLessThan(0.15);
});
