// The PCA baseline against ml-pca (the reference) on small data.
import { PCA } from 'ml-pca';
import { describe, expect, test } from 'vitest';
import { fitPca, pcaDecode, pcaEncode } from '../../tasks/baselines/pca.ts';
import { Counter } from '../../sim/random.ts';

/** 400 samples in 30 dimensions with a decaying spectrum: 5 strong directions plus noise. */
function data(n = 400, d = 30) {
  const r = new Counter(7, 1);
  const dirs = Array.from({ length: 5 }, () => Array.from({ length: d }, () => r.normal()));
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const z = dirs.map((_, k) => r.normal() * (5 - k));
    for (let j = 0; j < d; j++) x[i * d + j] = 0.3 + dirs.reduce((s, dir, k) => s + dir[j] * z[k], 0) + 0.1 * r.normal();
  }
  return { x, n, d };
}

describe('PCA baseline', () => {
  test('components and variances match ml-pca', async () => {
    const { x, n, d } = data();
    const rowsArr = Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * d, (i + 1) * d)));
    const ref = new PCA(rowsArr, { center: true, scale: false });
    const refVecs = ref.getEigenvectors(); // d × d, columns
    const refVals = ref.getEigenvalues();
    const m = await fitPca(x, n, d, 3);
    for (let c = 0; c < 3; c++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += m.vectors[c * d + j] * refVecs.get(j, c);
      expect(Math.abs(dot)).toBeGreaterThan(0.9999);
      // ml-pca divides by n − 1, the Gram kernel by n
      expect(m.variances[c]).toBeCloseTo((refVals[c] * (n - 1)) / n, 4);
    }
  });
  test('encode then decode with every component reconstructs the input', async () => {
    const { x, n, d } = data(100, 8);
    const m = await fitPca(x, n, d, 8, { iters: 60 });
    const back = pcaDecode(m, pcaEncode(m, x, n), n);
    for (let i = 0; i < x.length; i++) expect(back[i]).toBeCloseTo(x[i], 3);
  });
  test('asking for more components than dimensions is an error', async () => {
    await expect(fitPca(new Float32Array(20), 4, 5, 6)).rejects.toThrow(/6 components for 5-dimensional input/);
  });
});
