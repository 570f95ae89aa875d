// JS source of the cpu step loop (see sim/README.md "The step"): per step, the WebAssembly kernel
// over rows (synapses, then each row's neuron phase), the recording, and a barrier between worker
// threads. It is a source string so that worker threads evaluate it without a TypeScript loader.
import type { PlasticityOptions } from '../backend.ts';
import type { CompiledRule } from '../compiler/compile.ts';

/** `groups`: the tensor has group somas (kwta, softmax), whose neurons a second phase per step finishes. */
export function kernelSource(rule: CompiledRule, plasticity: PlasticityOptions, groups: boolean): string {
  const norm = plasticity.normalize;
  const termArgs = rule.termNames.map((_, k) => `, terms[${k} * N + n]`).join('');
  // the row's organism's parameters: `row` takes them after the terms (wasm.ts)
  const nP = rule.orgParamNames.length;
  const orgArgs = rule.orgParamNames.map((_, k) => `, orgParams[org[n] * ${nP} + ${k}]`).join('');
  // Normalization needs a row's plasticity finished before its gather: two `row` calls around it.
  const normalizedRows = `
    let flags = 0;
    for (let n = r0; n < r1; n++) {
      if (inputIndex[n] < 0) {
        const g0 = neuronSegStart[n], g1 = neuronSegStart[n + 1];
        if (mode & 1) {
          const fanin = segSynStart[g1] - segSynStart[g0];
          if (row(g0, g1, 4 * inBase, 4 * inBase + 4, 1, a[inBase + 2 * n + 1], u[n], theta[n], fanin${termArgs}${orgArgs}) !== 0) flags |= 1;
          normalize(g0, g1);
        }
        if (mode & 2) row(g0, g1, 4 * inBase, 4 * inBase + 4, 2, 0, 0, 0, 0${rule.termNames.map(() => ', 0').join('')}${orgArgs});
      }
      if (mode & 2) flags |= neuron(n, inBase, outBase, p, T);
    }
    return flags;`;
  const normalizeFn =
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
  const { buf, off, N, G, row, rows, neuron, groups, nGroups, r0, r1, workers, ctl } = env;
  const F = (name, len) => new Float32Array(buf, off[name], len);
  const U = (name, len) => new Uint32Array(buf, off[name], len);
  const I = (name, len) => new Int32Array(buf, off[name], len);
  const neuronSegStart = U('neuronSegStart', N + 1), segSynStart = U('segSynStart', G + 1);
  const inputIndex = I('inputIndex', N), segPlastic = I('segPlastic', G);
  const theta = F('theta', N), u = F('u', N), a = F('a', 4 * N), terms = F('terms', ${rule.termNames.length} * N);
  const w = F('w', env.S), rec = F('rec', env.recCapacity * N);${norm !== 'none' && nP > 0 ? `
  const org = U('org', N), orgParams = F('orgParams', env.organisms * ${nP});` : ''}${groups ? `
  const groupStart = U('groupStart', nGroups), groupEnd = U('groupEnd', nGroups);` : ''}
  ${normalizeFn}

  // ctl[CLAIM + (p & 1)]: next row to claim in pass p; ctl[GROUP_CLAIM + (p & 1)]: next group
  const CLAIM = 4, GROUP_CLAIM = 6, BLOCK = 1024;
  // claim: the counter everyone is done with, reset by the last to arrive
  function barrier(claim) {
    if (workers === 1) return;
    const gen = Atomics.load(ctl, 1);
    if (Atomics.add(ctl, 0, 1) === workers - 1) {
      Atomics.store(ctl, 0, 0);
      Atomics.store(ctl, claim, 0);
      Atomics.add(ctl, 1, 1);
      Atomics.notify(ctl, 1);
    } else {
      let spins = 0;
      // brief spin: a spinning sibling hyperthread slows the one still working
      while (Atomics.load(ctl, 1) === gen) if (++spins > 64) Atomics.wait(ctl, 1, gen);
    }
  }

  // Rows [r0, r1) of one pass. mode bit 0: pending plasticity; bit 1: gather and neuron phase.
  // a[inBase + 2n] / a[inBase + 2n + 1]: activity of the previous / current step; the new pair goes
  // to the other buffer (outBase). Returns flags: 1 = weight not finite, 2 = activity not finite.
  function pass(mode, p, T, inBase, outBase, r0, r1) {
    ${norm === 'none' ? 'return rows(r0, r1, inBase, outBase, mode, p, T);' : normalizedRows}
  }
  const firstBad = (flags, t, bad) => {
    const b = flags & 1 ? t - 1 : flags & 2 ? t : -1;
    return b >= 0 && (bad < 0 || b < bad) ? b : bad;
  };

  return {
    // T steps from global step t0; buffer rot % 2 holds the current pairs. Returns the first bad step or -1.
    run(T, t0, rot, pending, recEvery, recCapacity) {
      let bad = -1;
      for (let p = 0; p < T; p++) {
        const inBase = (rot % 2) * 2 * N, outBase = 2 * N - inBase;
        const t = t0 + p + 1;
        const frame = recEvery > 0 && t % recEvery === 0 ? ((t / recEvery - 1) % recCapacity) * N : -1;
        // Workers claim blocks of rows, so one slowed by its sibling hyperthread does less, not
        // later; any row is computed identically by whoever claims it.
        for (;;) {
          const b0 = workers === 1 ? r0 : Atomics.add(ctl, CLAIM + (p & 1), BLOCK);
          if (b0 >= (workers === 1 ? r1 : N)) break;
          const b1 = workers === 1 ? r1 : Math.min(b0 + BLOCK, N);
          bad = firstBad(pass((pending ? 1 : 0) | 2, p, T, inBase, outBase, b0, b1), t0 + p, bad);
          if (frame >= 0) for (let n = b0; n < b1; n++) rec[frame + n] = a[outBase + 2 * n + 1];
          if (workers === 1) break;
        }
        barrier(CLAIM + (p & 1));${
          groups
            ? `
        // group somas: every z of a group is known now; one thread finishes a whole group
        for (;;) {
          const q0 = workers === 1 ? 0 : Atomics.add(ctl, GROUP_CLAIM + (p & 1), 1);
          if (q0 >= nGroups) break;
          const q1 = workers === 1 ? nGroups : q0 + 1;
          bad = firstBad(groups(q0, q1, inBase, outBase), t0 + p, bad);
          if (frame >= 0) for (let n = groupStart[q0]; n < groupEnd[q1 - 1]; n++) rec[frame + n] = a[outBase + 2 * n + 1];
          if (workers === 1) break;
        }
        barrier(GROUP_CLAIM + (p & 1));`
            : ''
        }
        rot = (rot + 1) % 2;
        pending = true;
      }
      return bad;
    },
    // Apply the pending plasticity without stepping.
    flush(t0, rot) {
      return firstBad(pass(1, 0, 0, (rot % 2) * 2 * N, 0, r0, r1), t0, -1);
    },
  };
})`;
}
