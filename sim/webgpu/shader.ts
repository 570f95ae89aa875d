// The WGSL step shader: one invocation per neuron row doing exactly what one cpu pass does for that
// row (sim/README.md "The step"; sim/cpu/kernelSource.ts + sim/cpu/wasm.ts), in f32.
// Arrays are packed into five storage buffers so the shader stays under the default limit of
// 8 storage buffers per stage (browsers do not all offer more); offsets come in the uniform.
import type { CompiledRule } from '../compiler/compile.ts';
import { WGSL_FUNCTIONS, wgslNum } from '../compiler/emit.ts';
import type { PlasticityOptions } from '../backend.ts';
import { SOMA } from '../tensor.ts';

export const WORKGROUP = 64;

/**
 * Fields of the per-pass uniform, all u32, in order. `*Off` of activity thirds are absolute
 * indices into `st`; `o*` are offsets of the packed arrays (see the buffer comments below).
 * mode bit 0: pending plasticity; bit 1: gather + neuron update; bit 2: clamp sample 0 into a_cur.
 */
export const PASS_FIELDS = [
  'N', 'G', 'S', 'nIn', 'p', 'T', 't', 'mode', 'prevOff', 'curOff', 'nextOff', 'nGroups',
  // iu (u32): neuronSegStart at 0, then these
  'oSegSyn', 'oBase', 'oPre', 'oPlastic', 'oInIdx', 'oSoma', 'oK', 'oGroupStart', 'oGroupEnd', 'oOrg',
  // fr (f32, read-only)
  'oSegSign', 'oSegTag', 'oSign', 'oGain', 'oAlpha', 'oBias', 'oEtaTheta', 'oTarget', 'oX', 'oOrgParams',
  // st (f32, read-write): a (3N), v, d, u, theta, terms
  'oV', 'oD', 'oU', 'oTheta', 'oTerms',
] as const;
export type PassField = (typeof PASS_FIELDS)[number];
export const PASS_BYTES = PASS_FIELDS.length * 4;
/** Dynamic uniform offsets must be multiples of this (WebGPU's default minUniformBufferOffsetAlignment). */
export const PASS_STRIDE = 256;

export const MODE = { plasticity: 1, step: 2, clamp: 4 } as const;
export const NO_BAD = 0xffffffff;

export type ShaderOptions = Pick<PlasticityOptions, 'wMin' | 'wMax' | 'normalize' | 'normalizeTarget'> & {
  /** Every contribution sign is +1: skip the sign lookup. */
  uniformSign: boolean;
  /**
   * The tensor has group somas (kwta, softmax): `main` stops their rows after u, and the `groups`
   * entry point (one invocation per group, dispatched after `main` each step) finishes them.
   */
  groups: boolean;
};

const SYN_VARS = ['pre', 'post', 'w', 'v', 'd', 'sign', 'fanin', 'u', 'theta', 'tag'];

export function stepShader(rule: CompiledRule, opts: ShaderOptions): string {
  const slots = rule.slotNames;
  const terms = rule.termNames;
  // per-organism parameters: every rule function takes them; a row loads its organism's once
  const orgNames = rule.orgParamNames;
  const orgArgs = orgNames.map((_, k) => `, op${k}`).join('');
  const orgLoads = orgNames.length
    ? `let opBase = P.oOrgParams + iu[P.oOrg + n] * ${orgNames.length}u;
  ${orgNames.map((_, k) => `let op${k} = fr[opBase + ${k}u];`).join(' ')}`
    : '';
  const decl = (names: string[]) => names.map((n) => `v_${n}: f32`).join(', ');
  const synParams = decl([...SYN_VARS, ...slots, ...terms, ...orgNames]);
  const termParams = decl(['post', 'u', 'theta', ...terms, ...orgNames]);
  const contribParams = decl(['pre', 'w', 'sign', 'tag', ...slots, ...orgNames]);

  const fns = [
    WGSL_FUNCTIONS,
    `fn r_dw(${synParams}) -> f32 { return ${rule.dw.wgsl}; }`,
    ...rule.slots.map((e, k) => `fn r_slot${k}(${synParams}) -> f32 { return ${e.wgsl}; }`),
    `fn r_contrib(${contribParams}) -> f32 { return ${rule.contribution.wgsl}; }`,
    `fn r_seg(${decl(['v', 'sign', 'tag', ...orgNames])}) -> f32 { return ${rule.segment.wgsl}; }`,
    ...rule.terms.map((e, k) => `fn r_term${k}(${termParams}) -> f32 { return ${e.wgsl}; }`),
  ].join('\n');

  // Infinite bounds cannot be WGSL literals: leave that side unclipped.
  let clip = 'x';
  if (Number.isFinite(opts.wMin)) clip = `max(${clip}, ${wgslNum(opts.wMin)})`;
  if (Number.isFinite(opts.wMax)) clip = `min(${clip}, ${wgslNum(opts.wMax)})`;

  const synArgs = (pre: string) =>
    [pre, 'post', 'w', 'vg', 'dg', 'sgn', 'fanin', 'uN', 'thN', 'tagSeg', ...slots.map((_, k) => `o${k}`), ...terms.map((_, k) => `tm${k}`)].join(', ') + orgArgs;
  const slotIdx = (k: number) => `${k + 1}u * P.S + s`;
  const contribReadsSlots = slots.map((n) => rule.contribution.reads.has(n));
  const sign = opts.uniformSign ? '1.0f' : 'select(fr[P.oSign + pn], sgnSeg, sgnSeg != 0.0f)';

  // Plasticity of one synapse s (pre from the previous step); leaves the new slot values in c<k>.
  const plasticity = `
        let x = st[P.prevOff + pn];
        ${slots.map((_, k) => `let o${k} = ws[${slotIdx(k)}];`).join('\n        ')}
        let dw = r_dw(${synArgs('x')});
        ${slots.map((_, k) => `c${k} = r_slot${k}(${synArgs('x')});`).join('\n        ')}
        w = clipW(w + dw);
        ws[s] = w;
        ${slots.map((_, k) => `ws[${slotIdx(k)}] = c${k};`).join('\n        ')}
        wbad = wbad || nonFinite(w);`;
  const gather = `
        let y = st[P.curOff + pn];
        sum += r_contrib(${['y', 'w', 'sgn', 'tagSeg', ...slots.map((_, k) => `c${k}`)].join(', ')}${orgArgs});`;
  const loadContribSlots = slots.map((_, k) => (contribReadsSlots[k] ? `c${k} = ws[${slotIdx(k)}];` : '')).join(' ');
  const slotVars = slots.map((_, k) => `var c${k} = 0.0f;`).join(' ');

  const segHead = `
    let s0 = iu[P.oSegSyn + g];
    let s1 = iu[P.oSegSyn + g + 1u];
    let sgnSeg = fr[P.oSegSign + g];
    let tagSeg = fr[P.oSegTag + g];
    let vg = st[P.oV + g];
    let dg = st[P.oD + g];
    let plastic = (mode & 1u) != 0u && iu[P.oPlastic + g] != 0u;`;
  const synHead = `
      let pn = iu[P.oPre + s] + base;
      var w = ws[s];
      let sgn = ${sign};
      ${slotVars}`;

  let synapses: string;
  if (opts.normalize === 'none') {
    // Fused: the pending plasticity of step t, then the gather of step t+1 with the new weight.
    synapses = `
  for (var g = g0; g < g1; g++) {${segHead}
    var sum = 0.0f;
    for (var s = s0; s < s1; s++) {${synHead}
      if (plastic) {${plasticity}
      } else if (gather) { ${loadContribSlots} }
      if (gather) {${gather}
      }
    }
    if (gather) { st[P.oV + g] = sum; }
  }
  if (wbad) { atomicMin(&bad, P.t - 1u); }`;
  } else {
    // Normalization needs the whole row updated before the gather: two loops (as the cpu does).
    const acc = opts.normalize === 'l1' ? 'abs(w)' : opts.normalize === 'l2' ? 'w * w' : 'w';
    const target = wgslNum(opts.normalizeTarget);
    const apply =
      opts.normalize === 'subtractive'
        ? `if (count > 0u) {
      let shift = (acc - ${target}) / f32(count);
      for (var g = g0; g < g1; g++) {
        if (iu[P.oPlastic + g] == 0u) { continue; }
        for (var s = iu[P.oSegSyn + g]; s < iu[P.oSegSyn + g + 1u]; s++) { ws[s] = clipW(ws[s] - shift); }
      }
    }`
        : `let norm = ${opts.normalize === 'l2' ? 'sqrt(acc)' : 'acc'};
    if (norm > 0.0f) {
      let f = ${target} / norm;
      for (var g = g0; g < g1; g++) {
        if (iu[P.oPlastic + g] == 0u) { continue; }
        for (var s = iu[P.oSegSyn + g]; s < iu[P.oSegSyn + g + 1u]; s++) { ws[s] = ws[s] * f; }
      }
    }`;
    synapses = `
  if ((mode & 1u) != 0u) {
    var acc = 0.0f;
    var count = 0u;
    for (var g = g0; g < g1; g++) {${segHead}
      if (!plastic) { continue; }
      for (var s = s0; s < s1; s++) {${synHead}${plasticity}
        acc += ${acc};
        count++;
      }
    }
    ${apply}
  }
  if (wbad) { atomicMin(&bad, P.t - 1u); }
  if (gather) {
    for (var g = g0; g < g1; g++) {
      let s0 = iu[P.oSegSyn + g];
      let s1 = iu[P.oSegSyn + g + 1u];
      let sgnSeg = fr[P.oSegSign + g];
      let tagSeg = fr[P.oSegTag + g];
      var sum = 0.0f;
      for (var s = s0; s < s1; s++) {${synHead}
        ${loadContribSlots}${gather}
      }
      st[P.oV + g] = sum;
    }
  }`;
  }

  const termLoads = terms.map((_, k) => `let tm${k} = st[P.oTerms + ${k}u * P.N + n];`).join('\n  ');
  const termUpdate = terms.length
    ? `{
    ${terms.map((_, k) => `let nt${k} = r_term${k}(${['an', 'uu', 'th', ...terms.map((_, j) => `tm${j}`)].join(', ')}${orgArgs});`).join('\n    ')}
    ${terms.map((_, k) => `st[P.oTerms + ${k}u * P.N + n] = nt${k};`).join('\n    ')}
  }`
    : '';
  // neuron n from f, post (a_cur), uu, thN and the terms tm<k>: a_next, θ, terms
  const tail = (storeU: boolean) => `
  let al = fr[P.oAlpha + n];
  let an = select((1.0f - al) * post + al * f, f, al == 1.0f);
  st[P.nextOff + n] = an;${storeU ? '\n  st[P.oU + n] = uu;' : ''}
  if (nonFinite(an)) { atomicMin(&bad, P.t); }
  let eta = fr[P.oEtaTheta + n];
  var th = thN;
  if (eta != 0.0f) {
    th = thN + eta * (an - fr[P.oTarget + n]);
    st[P.oTheta + n] = th;
  }
  ${termUpdate}`;
  // f goes to a_next's slot first; the sum of softmax runs in neuron order (as on the cpu)
  const groupsEntry = opts.groups
    ? `
fn zOf(m: u32) -> f32 { return st[P.oU + m] - st[P.oTheta + m]; }

@compute @workgroup_size(${WORKGROUP})
fn groups(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let q = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid;
  if (q >= P.nGroups || (P.mode & 2u) == 0u) { return; }
  let n0 = iu[P.oGroupStart + q];
  let n1 = iu[P.oGroupEnd + q];
  if (iu[P.oSoma + n0] == ${SOMA.kwta}u) {
    let kk = iu[P.oK + n0];
    for (var n = n0; n < n1; n++) {
      let z = zOf(n);
      // rank: neurons with a larger z, or an equal z and a lower index
      var above = 0u;
      for (var m = n0; m < n1 && above < kk; m++) {
        let zm = zOf(m);
        if (zm > z || (zm == z && m < n)) { above++; }
      }
      st[P.nextOff + n] = select(0.0f, z, above < kk && z > 0.0f);
    }
  } else {
    var mx = fr[P.oGain + n0] * zOf(n0);
    for (var m = n0 + 1u; m < n1; m++) {
      let x = fr[P.oGain + m] * zOf(m);
      mx = select(mx, x, x > mx);
    }
    var sum = 0.0f;
    for (var m = n0; m < n1; m++) {
      let e = exp(fr[P.oGain + m] * zOf(m) - mx);
      st[P.nextOff + m] = e;
      sum += e;
    }
    for (var m = n0; m < n1; m++) { st[P.nextOff + m] = st[P.nextOff + m] / sum; }
  }
  for (var n = n0; n < n1; n++) {
    let f = st[P.nextOff + n];
    let post = st[P.curOff + n];
    let uu = st[P.oU + n];
    let thN = st[P.oTheta + n];
    ${termLoads}${orgNames.length ? `\n    ${orgLoads.replace(/\n/g, '\n  ')}` : ''}
    ${tail(false).replace(/\n/g, '\n  ')}
  }
}
`
    : '';

  return /* wgsl */ `// springtail step shader: rule "${rule.name}", normalize ${opts.normalize}
struct Pass {
${PASS_FIELDS.map((f) => `  ${f}: u32,`).join('\n')}
}
@group(0) @binding(0) var<uniform> P: Pass;
// neuronSegStart, segSynStart, base, pre, segPlastic, inputIndex (i32 bits), soma, k, groups, org
@group(0) @binding(1) var<storage, read> iu: array<u32>;
// segSign, segTag, sign, gain, alpha, bias, etaTheta, target, x (the chunk's samples), orgParams
@group(0) @binding(2) var<storage, read> fr: array<f32>;
// w, then slot k at (k + 1) * S
@group(0) @binding(3) var<storage, read_write> ws: array<f32>;
// a (three thirds), v, d, u, theta, terms (term-major)
@group(0) @binding(4) var<storage, read_write> st: array<f32>;
// first bad global step (atomicMin; ${NO_BAD} = none)
@group(0) @binding(5) var<storage, read_write> bad: atomic<u32>;

// Bit tests: x - x != 0 may be folded away by the compiler.
fn nonFinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u; }
fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
// min/max of NaN is implementation-defined in WGSL; the cpu propagates it (and then reports it).
fn clipW(x: f32) -> f32 { if (isNan(x)) { return x; } return ${clip}; }

${fns}

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let n = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid;
  if (n >= P.N) { return; }
  let mode = P.mode;
  let ii = bitcast<i32>(iu[P.oInIdx + n]);
  if (ii >= 0) {
    if ((mode & 4u) != 0u) { st[P.curOff + n] = fr[P.oX + u32(ii)]; }
    // the next step's sample; after the chunk's last step the sample stays (as on the cpu)
    if ((mode & 2u) != 0u) { st[P.nextOff + n] = fr[P.oX + select(P.p, P.p + 1u, P.p + 1u < P.T) * P.nIn + u32(ii)]; }
    return;
  }
  if ((mode & 3u) == 0u) { return; }
  let gather = (mode & 2u) != 0u;
  let g0 = iu[n];
  let g1 = iu[n + 1u];
  let fanin = f32(iu[P.oSegSyn + g1] - iu[P.oSegSyn + g0]);
  let base = iu[P.oBase + n];
  let post = st[P.curOff + n];
  let uN = st[P.oU + n];
  let thN = st[P.oTheta + n];
  ${termLoads}${orgNames.length ? `\n  ${orgLoads}` : ''}
  var wbad = false;
${synapses}
  if (!gather) { return; }

  var uu = fr[P.oBias + n];
  for (var g = g0; g < g1; g++) {
    let dd = r_seg(st[P.oV + g], fr[P.oSegSign + g], fr[P.oSegTag + g]${orgArgs});
    st[P.oD + g] = dd;
    uu += dd;
  }
  let z = uu - thN;
  let k = iu[P.oSoma + n];${opts.groups ? `
  // a group soma needs every u of its group: \`groups\` finishes the row
  if (k >= ${SOMA.kwta}u) { st[P.oU + n] = uu; return; }` : ''}
  var f = z;
  if (k == ${SOMA.relu}u) { f = select(0.0f, z, z > 0.0f); }
  else if (k == ${SOMA.sigmoid}u) { f = 1.0f / (1.0f + exp(-fr[P.oGain + n] * z)); }
  else if (k == ${SOMA.clamp01}u) { f = select(min(max(z, 0.0f), 1.0f), z, isNan(z)); }
${tail(true)}
}
${groupsEntry}`;
}
