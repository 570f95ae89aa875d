// A deliberately plain implementation of the step in sim/README.md (unfused, one neuron at a time),
// used to check the backends. It shares only the compiled JS expressions with the cpu backend.
import type { PlasticityOptions } from '../../sim/backend.ts';
import type { CompiledRule } from '../../sim/compiler/compile.ts';
import { isGroupSoma, ROLE, SOMA, type SynapseTensor } from '../../sim/tensor.ts';

const r = Math.fround;

/**
 * `orgParams`: the values of the rule's per-organism parameters (BackendInit.orgParams layout,
 * organism-major); absent, every organism uses rule.params.
 */
export function oracle(t: SynapseTensor, rule: CompiledRule, pl: PlasticityOptions, orgParams?: Float32Array) {
  const N = t.role.length;
  const G = t.segSign.length;
  const S = t.w.length;
  const fn = (args: string[], body: string) => new Function(...args, `return ${body};`) as (...a: number[]) => number;
  // every expression takes the per-organism parameters last; stored as f32, so read as f32
  const orgNames = rule.orgParamNames.map((n) => `v_${n}`);
  const nP = orgNames.length;
  const opv = orgParams ?? Float32Array.from({ length: t.organisms * nP }, (_, i) => rule.params[rule.orgParamNames[i % nP]]);
  const op = (n: number) => Array.from(opv.subarray(t.org[n] * nP, (t.org[n] + 1) * nP));
  const synArgs = ['v_pre', 'v_post', 'v_w', 'v_v', 'v_d', 'v_sign', 'v_fanin', 'v_u', 'v_theta', 'v_tag', ...rule.slotNames.map((n) => `v_${n}`), ...rule.termNames.map((n) => `v_${n}`), ...orgNames];
  // synapse-level expressions in f32 arithmetic, as the kernels compute them
  const dw = fn(synArgs, rule.dw.js);
  const slotF = rule.slots.map((s) => fn(synArgs, s.js));
  const contrib = fn(['v_pre', 'v_w', 'v_sign', 'v_tag', ...rule.slotNames.map((n) => `v_${n}`), ...orgNames], rule.contribution.js);
  const seg = fn(['v_v', 'v_sign', 'v_tag', ...orgNames], rule.segment.js);
  const termArgs = ['v_post', 'v_u', 'v_theta', ...rule.termNames.map((n) => `v_${n}`), ...orgNames];
  const termF = rule.terms.map((x) => fn(termArgs, x.js));
  const st = {
    a: Float32Array.from(t.a0),
    w: Float32Array.from(t.w),
    theta: Float32Array.from(t.theta),
    v: new Float32Array(G),
    d: new Float32Array(G),
    u: new Float32Array(N),
    slots: new Float32Array(rule.slotNames.length * S),
    terms: new Float32Array(rule.termNames.length * N),
  };
  rule.slotInit.forEach((x, k) => st.slots.fill(x, k * S, (k + 1) * S));
  rule.termInit.forEach((x, k) => st.terms.fill(x, k * N, (k + 1) * N));

  function step(x: Float32Array): void {
    const cur = st.a;
    for (let n = 0; n < N; n++) if (t.role[n] === ROLE.input) cur[n] = x[t.inputIndex[n]];
    const next = Float32Array.from(cur);
    const sgnOf = (g: number, p: number) => (t.segSign[g] !== 0 ? t.segSign[g] : t.sign[p]);
    // a_next, homeostasis and terms of neuron n from f
    const finish = (n: number, f: number) => {
      const al = t.alpha[n];
      next[n] = al === 1 ? f : r(r(r(1 - al) * cur[n]) + r(al * f));
      if (t.etaTheta[n] !== 0) st.theta[n] = r(st.theta[n] + r(t.etaTheta[n] * r(next[n] - t.target[n])));
      const old = rule.termNames.map((_, k) => st.terms[k * N + n]);
      termF.forEach((tf, k) => (st.terms[k * N + n] = tf(next[n], st.u[n], st.theta[n], ...old, ...op(n))));
    };
    for (let n = 0; n < N; n++) {
      if (t.role[n] === ROLE.input) continue;
      const base = t.orgNeuronStart[t.org[n]];
      let u = t.bias[n];
      for (let g = t.neuronSegStart[n]; g < t.neuronSegStart[n + 1]; g++) {
        // the cpu kernel's summation order: four interleaved lanes, then the tail
        const lanes = [0, 0, 0, 0];
        let tail = 0;
        const s0 = t.segSynStart[g];
        const vecEnd = s0 + 4 * Math.floor((t.segSynStart[g + 1] - s0) / 4);
        for (let s = s0; s < t.segSynStart[g + 1]; s++) {
          const p = base + t.pre[s];
          const c = contrib(cur[p], st.w[s], sgnOf(g, p), t.segTag[g], ...rule.slotNames.map((_, k) => st.slots[k * S + s]), ...op(n));
          if (s < vecEnd) lanes[(s - s0) % 4] = Math.fround(lanes[(s - s0) % 4] + c);
          else tail = Math.fround(tail + c);
        }
        st.v[g] = Math.fround(Math.fround(Math.fround(lanes[0] + lanes[1]) + Math.fround(lanes[2] + lanes[3])) + tail);
        st.d[g] = seg(st.v[g], t.segSign[g], t.segTag[g], ...op(n));
        u = r(u + st.d[g]);
      }
      st.u[n] = u;
      // group somas need every z of their group: below
      if (isGroupSoma(t.soma[n])) continue;
      // the neuron phase in f32 too
      const z = r(u - st.theta[n]);
      const f =
        t.soma[n] === SOMA.relu ? (z > 0 ? z : 0) : t.soma[n] === SOMA.sigmoid ? r(1 / r(1 + r(Math.exp(-r(t.gain[n] * z))))) : t.soma[n] === SOMA.clamp01 ? Math.min(Math.max(z, 0), 1) : z;
      finish(n, f);
    }
    for (let q = 0; q < t.groupStart.length; q++) {
      const n0 = t.groupStart[q];
      const n1 = t.groupEnd[q];
      const z = (m: number) => r(st.u[m] - st.theta[m]);
      const f: number[] = [];
      if (t.soma[n0] === SOMA.kwta) {
        // winners: fewer than k neurons rank above (larger z, or equal z and a lower index)
        for (let n = n0; n < n1; n++) {
          let above = 0;
          for (let m = n0; m < n1; m++) if (z(m) > z(n) || (z(m) === z(n) && m < n)) above++;
          f.push(above < t.k[n0] && z(n) > 0 ? z(n) : 0);
        }
      } else {
        const x = (m: number) => r(t.gain[m] * z(m));
        let M = x(n0);
        for (let m = n0 + 1; m < n1; m++) M = x(m) > M ? x(m) : M;
        // the sum runs over the group in neuron order
        let sum = 0;
        for (let m = n0; m < n1; m++) sum = r(sum + r(Math.exp(r(x(m) - M))));
        for (let n = n0; n < n1; n++) f.push(r(r(Math.exp(r(x(n) - M))) / sum));
      }
      // every f before any θ changes
      for (let n = n0; n < n1; n++) finish(n, f[n - n0]);
    }
    for (let n = 0; n < N; n++) {
      if (t.role[n] === ROLE.input) continue;
      const base = t.orgNeuronStart[t.org[n]];
      const g0 = t.neuronSegStart[n];
      const g1 = t.neuronSegStart[n + 1];
      const fanin = t.segSynStart[g1] - t.segSynStart[g0];
      const terms = rule.termNames.map((_, k) => st.terms[k * N + n]);
      for (let g = g0; g < g1; g++) {
        if (!t.segPlastic[g]) continue;
        for (let s = t.segSynStart[g]; s < t.segSynStart[g + 1]; s++) {
          const p = base + t.pre[s];
          const slots = rule.slotNames.map((_, k) => st.slots[k * S + s]);
          const args = [cur[p], next[n], st.w[s], st.v[g], st.d[g], sgnOf(g, p), fanin, st.u[n], st.theta[n], t.segTag[g], ...slots, ...terms, ...op(n)];
          const d = dw(...args);
          const ns = slotF.map((f) => f(...args));
          st.w[s] = Math.min(Math.max(Math.fround(st.w[s] + d), Math.fround(pl.wMin)), Math.fround(pl.wMax));
          ns.forEach((x, k) => (st.slots[k * S + s] = x));
        }
      }
      if (pl.normalize !== 'none') normalizeRow(t, st.w, g0, g1, pl);
    }
    st.a = next;
  }
  return { state: st, step };
}

function normalizeRow(t: SynapseTensor, w: Float32Array, g0: number, g1: number, pl: PlasticityOptions) {
  const idx: number[] = [];
  for (let g = g0; g < g1; g++) if (t.segPlastic[g]) for (let s = t.segSynStart[g]; s < t.segSynStart[g + 1]; s++) idx.push(s);
  if (!idx.length) return;
  if (pl.normalize === 'subtractive') {
    const shift = (idx.reduce((a, s) => a + w[s], 0) - pl.normalizeTarget) / idx.length;
    for (const s of idx) w[s] = Math.min(Math.max(w[s] - shift, pl.wMin), pl.wMax);
    return;
  }
  const acc = idx.reduce((a, s) => a + (pl.normalize === 'l1' ? Math.abs(w[s]) : w[s] * w[s]), 0);
  const norm = pl.normalize === 'l2' ? Math.sqrt(acc) : acc;
  if (norm > 0) for (const s of idx) w[s] = w[s] * (pl.normalizeTarget / norm);
}
