// C = XᵀX / n (optionally centered) on WebGPU: a 16×16-tiled matmul of Xᵀ by X in workgroup memory,
// f32 throughout, one dispatch and one read-back. Only upper-triangle tiles are computed (the
// result is mirrored on the way back), halving the work.
import type { Gpu } from '../webgpu/device.ts';
import type { GramOptions } from './cpu.ts';

const TILE = 16;

const SHADER = /* wgsl */ `
struct P { n: u32, d: u32, center: u32, pad: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> p: P;
var<workgroup> ta: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> tb: array<array<f32, ${TILE}>, ${TILE}>;

fn load(r: u32, col: u32) -> f32 {
  if (r >= p.n || col >= p.d) { return 0.0; }
  var v = x[r * p.d + col];
  if (p.center != 0u) { v -= mean[col]; }
  return v;
}

@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let i0 = wg.y * ${TILE}u;
  let j0 = wg.x * ${TILE}u;
  // Lower-triangle tiles mirror upper ones; uniform across the workgroup, so barriers stay valid.
  if (j0 < i0) { return; }
  var acc = 0.0;
  for (var r0 = 0u; r0 < p.n; r0 += ${TILE}u) {
    ta[l.y][l.x] = load(r0 + l.y, i0 + l.x);
    tb[l.y][l.x] = load(r0 + l.y, j0 + l.x);
    workgroupBarrier();
    for (var k = 0u; k < ${TILE}u; k++) { acc += ta[k][l.y] * tb[k][l.x]; }
    workgroupBarrier();
  }
  let i = i0 + l.y;
  let j = j0 + l.x;
  if (i < p.d && j < p.d) { c[i * p.d + j] = acc; }
}
`;

const pipelines = new WeakMap<GPUDevice, GPUComputePipeline>();

/** Same contract as gramCpu, computed in f32 on the GPU (relative error ~1e-6·√n). */
export async function gramWebgpu(gpu: Gpu, X: Float32Array, n: number, d: number, opts: Pick<GramOptions, 'center'> = {}): Promise<Float64Array> {
  if (X.length < n * d) throw new Error(`gramWebgpu: X holds ${X.length} values, expected ${n}×${d}`);
  const C = new Float64Array(d * d);
  if (n === 0 || d === 0) return C;
  const { device } = gpu;
  let pipeline = pipelines.get(device);
  if (!pipeline) {
    pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: 'main' } });
    pipelines.set(device, pipeline);
  }
  const mean = new Float32Array(d);
  if (opts.center) {
    // Means in f64 on the host: an f32 sum over many rows would lose digits the centering needs.
    const m64 = new Float64Array(d);
    for (let r = 0; r < n; r++) for (let k = 0, o = r * d; k < d; k++) m64[k] += X[o + k];
    for (let k = 0; k < d; k++) mean[k] = m64[k] / n;
  }
  const S = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const xBuf = device.createBuffer({ size: n * d * 4, usage: S });
  const mBuf = device.createBuffer({ size: d * 4, usage: S });
  const cBuf = device.createBuffer({ size: d * d * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const uBuf = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const rBuf = device.createBuffer({ size: d * d * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    device.queue.writeBuffer(xBuf, 0, X.buffer, X.byteOffset, n * d * 4);
    device.queue.writeBuffer(mBuf, 0, mean);
    device.queue.writeBuffer(uBuf, 0, new Uint32Array([n, d, opts.center ? 1 : 0, 0]));
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [xBuf, mBuf, cBuf, uBuf].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    const tiles = Math.ceil(d / TILE);
    pass.dispatchWorkgroups(tiles, tiles);
    pass.end();
    enc.copyBufferToBuffer(cBuf, 0, rBuf, 0, d * d * 4);
    device.queue.submit([enc.finish()]);
    await rBuf.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(rBuf.getMappedRange());
    // Lower-triangle tiles were skipped: read the upper triangle and mirror it.
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const v = out[i * d + j] / n;
        C[i * d + j] = v;
        C[j * d + i] = v;
      }
    }
    rBuf.unmap();
  } finally {
    for (const b of [xBuf, mBuf, cBuf, uBuf, rBuf]) b.destroy();
  }
  return C;
}
