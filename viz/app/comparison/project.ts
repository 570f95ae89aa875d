// Codes → 2-D points for the embedding scatters: codes of more than 2 dimensions are projected by
// PCA (ml-pca's eigensolver), or by UMAP (umap-js, seeded) on request; 1- and 2-D codes are drawn
// as they are.
import { PCA } from 'ml-pca';
import { UMAP } from 'umap-js';
import type { Matrix } from './run-files.ts';

export type Projection = 'pca' | 'umap';

/**
 * ml-pca's eigensolver takes ~0.4 s for 256 × 256 and ~8 s for 784 × 784 here, so it gets the
 * smaller of the d × d covariance and, for wide codes (pixels), the Gram matrix of at most this many
 * evenly spaced samples (whose eigenvectors give the same leading directions of those samples).
 */
const PCA_MAX_EIG = 256;
const UMAP_SEED = 1;

function rowsOf(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < m.rows; r++) out.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
  return out;
}

/** mulberry32: the seeded random umap-js needs for reproducible layouts (SPEC §11). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The top eigenvectors (columns) of the symmetric k × k matrix g, by ml-pca. */
function topEigenvectors(g: Float64Array, k: number, count: number): Float64Array[] {
  const rows: number[][] = [];
  for (let i = 0; i < k; i++) rows.push(Array.from(g.subarray(i * k, (i + 1) * k)));
  const U = new PCA(rows, { isCovarianceMatrix: true }).getEigenvectors();
  return Array.from({ length: count }, (_, c) => Float64Array.from({ length: k }, (_, i) => U.get(i, c)));
}

/** The first two principal directions (unit vectors in code space) and the mean they are taken about. */
function principalAxes(m: Matrix): { mean: Float64Array; axes: Float64Array[]; fitRows: number } {
  const d = m.cols;
  const mean = new Float64Array(d);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < d; c++) mean[c] += m.data[r * d + c] / m.rows;
  if (d <= PCA_MAX_EIG) {
    const cov = new Float64Array(d * d);
    const x = new Float64Array(d);
    for (let r = 0; r < m.rows; r++) {
      for (let c = 0; c < d; c++) x[c] = m.data[r * d + c] - mean[c];
      for (let i = 0; i < d; i++) {
        const xi = x[i];
        if (xi !== 0) for (let j = i; j < d; j++) cov[i * d + j] += xi * x[j];
      }
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) cov[i * d + j] = cov[j * d + i];
    return { mean, axes: topEigenvectors(cov, d, 2), fitRows: m.rows };
  }
  // Gram of a subsample: u eigenvector of X Xᵀ ⇒ Xᵀu is a principal direction of those rows
  const pick = Array.from({ length: Math.min(m.rows, PCA_MAX_EIG) }, (_, i) => Math.floor((i * m.rows) / Math.min(m.rows, PCA_MAX_EIG)));
  const k = pick.length;
  const X = pick.map((r) => Float64Array.from({ length: d }, (_, c) => m.data[r * d + c] - mean[c]));
  const gram = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = i; j < k; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += X[i][c] * X[j][c];
      gram[i * k + j] = gram[j * k + i] = s;
    }
  const axes = topEigenvectors(gram, k, Math.min(2, k)).map((u) => {
    const v = new Float64Array(d);
    for (let i = 0; i < k; i++) for (let c = 0; c < d; c++) v[c] += u[i] * X[i][c];
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  });
  return { mean, axes, fitRows: k };
}

function pca2(m: Matrix): Projected {
  const { mean, axes, fitRows } = principalAxes(m);
  const out = new Float32Array(2 * m.rows);
  for (let r = 0; r < m.rows; r++)
    axes.forEach((v, k) => {
      let s = 0;
      for (let c = 0; c < m.cols; c++) s += (m.data[r * m.cols + c] - mean[c]) * v[c];
      out[2 * r + k] = s;
    });
  return { xy: out, note: `PCA of ${m.cols}-D code` + (fitRows < m.rows ? `, axes from ${fitRows} of ${m.rows} samples` : '') };
}

async function umap2(m: Matrix): Promise<Projected> {
  // nEpochs left unset: umap-js never returns for counts not a multiple of 3 (SPEC §11)
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.max(2, Math.min(15, m.rows - 1)), random: seeded(UMAP_SEED) });
  const xy = await umap.fitAsync(rowsOf(m));
  return { xy: Float32Array.from(xy.flat()), note: `UMAP of ${m.cols}-D code` };
}

export interface Projected {
  /** rows × 2 points. */
  xy: Float32Array;
  /** How they were made, for the caption. */
  note: string;
}

export async function project(m: Matrix, how: Projection): Promise<Projected> {
  if (m.cols <= 2) {
    const out = new Float32Array(2 * m.rows);
    for (let r = 0; r < m.rows; r++) {
      out[2 * r] = m.data[r * m.cols];
      out[2 * r + 1] = m.cols === 2 ? m.data[r * m.cols + 1] : 0;
    }
    return { xy: out, note: `${m.cols}-D code as is` };
  }
  return how === 'pca' ? pca2(m) : umap2(m);
}
