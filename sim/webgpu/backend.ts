// The webgpu backend: the step shader (shader.ts) dispatched once per step, T steps encoded in one
// command buffer with no readback in between (per-pass uniforms via dynamic offsets). Same state,
// rotation and pending-plasticity bookkeeping as the cpu backend (sim/cpu/backend.ts).
import { type Backend, type BackendInit, type ChunkResult, checkInitial, DeviceLimit, type NetworkState, orgParamValues, type Recording } from '../backend.ts';
import { allExcitatory, hasGroups, inputSize, neuronCount, segmentCount, synapseCount } from '../tensor.ts';
import { acquireGpu } from './device.ts';
import { MODE, NO_BAD, PASS_BYTES, PASS_FIELDS, PASS_STRIDE, type PassField, stepShader, WORKGROUP } from './shader.ts';

/** Packs named arrays back to back into one typed array and remembers where each starts. */
class Packer<A extends Uint32Array | Float32Array> {
  readonly off: Record<string, number> = {};
  private parts: [number, ArrayLike<number>][] = [];
  length = 0;
  add(name: string, data: ArrayLike<number> | number): this {
    this.off[name] = this.length;
    const len = typeof data === 'number' ? data : data.length;
    if (typeof data !== 'number') this.parts.push([this.length, data]);
    this.length += len;
    return this;
  }
  build(Ctor: new (n: number) => A): A {
    const out = new Ctor(Math.max(1, this.length));
    for (const [at, d] of this.parts) out.set(d, at);
    return out;
  }
}

/** f32 values of the `ws` buffer: the weights, then each rule slot, per synapse (also for estimates). */
export const wsLength = (S: number, nSlots: number): number => (nSlots + 1) * S;

/**
 * The storage buffers (element counts of 4 bytes) and the recording against the device's limits,
 * before anything is allocated. Unavailable rather than an error: `auto` then falls back to cpu.
 */
function checkLimits(limits: GPUSupportedLimits, storage: Record<string, number>, recValues: number, neurons: number): void {
  const MiB = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  for (const [label, n] of Object.entries(storage)) {
    if (4 * n > limits.maxStorageBufferBindingSize) {
      throw new DeviceLimit(`webgpu backend: buffer '${label}' needs ${MiB(4 * n)}, above this device's ${MiB(limits.maxStorageBufferBindingSize)} storage binding limit`);
    }
  }
  if (4 * recValues > limits.maxBufferSize) {
    throw new DeviceLimit(`webgpu backend: the recording needs ${MiB(4 * recValues)}, above this device's ${MiB(limits.maxBufferSize)} buffer size limit`, Math.floor(limits.maxBufferSize / (4 * neurons)));
  }
}

export async function createWebgpuBackend(init: BackendInit): Promise<Backend> {
  const { tensor, rule, plasticity } = init;
  const rec = init.record ?? { every: 0, capacity: 0 };
  const N = neuronCount(tensor);
  const G = segmentCount(tensor);
  const S = synapseCount(tensor);
  const nIn = inputSize(tensor);
  const nT = rule.termNames.length;
  const nSlots = rule.slotNames.length;
  const maxChunk = init.maxChunk;
  const nGroups = tensor.groupStart.length;
  checkInitial(init, N, S);
  const orgParams = orgParamValues(init);
  const initial = init.initial ?? {};

  const gpu = await acquireGpu();
  const { device } = gpu;
  const created: GPUBuffer[] = [];
  try {
    const base = new Uint32Array(N);
    for (let n = 0; n < N; n++) base[n] = tensor.orgNeuronStart[tensor.org[n]];
    const iuP = new Packer<Uint32Array>()
      .add('neuronSegStart', tensor.neuronSegStart)
      .add('segSynStart', tensor.segSynStart)
      .add('base', base)
      .add('pre', tensor.pre)
      .add('segPlastic', tensor.segPlastic)
      .add('inputIndex', new Uint32Array(tensor.inputIndex.buffer, tensor.inputIndex.byteOffset, N))
      .add('soma', tensor.soma)
      .add('k', tensor.k)
      .add('groupStart', tensor.groupStart)
      .add('groupEnd', tensor.groupEnd)
      // each row's organism, for its per-organism rule parameters (only when the rule has some)
      .add('org', rule.orgParamNames.length > 0 ? tensor.org : 0);
    const frP = new Packer<Float32Array>()
      .add('segSign', tensor.segSign)
      .add('segTag', tensor.segTag)
      .add('sign', tensor.sign)
      .add('gain', tensor.gain)
      .add('alpha', tensor.alpha)
      .add('bias', tensor.bias)
      .add('etaTheta', tensor.etaTheta)
      .add('target', tensor.target)
      .add('x', maxChunk * nIn)
      .add('orgParams', orgParams);
    // rot = 0: prev = third 0, cur = third 1, next = third 2
    const stP = new Packer<Float32Array>().add('a', 3 * N).add('v', G).add('d', G).add('u', N).add('theta', tensor.theta).add('terms', nT * N);
    checkLimits(device.limits, { iu: iuP.length, fr: frP.length, ws: wsLength(S, nSlots), st: stP.length }, rec.every > 0 ? rec.capacity * N : 0, N);
    const wsData = new Float32Array(Math.max(1, wsLength(S, nSlots)));
    wsData.set(tensor.w);
    if (initial.slots) wsData.set(initial.slots, S);
    else rule.slotInit.forEach((x, k) => wsData.fill(x, (k + 1) * S, (k + 2) * S));
    const stData = stP.build(Float32Array);
    stData.set(initial.a ?? tensor.a0, stP.off.a + N);
    if (initial.terms) stData.set(initial.terms, stP.off.terms);
    else rule.termInit.forEach((x, k) => stData.fill(x, stP.off.terms + k * N, stP.off.terms + (k + 1) * N));
    const iuData = iuP.build(Uint32Array);
    const frData = frP.build(Float32Array);

    const buffer = (label: string, data: Uint32Array | Float32Array | number, usage: number): GPUBuffer => {
      const size = Math.max(4, typeof data === 'number' ? data : data.byteLength);
      const b = device.createBuffer({ label, size: Math.ceil(size / 4) * 4, usage, mappedAtCreation: typeof data !== 'number' });
      if (typeof data !== 'number') {
        const C = data instanceof Uint32Array ? Uint32Array : Float32Array;
        new C(b.getMappedRange()).set(data);
        b.unmap();
      }
      created.push(b);
      return b;
    };
    const U = GPUBufferUsage;
    const iuBuf = buffer('iu', iuData, U.STORAGE);
    const frBuf = buffer('fr', frData, U.STORAGE | U.COPY_DST);
    const wsBuf = buffer('ws', wsData, U.STORAGE | U.COPY_SRC);
    const stBuf = buffer('st', stData, U.STORAGE | U.COPY_SRC);
    const badBuf = buffer('bad', new Uint32Array([NO_BAD]), U.STORAGE | U.COPY_SRC | U.COPY_DST);
    const uniBuf = buffer('pass', (maxChunk + 1) * PASS_STRIDE, U.UNIFORM | U.COPY_DST);
    const recording = rec.every > 0 && rec.capacity > 0;
    const recBuf = recording ? buffer('rec', rec.capacity * N * 4, U.COPY_DST | U.COPY_SRC) : null;

    const groups = hasGroups(tensor);
    const code = stepShader(rule, { ...plasticity, uniformSign: allExcitatory(tensor), groups });
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ label: `step ${rule.name}`, code });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length) throw new Error(`webgpu backend: step shader for rule "${rule.name}" does not compile: ${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ')}`);
    const storage = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type } });
    const layout = device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: PASS_BYTES } },
        storage(1, 'read-only-storage'),
        storage(2, 'read-only-storage'),
        storage(3, 'storage'),
        storage(4, 'storage'),
        storage(5, 'storage'),
      ],
    });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
    const pipeline = await device.createComputePipelineAsync({ label: `step ${rule.name}`, layout: pipelineLayout, compute: { module, entryPoint: 'main' } });
    const groupPipeline = groups
      ? await device.createComputePipelineAsync({ label: `groups ${rule.name}`, layout: pipelineLayout, compute: { module, entryPoint: 'groups' } })
      : null;
    const bindGroup = device.createBindGroup({
      layout,
      entries: [
        { binding: 0, resource: { buffer: uniBuf, size: PASS_BYTES } },
        { binding: 1, resource: { buffer: iuBuf } },
        { binding: 2, resource: { buffer: frBuf } },
        { binding: 3, resource: { buffer: wsBuf } },
        { binding: 4, resource: { buffer: stBuf } },
        { binding: 5, resource: { buffer: badBuf } },
      ],
    });
    const setupError = await device.popErrorScope();
    if (setupError) throw new Error(`webgpu backend: ${setupError.message}`);

    // Large N: spread workgroups over y (65535 per dimension by default).
    const rowGroups = Math.max(1, Math.ceil(N / WORKGROUP));
    const gx = Math.min(rowGroups, device.limits.maxComputeWorkgroupsPerDimension);
    const gy = Math.ceil(rowGroups / gx);
    const qgroups = Math.max(1, Math.ceil(nGroups / WORKGROUP));
    const qx = Math.min(qgroups, device.limits.maxComputeWorkgroupsPerDimension);
    const qy = Math.ceil(qgroups / qx);

    const fixed: Partial<Record<PassField, number>> = {
      N,
      G,
      S,
      nIn,
      nGroups,
      oK: iuP.off.k,
      oGroupStart: iuP.off.groupStart,
      oGroupEnd: iuP.off.groupEnd,
      oOrg: iuP.off.org,
      oSegSyn: iuP.off.segSynStart,
      oBase: iuP.off.base,
      oPre: iuP.off.pre,
      oPlastic: iuP.off.segPlastic,
      oInIdx: iuP.off.inputIndex,
      oSoma: iuP.off.soma,
      oSegSign: frP.off.segSign,
      oSegTag: frP.off.segTag,
      oSign: frP.off.sign,
      oGain: frP.off.gain,
      oAlpha: frP.off.alpha,
      oBias: frP.off.bias,
      oEtaTheta: frP.off.etaTheta,
      oTarget: frP.off.target,
      oX: frP.off.x,
      oOrgParams: frP.off.orgParams,
      oV: stP.off.v,
      oD: stP.off.d,
      oU: stP.off.u,
      oTheta: stP.off.theta,
      oTerms: stP.off.terms,
    };
    const passWords = PASS_STRIDE / 4;
    const writePass = (into: Uint32Array, slot: number, vals: Partial<Record<PassField, number>>) => {
      const all = { ...fixed, ...vals };
      PASS_FIELDS.forEach((f, i) => (into[slot * passWords + i] = all[f] ?? 0));
    };
    const third = (r: number) => (r % 3) * N;

    const readBack = async (parts: { buf: GPUBuffer; offset: number; bytes: number }[]): Promise<ArrayBuffer[]> => {
      const total = parts.reduce((s, p) => s + p.bytes, 0);
      const staging = device.createBuffer({ size: Math.max(4, total), usage: U.MAP_READ | U.COPY_DST });
      const enc = device.createCommandEncoder();
      let at = 0;
      for (const p of parts) {
        if (p.bytes > 0) enc.copyBufferToBuffer(p.buf, p.offset, staging, at, p.bytes);
        at += p.bytes;
      }
      device.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const all = staging.getMappedRange().slice(0);
      staging.unmap();
      staging.destroy();
      const out: ArrayBuffer[] = [];
      at = 0;
      for (const p of parts) {
        out.push(all.slice(at, at + p.bytes));
        at += p.bytes;
      }
      return out;
    };

    let t = 0;
    let rot = 0;
    let pending = false;
    let disposed = false;
    const check = () => {
      if (disposed) throw new Error('webgpu backend: used after dispose()');
    };

    const flush = async () => {
      const pass = new Uint32Array(passWords);
      writePass(pass, 0, { mode: MODE.plasticity, t, prevOff: third(rot), curOff: third(rot + 1), nextOff: third(rot + 2) });
      device.queue.writeBuffer(uniBuf, 0, pass);
      const enc = device.createCommandEncoder();
      const cp = enc.beginComputePass();
      cp.setPipeline(pipeline);
      cp.setBindGroup(0, bindGroup, [0]);
      cp.dispatchWorkgroups(gx, gy);
      cp.end();
      device.queue.submit([enc.finish()]);
      pending = false;
    };

    return {
      name: 'webgpu',
      device: gpu.adapterInfo,
      async run(T: number, inputs: Float32Array): Promise<ChunkResult> {
        check();
        if (T > maxChunk) throw new Error(`run: ${T} steps exceed maxChunk ${maxChunk}`);
        if (inputs.length !== T * nIn) throw new Error(`run: inputs hold ${inputs.length} values, expected ${T} × ${nIn}`);
        if (T === 0) return { firstBadStep: -1 };
        if (inputs.length) device.queue.writeBuffer(frBuf, frP.off.x * 4, inputs as Float32Array<ArrayBuffer>);
        device.queue.writeBuffer(badBuf, 0, new Uint32Array([NO_BAD]));
        // slot 0: clamp sample 0 into a_cur's input rows; slot p + 1: step p
        const passes = new Uint32Array((T + 1) * passWords);
        writePass(passes, 0, { mode: MODE.clamp, T, curOff: third(rot + 1) });
        for (let p = 0; p < T; p++) {
          const r = rot + p;
          const mode = (p > 0 || pending ? MODE.plasticity : 0) | MODE.step;
          writePass(passes, p + 1, { mode, p, T, t: t + p, prevOff: third(r), curOff: third(r + 1), nextOff: third(r + 2) });
        }
        device.queue.writeBuffer(uniBuf, 0, passes);

        device.pushErrorScope('validation');
        const enc = device.createCommandEncoder();
        let cp = enc.beginComputePass();
        cp.setPipeline(pipeline);
        const dispatch = (slot: number) => {
          cp.setBindGroup(0, bindGroup, [slot * PASS_STRIDE]);
          cp.dispatchWorkgroups(gx, gy);
        };
        dispatch(0);
        for (let p = 0; p < T; p++) {
          dispatch(p + 1);
          if (groupPipeline) {
            // after every row of step p: group neurons need the u of their whole group
            cp.setPipeline(groupPipeline);
            cp.setBindGroup(0, bindGroup, [(p + 1) * PASS_STRIDE]);
            cp.dispatchWorkgroups(qx, qy);
            cp.setPipeline(pipeline);
          }
          const done = t + p + 1;
          if (recBuf && done % rec.every === 0) {
            // copies cannot happen inside a compute pass
            cp.end();
            const frame = (done / rec.every - 1) % rec.capacity;
            enc.copyBufferToBuffer(stBuf, third(rot + p + 2) * 4, recBuf, frame * N * 4, N * 4);
            cp = enc.beginComputePass();
            cp.setPipeline(pipeline);
          }
        }
        cp.end();
        device.queue.submit([enc.finish()]);
        const err = await device.popErrorScope();
        if (err) throw new Error(`webgpu backend: ${err.message}`);
        const [badWord] = await readBack([{ buf: badBuf, offset: 0, bytes: 4 }]);
        const bad = new Uint32Array(badWord)[0];
        t += T;
        rot = (rot + T) % 3;
        pending = true;
        return { firstBadStep: bad === NO_BAD ? -1 : bad };
      },
      async readState(): Promise<NetworkState> {
        check();
        if (pending) await flush();
        const f = (o: number, n: number) => ({ buf: stBuf, offset: o * 4, bytes: n * 4 });
        const [a, w, theta, v, slots, terms] = await readBack([
          f(third(rot + 1), N),
          { buf: wsBuf, offset: 0, bytes: S * 4 },
          f(stP.off.theta, N),
          f(stP.off.v, G),
          { buf: wsBuf, offset: S * 4, bytes: nSlots * S * 4 },
          f(stP.off.terms, nT * N),
        ]);
        return {
          a: new Float32Array(a),
          w: new Float32Array(w),
          theta: new Float32Array(theta),
          v: new Float32Array(v),
          slots: new Float32Array(slots),
          terms: new Float32Array(terms),
        };
      },
      async readActivity(): Promise<Float32Array> {
        check();
        const [a] = await readBack([{ buf: stBuf, offset: third(rot + 1) * 4, bytes: N * 4 }]);
        return new Float32Array(a);
      },
      async readRecording(): Promise<Recording> {
        check();
        if (!recBuf) return { steps: [], frames: new Float32Array(0) };
        const total = Math.floor(t / rec.every);
        const kept = Math.min(total, rec.capacity);
        const parts = [];
        const steps: number[] = [];
        for (let i = 0; i < kept; i++) {
          const k = total - kept + i; // k-th recording (0-based) was taken after step (k + 1) · every
          steps.push((k + 1) * rec.every);
          parts.push({ buf: recBuf, offset: (k % rec.capacity) * N * 4, bytes: N * 4 });
        }
        const frames = new Float32Array(kept * N);
        (await readBack(parts)).forEach((b, i) => frames.set(new Float32Array(b), i * N));
        return { steps, frames };
      },
      memoryBytes: () => created.reduce((s, b) => s + b.size, 0),
      async dispose() {
        if (disposed) return;
        disposed = true;
        await device.queue.onSubmittedWorkDone();
        for (const b of created) b.destroy();
        gpu.release();
      },
    };
  } catch (e) {
    for (const b of created) b.destroy();
    gpu.release();
    throw e;
  }
}
