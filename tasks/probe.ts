// Metrics of a network's input → hidden map on a fixed probe set drawn from its stimulus: the
// best linear reconstruction from the code (x̂ = W⁺W x: the residual outside the span the weights
// learned), weight statistics, and alignment with the input's leading eigenvector (where Oja's
// rule converges).
import { EigenvalueDecomposition, Matrix, pseudoInverse } from 'ml-matrix';
import type { NetworkState } from '../sim/backend.ts';
import { ROLE, type SynapseTensor } from '../sim/tensor.ts';
import type { Stimulus } from './stimulus.ts';

/** Probe samples come from far beyond any training step, so they are never trained on. */
const PROBE_T0 = 2 ** 40;

export interface Probe {
  x: Float32Array;
  count: number;
  dim: number;
  /** Unit leading eigenvector of E[x xᵀ]. */
  pc1: Float64Array;
}

export function makeProbe(stim: Stimulus, count = 256): Probe {
  const x = new Float32Array(count * stim.dim);
  stim.fill(x, PROBE_T0, count);
  const C = new Matrix(stim.dim, stim.dim);
  for (let k = 0; k < count; k++)
    for (let i = 0; i < stim.dim; i++) for (let j = 0; j <= i; j++) C.set(i, j, C.get(i, j) + (x[k * stim.dim + i] * x[k * stim.dim + j]) / count);
  for (let i = 0; i < stim.dim; i++) for (let j = i + 1; j < stim.dim; j++) C.set(i, j, C.get(j, i));
  const eig = new EigenvalueDecomposition(C, { assumeSymmetric: true });
  const vals = eig.realEigenvalues;
  const top = vals.indexOf(Math.max(...vals));
  return { x, count, dim: stim.dim, pc1: Float64Array.from(eig.eigenvectorMatrix.getColumn(top)) };
}

/** Signed weights from input neurons to each neuron that has any, per organism. */
function inputWeights(t: SynapseTensor, w: Float32Array, dim: number) {
  const rows: { n: number; org: number; wd: Float64Array }[] = [];
  for (let n = 0; n < t.role.length; n++) {
    if (t.role[n] === ROLE.input) continue;
    const base = t.orgNeuronStart[t.org[n]];
    const wd = new Float64Array(dim);
    let any = false;
    for (let g = t.neuronSegStart[n]; g < t.neuronSegStart[n + 1]; g++) {
      for (let s = t.segSynStart[g]; s < t.segSynStart[g + 1]; s++) {
        const p = base + t.pre[s];
        if (t.role[p] !== ROLE.input) continue;
        const sign = t.segSign[g] !== 0 ? t.segSign[g] : t.sign[p];
        wd[t.inputIndex[p]] += sign * w[s];
        any = true;
      }
    }
    if (any) rows.push({ n, org: t.org[n], wd });
  }
  return rows;
}

/**
 * Mean activity of each named layer (neuron type = layer index, as sim/build.ts's fromLayers sets
 * it), over all organisms, for every frame of `frames` (frames × N activities): the rates a rule such
 * as ei-balance is meant to hold. Input layers are left out.
 */
export function layerRates(t: SynapseTensor, layers: readonly string[], frames: Float32Array): Record<string, number> {
  const N = t.role.length;
  const F = N > 0 ? frames.length / N : 0;
  const sum = new Float64Array(layers.length);
  const count = new Float64Array(layers.length);
  for (let n = 0; n < N; n++) {
    if (t.role[n] === ROLE.input) continue;
    const l = t.type[n];
    for (let f = 0; f < F; f++) sum[l] += frames[f * N + n];
    count[l] += F;
  }
  const out: Record<string, number> = {};
  layers.forEach((name, l) => {
    if (count[l] > 0) out[name] = sum[l] / count[l];
  });
  return out;
}

export function probeMetrics(t: SynapseTensor, state: NetworkState, probe: Probe, layers: readonly string[] = []): Record<string, number> {
  const rows = inputWeights(t, state.w, probe.dim);
  const out: Record<string, number> = {};
  // weight statistics over all synapses
  let sum = 0;
  let sq = 0;
  for (const x of state.w) {
    sum += x;
    sq += x * x;
  }
  const S = state.w.length || 1;
  out.w_mean = sum / S;
  out.w_std = Math.sqrt(Math.max(sq / S - out.w_mean ** 2, 0));
  let asum = 0;
  let acount = 0;
  for (let n = 0; n < t.role.length; n++)
    if (t.role[n] !== ROLE.input) {
      asum += state.a[n];
      acount++;
    }
  out.a_mean = acount ? asum / acount : 0;
  for (const [name, rate] of Object.entries(layerRates(t, layers, state.a))) out[`a_mean.${name}`] = rate;
  if (rows.length === 0) return out;

  let norm = 0;
  let cos = 0;
  for (const r of rows) {
    let nn = 0;
    let dot = 0;
    for (let i = 0; i < probe.dim; i++) {
      nn += r.wd[i] ** 2;
      dot += r.wd[i] * probe.pc1[i];
    }
    norm += Math.sqrt(nn);
    cos += nn > 0 ? Math.abs(dot) / Math.sqrt(nn) : 0;
  }
  out.w_norm = norm / rows.length;
  out.pc1_cos = cos / rows.length;

  // reconstruction per organism, averaged
  const orgs = [...new Set(rows.map((r) => r.org))];
  let err = 0;
  for (const o of orgs) {
    const W = new Matrix(rows.filter((r) => r.org === o).map((r) => Array.from(r.wd)));
    const P = pseudoInverse(W).mmul(W);
    const X = new Matrix(probe.count, probe.dim);
    for (let k = 0; k < probe.count; k++) for (let i = 0; i < probe.dim; i++) X.set(k, i, probe.x[k * probe.dim + i]);
    const R = X.sub(X.mmul(P));
    for (let k = 0; k < probe.count; k++) for (let i = 0; i < probe.dim; i++) err += R.get(k, i) ** 2;
  }
  out.recon_mse = err / (orgs.length * probe.count * probe.dim);
  return out;
}
