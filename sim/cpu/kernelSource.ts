// JS source of one cpu pass (see sim/README.md "The step"): for each row in [r0, r1) the WebAssembly
// synapse kernel, then the neuron phase (segment nonlinearity, soma, homeostasis, rule terms).
// It is a source string so that worker threads can evaluate it without a TypeScript loader, with the
// rule's expressions inlined where V8 can optimise them.
import type { CompiledRule } from '../compiler/compile.ts';
import type { PlasticityOptions } from '../backend.ts';
import { SOMA } from '../tensor.ts';

/** What the whole tensor shares, so the generated neuron phase can drop branches it never takes. */
export interface NeuronTraits {
  /** The soma code every neuron uses, or null when they differ. */
  soma: number | null;
  /** Some neuron has α < 1. */
  leak: boolean;
  /** Some neuron has ηθ ≠ 0. */
  homeostasis: boolean;
}

export function neuronTraits(t: { soma: Uint8Array; alpha: Float32Array; etaTheta: Float32Array }): NeuronTraits {
  return {
    soma: t.soma.every((k) => k === t.soma[0]) ? t.soma[0] : null,
    leak: t.alpha.some((x) => x !== 1),
    homeostasis: t.etaTheta.some((x) => x !== 0),
  };
}

export function kernelSource(rule: CompiledRule, plasticity: PlasticityOptions, traits: NeuronTraits): string {
  const termDecl = rule.termNames.map((n, k) => `const v_${n} = terms[${k} * N + n];`).join('\n        ');
  const termArgs = rule.termNames.map((n) => `, v_${n}`).join('');
  const termUpd = rule.terms.map((t, k) => `const t${k} = ${t.js};`).join('\n          ');
  const termStore = rule.termNames.map((_, k) => `terms[${k} * N + n] = t${k};`).join('\n          ');
  const linearSegment = rule.segment.js === 'v_v';
  const somaCode: Record<number, string> = {
    [SOMA.relu]: 'z > 0 ? z : 0',
    [SOMA.sigmoid]: '1 / (1 + Math.exp(-gain[n] * z))',
    [SOMA.clamp01]: 'Math.min(Math.max(z, 0), 1)',
    [SOMA.linear]: 'z',
  };
  const somaExpr =
    traits.soma !== null
      ? somaCode[traits.soma]
      : `soma[n] === ${SOMA.relu} ? ${somaCode[SOMA.relu]} : soma[n] === ${SOMA.sigmoid} ? ${somaCode[SOMA.sigmoid]} : soma[n] === ${SOMA.clamp01} ? ${somaCode[SOMA.clamp01]} : z`;
  const norm = plasticity.normalize;
  // Normalization needs the whole row updated before the gather: plasticity and gather become two calls.
  // Without it, one WebAssembly call does the synapses of all rows (`rows`) before the neuron phase.
  const rowCalls =
    norm === 'none'
      ? ''
      : `const g0 = neuronSegStart[n], g1 = neuronSegStart[n + 1];
      const fanin = segSynStart[g1] - segSynStart[g0];
      ${termDecl}
      if ((mode & 1) && row(g0, g1, base[n], prevSlot, curSlot, 1, a[4 * n + curSlot], u[n], theta[n], fanin${termArgs}) !== 0 && bad < 0) bad = t - 1;
      if (mode & 1) normalize(g0, g1);
      if (mode & 2) row(g0, g1, base[n], prevSlot, curSlot, 2, 0, 0, 0, 0${rule.termNames.map(() => ', 0').join('')});`;
  const normBody =
    norm === 'none'
      ? ''
      : `function normalize(g0, g1) {
    let acc = 0, count = 0;
    for (let g = g0; g < g1; g++) {
      if (!segPlastic[g]) continue;
      for (let s = segSynStart[g]; s < segSynStart[g + 1]; s++) { const x = w[s]; acc += ${norm === 'l1' ? 'Math.abs(x)' : norm === 'l2' ? 'x * x' : 'x'}; count++; }
    }
    ${
      norm === 'subtractive'
        ? `if (count === 0) return;
    const shift = (acc - ${plasticity.normalizeTarget}) / count;
    for (let g = g0; g < g1; g++) if (segPlastic[g]) for (let s = segSynStart[g]; s < segSynStart[g + 1]; s++) w[s] = Math.min(Math.max(w[s] - shift, ${plasticity.wMin}), ${plasticity.wMax});`
        : `const norm = ${norm === 'l2' ? 'Math.sqrt(acc)' : 'acc'};
    if (!(norm > 0)) return;
    const f = ${plasticity.normalizeTarget} / norm;
    for (let g = g0; g < g1; g++) if (segPlastic[g]) for (let s = segSynStart[g]; s < segSynStart[g + 1]; s++) w[s] = w[s] * f;`
    }
  }`;
  return `(function makeKernel(env) {
  const { buf, off, N, G, nIn, row, rows, r0, r1, workers, ctl } = env;
  const F = (name, len) => new Float32Array(buf, off[name], len);
  const U = (name, len) => new Uint32Array(buf, off[name], len);
  const I = (name, len) => new Int32Array(buf, off[name], len);
  const neuronSegStart = U('neuronSegStart', N + 1), segSynStart = U('segSynStart', G + 1), base = U('base', N);
  const inputIndex = I('inputIndex', N), soma = I('soma', N);
  const gain = F('gain', N), alpha = F('alpha', N), bias = F('bias', N), theta = F('theta', N);
  const etaTheta = F('etaTheta', N), target = F('target', N), u = F('u', N), a = F('a', 4 * N);
  const v = F('v', G), d = F('d', G), terms = F('terms', ${rule.termNames.length} * N), x = F('x', env.maxChunk * nIn);
  const rec = F('rec', env.recCapacity * N);
  const w = F('w', env.S), segPlastic = I('segPlastic', G);
  ${normBody}

  function barrier() {
    if (workers === 1) return;
    const gen = Atomics.load(ctl, 1);
    if (Atomics.add(ctl, 0, 1) === workers - 1) {
      Atomics.store(ctl, 0, 0);
      Atomics.add(ctl, 1, 1);
      Atomics.notify(ctl, 1);
    } else {
      let spins = 0;
      while (Atomics.load(ctl, 1) === gen) if (++spins > 64) Atomics.wait(ctl, 1, gen); // brief spin: a spinning sibling hyperthread slows the one still working
    }
  }

  // mode bit 0: pending plasticity; bit 1: gather and neuron update. Returns the first bad step or -1.
  function pass(mode, p, T, t, prevSlot, curSlot, nextSlot) {
    let bad = -1;
    ${norm === 'none' ? 'if (rows(r0, r1, prevSlot, curSlot, mode) !== 0) bad = t - 1;' : ''}
    for (let n = r0; n < r1; n++) {
      const ii = inputIndex[n];
      if (ii >= 0) {
        // the next step's sample; after the chunk's last step the sample stays (readState shows it)
        if (mode & 2) {
          const xv = x[(p + 1 < T ? p + 1 : p) * nIn + ii];
          a[4 * n + nextSlot] = xv;
          if (nextSlot === 0) a[4 * n + 3] = xv;
        }
        continue;
      }
      ${rowCalls}
      if ((mode & 2) === 0) continue;
      const h0 = neuronSegStart[n], h1 = neuronSegStart[n + 1];
      let uu = bias[n];
      for (let g = h0; g < h1; g++) {
        ${linearSegment ? 'const dd = v[g];' : `const v_v = v[g]; const dd = ${rule.segment.js};`}
        d[g] = dd;
        uu += d[g]; // the stored f32 value, as every backend sums it
      }
      const z = uu - theta[n];
      const f = ${somaExpr};
      ${traits.leak ? 'const al = alpha[n], an = al === 1 ? f : (1 - al) * a[4 * n + curSlot] + al * f;' : 'const an = f;'}
      a[4 * n + nextSlot] = an;
      if (nextSlot === 0) a[4 * n + 3] = an; // slot 3 mirrors 0, so (previous, current) are always adjacent
      u[n] = uu;
      const stored = a[4 * n + nextSlot];
      if (stored - stored !== 0 && (bad < 0 || t < bad)) bad = t;
      ${traits.homeostasis ? 'if (etaTheta[n] !== 0) theta[n] = theta[n] + etaTheta[n] * (stored - target[n]);' : ''}
      ${
        rule.termNames.length
          ? `{
          const v_post = stored, v_u = uu, v_theta = theta[n];
          ${termDecl}
          ${termUpd}
          ${termStore}
        }`
          : ''
      }
    }
    return bad;
  }

  return {
    // T steps from global step t0; rot selects which slot of 'a' is prev/cur/next.
    run(T, t0, rot, pending, recEvery, recCapacity) {
      let bad = -1;
      for (let p = 0; p < T; p++) {
        const b = pass((pending ? 1 : 0) | 2, p, T, t0 + p, rot % 3, (rot + 1) % 3, (rot + 2) % 3);
        if (b >= 0 && (bad < 0 || b < bad)) bad = b;
        const t = t0 + p + 1;
        if (recEvery > 0 && t % recEvery === 0) {
          const frame = ((t / recEvery - 1) % recCapacity) * N;
          for (let n = r0; n < r1; n++) rec[frame + n] = a[4 * n + (rot + 2) % 3];
        }
        barrier();
        rot = (rot + 1) % 3;
        pending = true;
      }
      return bad;
    },
    // Apply the pending plasticity without stepping.
    flush(t0, rot) {
      return pass(1, 0, 0, t0, rot % 3, (rot + 1) % 3, 3);
    },
  };
})`;
}
