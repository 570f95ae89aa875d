// The autoencoder kernels on WebGPU (see autoencoder.ts for the model). The training data, the
// weights and Adam's moments stay on the GPU for the kernel's life; train() writes the epoch's
// order and one 256-byte uniform slot per minibatch (offset, size, Adam's scalars for its step),
// encodes every minibatch of the call into one compute pass (five dispatches each, selected by
// dynamic uniform offsets), submits once and reads back only the per-minibatch losses.
//
// Per minibatch (n ≤ B samples, f32 throughout, sums in sequential order):
//   encode  thread (i, p):  H[i][p] = relu(b_f[p] + Σ_d x[d]·W_f[p][d])
//   decode  thread d:       for each i: y = sigmoid(b_b[d] + Σ_p H[i][p]·W_b[d][p]), stores y and
//                           dA = gscale·(y − x)·y·(1 − y); accumulates ∂W_b[d][·], ∂b_b[d] and
//                           the squared error of pixel d over the minibatch
//   dz      thread (i, p):  dZ = H > 0 ? Σ_d dA[i][d]·W_b[d][p] : 0
//   gradwf  thread (d, p):  ∂W_f[p][d] = Σ_i dZ[i][p]·x_i[d]   (and threads D·P.. for ∂b_f)
//   adam    thread per parameter (PyTorch's update); thread 0 also sums the squared errors into
//           the minibatch's loss slot.
// Weights are stored transposed (W_fᵀ: D×P, W_bᵀ: P×D) so neighbouring threads read neighbouring
// words in the long loops of encode and decode.
import type { Gpu } from '../webgpu/device.ts';
import {
  ADAM_FLUSH,
  adamScalars,
  type AeConfig,
  type AeKernel,
  type AeParams,
  checkAeConfig,
  checkIndices,
  checkParams,
  gradScale,
} from './autoencoder.ts';

const WG = 64;
/** Bytes per minibatch's uniform slot (≥ minUniformBufferOffsetAlignment, 256 by default). */
const SLOT_MIN = 256;

function shader(D: number, P: number, maxB: number): string {
  const npar = 2 * D * P + P + D;
  return /* wgsl */ `
struct U { b0: u32, nb: u32, slot: u32, pad: u32, gscale: f32, b1: f32, b2: f32, ob1: f32, ob2: f32, eps: f32, step: f32, bc2: f32 }
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read_write> st: array<f32>;
@group(0) @binding(3) var<storage, read_write> wk: array<f32>;
@group(0) @binding(4) var<storage, read_write> losses: array<f32>;
@group(0) @binding(5) var<uniform> u: U;

const D = ${D}u;
const P = ${P}u;
const NPAR = ${npar}u;
// parameter block: W_fᵀ (D×P) | b_f (P) | W_bᵀ (P×D) | b_b (D); then grads, m, v blocks alike
const WF = 0u;
const BF = ${D * P}u;
const WB = ${D * P + P}u;
const BB = ${2 * D * P + P}u;
const G = NPAR;
const M = ${2 * npar}u;
const V = ${3 * npar}u;
// scratch: H (B×P) | Y (B×D) | dA (B×D) | dZ (B×P) | squared error per pixel (D)
const H = 0u;
const Y = ${maxB * P}u;
const DA = ${maxB * P + maxB * D}u;
const DZ = ${maxB * P + 2 * maxB * D}u;
const LP = ${2 * maxB * P + 2 * maxB * D}u;

fn gid(w: vec3<u32>, n: vec3<u32>, l: u32) -> u32 { return (w.y * n.x + w.x) * ${WG}u + l; }

@compute @workgroup_size(${WG})
fn encode(@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let t = gid(w, n, l);
  if (t >= u.nb * P) { return; }
  let i = t / P;
  let p = t % P;
  let xr = order[u.b0 + i] * D;
  var acc = st[BF + p];
  for (var d = 0u; d < D; d++) { acc += X[xr + d] * st[WF + d * P + p]; }
  wk[H + t] = max(acc, 0.0);
}

@compute @workgroup_size(${WG})
fn decode(@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let d = gid(w, n, l);
  if (d >= D) { return; }
  var g: array<f32, ${P}>;
  for (var p = 0u; p < P; p++) { g[p] = 0.0; }
  var gb = 0.0;
  var se = 0.0;
  for (var i = 0u; i < u.nb; i++) {
    var a = st[BB + d];
    for (var p = 0u; p < P; p++) { a += wk[H + i * P + p] * st[WB + p * D + d]; }
    let y = 1.0 / (1.0 + exp(-a));
    let r = y - X[order[u.b0 + i] * D + d];
    let da = u.gscale * r * y * (1.0 - y);
    wk[Y + i * D + d] = y;
    wk[DA + i * D + d] = da;
    se += r * r;
    gb += da;
    for (var p = 0u; p < P; p++) { g[p] += wk[H + i * P + p] * da; }
  }
  for (var p = 0u; p < P; p++) { st[G + WB + p * D + d] = g[p]; }
  st[G + BB + d] = gb;
  wk[LP + d] = se;
}

@compute @workgroup_size(${WG})
fn dz(@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let t = gid(w, n, l);
  if (t >= u.nb * P) { return; }
  let i = t / P;
  let p = t % P;
  var s = 0.0;
  if (wk[H + t] > 0.0) {
    for (var d = 0u; d < D; d++) { s += wk[DA + i * D + d] * st[WB + p * D + d]; }
  }
  wk[DZ + t] = s;
}

@compute @workgroup_size(${WG})
fn gradwf(@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let t = gid(w, n, l);
  if (t < D * P) {
    let d = t / P;
    let p = t % P;
    var s = 0.0;
    for (var i = 0u; i < u.nb; i++) { s += X[order[u.b0 + i] * D + d] * wk[DZ + i * P + p]; }
    st[G + WF + t] = s;
  } else if (t < D * P + P) {
    let p = t - D * P;
    var s = 0.0;
    for (var i = 0u; i < u.nb; i++) { s += wk[DZ + i * P + p]; }
    st[G + BF + p] = s;
  }
}

@compute @workgroup_size(${WG})
fn adam(@builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let t = gid(w, n, l);
  if (t == 0u) {
    var s = 0.0;
    for (var d = 0u; d < D; d++) { s += wk[LP + d]; }
    losses[u.slot] = s;
  }
  if (t >= NPAR) { return; }
  let g = st[G + t];
  var m = u.b1 * st[M + t] + u.ob1 * g;
  var v = u.b2 * st[V + t] + u.ob2 * (g * g);
  if (abs(m) < ${ADAM_FLUSH}) { m = 0.0; }
  if (v < ${ADAM_FLUSH}) { v = 0.0; }
  st[M + t] = m;
  st[V + t] = v;
  st[t] = st[t] - u.step * (m / (sqrt(v) / u.bc2 + u.eps));
}
`;
}

const STAGES = ['encode', 'decode', 'dz', 'gradwf', 'adam'] as const;
type Stage = (typeof STAGES)[number];

interface Pipelines {
  layout: GPUBindGroupLayout;
  stages: Record<Stage, GPUComputePipeline>;
}

const cache = new WeakMap<GPUDevice, Map<string, Pipelines>>();

function pipelines(device: GPUDevice, D: number, P: number, maxB: number): Pipelines {
  let perDevice = cache.get(device);
  if (!perDevice) cache.set(device, (perDevice = new Map()));
  const key = `${D},${P},${maxB}`;
  let pl = perDevice.get(key);
  if (!pl) {
    const C = GPUShaderStage.COMPUTE;
    const layout = device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: C, buffer: { type: 'read-only-storage' } },
        { binding: 1, visibility: C, buffer: { type: 'read-only-storage' } },
        { binding: 2, visibility: C, buffer: { type: 'storage' } },
        { binding: 3, visibility: C, buffer: { type: 'storage' } },
        { binding: 4, visibility: C, buffer: { type: 'storage' } },
        { binding: 5, visibility: C, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: 48 } },
      ],
    });
    const module = device.createShaderModule({ code: shader(D, P, maxB) });
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
    const stages = Object.fromEntries(
      STAGES.map((s) => [s, device.createComputePipeline({ layout: pipelineLayout, compute: { module, entryPoint: s } })]),
    ) as Record<Stage, GPUComputePipeline>;
    perDevice.set(key, (pl = { layout, stages }));
  }
  return pl;
}

/** Workgroups for `threads` threads, as (x, y) when more than the per-dimension limit are needed. */
function grid(threads: number, maxPerDim: number): [number, number] {
  const groups = Math.max(1, Math.ceil(threads / WG));
  if (groups <= maxPerDim) return [groups, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}

export async function createAeWebgpu(gpu: Gpu, x: Float32Array, count: number, cfg: AeConfig): Promise<AeKernel> {
  checkAeConfig(cfg, count, x);
  const { device } = gpu;
  const { dim: D, hidden: P, maxBatch: maxB } = cfg;
  const npar = 2 * D * P + P + D;
  const pl = pipelines(device, D, P, maxB);
  const slotBytes = Math.max(SLOT_MIN, device.limits.minUniformBufferOffsetAlignment);
  const maxDim = device.limits.maxComputeWorkgroupsPerDimension;
  const S = GPUBufferUsage.STORAGE;
  const CD = GPUBufferUsage.COPY_DST;
  const CS = GPUBufferUsage.COPY_SRC;
  const maxBinding = device.limits.maxStorageBufferBindingSize;
  if (count * D * 4 > maxBinding) throw new Error(`autoencoder (webgpu): ${count}×${D} training data exceeds the device's ${maxBinding}-byte storage binding limit`);

  const owned: GPUBuffer[] = [];
  const buffer = (size: number, usage: number) => {
    const b = device.createBuffer({ size: Math.max(16, Math.ceil(size / 4) * 4), usage });
    owned.push(b);
    return b;
  };
  const xBuf = buffer(count * D * 4, S | CD);
  device.queue.writeBuffer(xBuf, 0, x.buffer, x.byteOffset, count * D * 4);
  const stBuf = buffer(4 * npar * 4, S | CD | CS);
  const wkBuf = buffer((2 * maxB * P + 2 * maxB * D + D) * 4, S | CS);
  // order, losses and uniform slots grow with the longest train() call (an epoch, normally)
  let slots = 0;
  let orderBuf!: GPUBuffer;
  let lossBuf!: GPUBuffer;
  let lossRead!: GPUBuffer;
  let uBuf!: GPUBuffer;
  let bind!: GPUBindGroup;
  const ensure = (nSlots: number) => {
    if (nSlots <= slots) return;
    if (slots > 0) {
      for (const b of [orderBuf, lossBuf, lossRead, uBuf]) {
        b.destroy();
        owned.splice(owned.indexOf(b), 1);
      }
    }
    slots = Math.max(nSlots, Math.ceil(count / maxB));
    orderBuf = buffer(slots * maxB * 4, S | CD);
    lossBuf = buffer(slots * 4, S | CS);
    lossRead = buffer(slots * 4, GPUBufferUsage.MAP_READ | CD);
    uBuf = buffer(slots * slotBytes, GPUBufferUsage.UNIFORM | CD);
    bind = device.createBindGroup({
      layout: pl.layout,
      entries: [
        { binding: 0, resource: { buffer: xBuf } },
        { binding: 1, resource: { buffer: orderBuf } },
        { binding: 2, resource: { buffer: stBuf } },
        { binding: 3, resource: { buffer: wkBuf } },
        { binding: 4, resource: { buffer: lossBuf } },
        { binding: 5, resource: { buffer: uBuf, size: 48 } },
      ],
    });
  };
  ensure(1);
  // Adam's moments start at zero
  device.queue.writeBuffer(stBuf, 2 * npar * 4, new Float32Array(2 * npar));

  let steps = 0;
  let disposed = false;
  const alive = () => {
    if (disposed) throw new Error('autoencoder (webgpu): used after dispose()');
  };

  /** Uniform slot s for a minibatch at b0 of n samples; Adam scalars of step t (0: no step). */
  const slotData = (out: ArrayBuffer, s: number, b0: number, n: number, t: number) => {
    const uv = new Uint32Array(out, s * slotBytes, 12);
    const fv = new Float32Array(out, s * slotBytes, 12);
    uv[0] = b0;
    uv[1] = n;
    uv[2] = s;
    fv[4] = gradScale(cfg, n);
    if (t > 0) {
      const a = adamScalars(cfg, t);
      fv[5] = a.b1;
      fv[6] = a.b2;
      fv[7] = a.ob1;
      fv[8] = a.ob2;
      fv[9] = a.eps;
      fv[10] = a.step;
      fv[11] = a.bc2;
    }
  };

  const dispatch = (pass: GPUComputePassEncoder, stage: Stage, threads: number) => {
    pass.setPipeline(pl.stages[stage]);
    const [gx, gy] = grid(threads, maxDim);
    pass.dispatchWorkgroups(gx, gy);
  };
  /** The forward and backward stages of slot s (and Adam when `step`). */
  const encodeBatch = (pass: GPUComputePassEncoder, s: number, n: number, step: boolean) => {
    pass.setBindGroup(0, bind, [s * slotBytes]);
    dispatch(pass, 'encode', n * P);
    dispatch(pass, 'decode', D);
    dispatch(pass, 'dz', n * P);
    dispatch(pass, 'gradwf', D * P + P);
    if (step) dispatch(pass, 'adam', npar);
  };

  const read = async (src: GPUBuffer, offset: number, bytes: number): Promise<Float32Array> => {
    const rb = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | CD });
    try {
      const enc = device.createCommandEncoder();
      enc.copyBufferToBuffer(src, offset, rb, 0, bytes);
      device.queue.submit([enc.finish()]);
      await rb.mapAsync(GPUMapMode.READ);
      return new Float32Array(rb.getMappedRange()).slice();
    } finally {
      rb.destroy();
    }
  };

  const toBlock = (p: AeParams): Float32Array<ArrayBuffer> => {
    const b = new Float32Array(npar);
    for (let q = 0; q < P; q++) for (let d = 0; d < D; d++) b[d * P + q] = p.wf[q * D + d];
    b.set(p.bf, D * P);
    for (let d = 0; d < D; d++) for (let q = 0; q < P; q++) b[D * P + P + q * D + d] = p.wb[d * P + q];
    b.set(p.bb, 2 * D * P + P);
    return b;
  };
  const fromBlock = (b: Float32Array): AeParams => {
    const wf = new Float32Array(P * D);
    const wb = new Float32Array(D * P);
    for (let q = 0; q < P; q++) for (let d = 0; d < D; d++) wf[q * D + d] = b[d * P + q];
    for (let d = 0; d < D; d++) for (let q = 0; q < P; q++) wb[d * P + q] = b[D * P + P + q * D + d];
    return { wf, bf: b.slice(D * P, D * P + P), wb, bb: b.slice(2 * D * P + P, 2 * D * P + P + D) };
  };

  return {
    config: cfg,
    kind: 'webgpu',
    get steps() {
      return steps;
    },
    async writeParams(p) {
      alive();
      checkParams(p, D, P);
      device.queue.writeBuffer(stBuf, 0, toBlock(p));
    },
    async readParams() {
      alive();
      return fromBlock(await read(stBuf, 0, npar * 4));
    },
    async readAdam() {
      alive();
      const mv = await read(stBuf, 2 * npar * 4, 2 * npar * 4);
      return { m: fromBlock(mv.subarray(0, npar)), v: fromBlock(mv.subarray(npar)) };
    },
    async train(order) {
      alive();
      checkIndices(order, count, Infinity);
      const nSlots = Math.ceil(order.length / maxB);
      if (nSlots === 0) return 0;
      ensure(nSlots);
      device.queue.writeBuffer(orderBuf, 0, order.buffer, order.byteOffset, order.byteLength);
      const uData = new ArrayBuffer(nSlots * slotBytes);
      for (let s = 0; s < nSlots; s++) slotData(uData, s, s * maxB, Math.min(maxB, order.length - s * maxB), steps + s + 1);
      device.queue.writeBuffer(uBuf, 0, uData);
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      for (let s = 0; s < nSlots; s++) encodeBatch(pass, s, Math.min(maxB, order.length - s * maxB), true);
      pass.end();
      enc.copyBufferToBuffer(lossBuf, 0, lossRead, 0, nSlots * 4);
      device.queue.submit([enc.finish()]);
      steps += nSlots;
      await lossRead.mapAsync(GPUMapMode.READ, 0, nSlots * 4);
      const l = new Float32Array(lossRead.getMappedRange(0, nSlots * 4));
      let sse = 0;
      for (let s = 0; s < nSlots; s++) sse += l[s];
      lossRead.unmap();
      return sse;
    },
    async probe(indices) {
      alive();
      checkIndices(indices, count, maxB);
      const n = indices.length;
      device.queue.writeBuffer(orderBuf, 0, indices.buffer, indices.byteOffset, indices.byteLength);
      const uData = new ArrayBuffer(slotBytes);
      slotData(uData, 0, 0, n, 0);
      device.queue.writeBuffer(uBuf, 0, uData);
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      encodeBatch(pass, 0, n, false);
      pass.end();
      device.queue.submit([enc.finish()]);
      const wk = await read(wkBuf, 0, (2 * maxB * P + 2 * maxB * D + D) * 4);
      const grads = fromBlock(await read(stBuf, npar * 4, npar * 4));
      const yOff = maxB * P;
      const lpOff = 2 * maxB * P + 2 * maxB * D;
      let sse = 0;
      for (let d = 0; d < D; d++) sse += wk[lpOff + d];
      return { codes: wk.slice(0, n * P), outputs: wk.slice(yOff, yOff + n * D), grads, sse };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const b of owned) b.destroy();
    },
  };
}
