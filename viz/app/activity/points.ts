// The neurons: ONE THREE.Points per layout group (not a mesh per neuron, SPEC §11). All groups share
// two attributes, so a frame is one upload: positions (static) and activity (DynamicDrawUsage,
// coloured in the shader through a LUT texture); each group's geometry draws its own range of them.
// Colours go to the screen as the sRGB bytes they are (no colour management in these shaders).
import * as THREE from 'three';
import type { Lut, Rgb } from './colormap.ts';
import { LUT_SIZE } from './colormap.ts';
import type { Network } from './load.ts';

// gl_VertexID is the global neuron index: three draws a group with drawArrays(first = group start)
const VERTEX = /* glsl */ `
attribute float activity;
uniform sampler2D uLut;
uniform float uMin;
uniform float uMax;
uniform float uScale;
uniform float uSize;
uniform int uMode;
uniform int uSelected;
uniform vec3 uGroupColour;
varying vec3 vColour;
varying float vSelected;
void main() {
  vec4 mv = modelViewMatrix * vec4(position, 1.0);
  gl_Position = projectionMatrix * mv;
  if (uMode == 0) vColour = uGroupColour;
  else if (isnan(activity) || isinf(activity)) vColour = vec3(0.55);
  else vColour = texture2D(uLut, vec2(clamp((activity - uMin) / max(uMax - uMin, 1e-30), 0.0, 1.0) * ${(LUT_SIZE - 1) / LUT_SIZE} + ${0.5 / LUT_SIZE}, 0.5)).rgb;
  vSelected = gl_VertexID == uSelected ? 1.0 : 0.0;
  gl_PointSize = clamp(uSize * uScale / max(-mv.z, 1e-6), 2.0, 48.0) * (vSelected > 0.5 ? 2.5 : 1.0);
}`;

const FRAGMENT = /* glsl */ `
varying vec3 vColour;
varying float vSelected;
void main() {
  vec2 d = gl_PointCoord - vec2(0.5);
  float r2 = dot(d, d);
  if (r2 > 0.25) discard;
  gl_FragColor = vec4(vSelected > 0.5 && r2 > 0.1 ? vec3(1.0) : vColour, 1.0);
}`;

/** Typical distance between a group's neurons: its box's volume (area, length) over its count. */
function spacing(pos: Float32Array, start: number, count: number): number {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let i = start; i < start + count; i++)
    for (let c = 0; c < 3; c++) {
      lo[c] = Math.min(lo[c], pos[3 * i + c]);
      hi[c] = Math.max(hi[c], pos[3 * i + c]);
    }
  const ext = hi.map((h, c) => h - lo[c]);
  const big = Math.max(...ext);
  const dims = ext.filter((e) => e > 1e-6 * big);
  if (count < 2 || dims.length === 0) return NaN;
  return Math.pow(dims.reduce((a, b) => a * b, 1) / count, 1 / dims.length);
}

function sphereOf(pos: Float32Array, start: number, count: number): THREE.Sphere {
  const box = new THREE.Box3();
  const v = new THREE.Vector3();
  for (let i = start; i < start + count; i++) box.expandByPoint(v.fromArray(pos, 3 * i));
  const s = box.getBoundingSphere(new THREE.Sphere());
  let r2 = 0;
  for (let i = start; i < start + count; i++) r2 = Math.max(r2, s.center.distanceToSquared(v.fromArray(pos, 3 * i)));
  s.radius = Math.sqrt(r2);
  return s;
}

export class NeuronCloud {
  readonly object = new THREE.Group();
  readonly points: THREE.Points[] = [];
  /** The whole network's bounding sphere (camera framing). */
  readonly sphere: THREE.Sphere;
  private readonly activity: THREE.BufferAttribute;
  private readonly position: THREE.BufferAttribute;
  private readonly lut: THREE.DataTexture;
  private readonly shared;
  /** World diameter of each group's points. */
  private readonly sizes: number[];
  private uploadAll = true;

  constructor(private readonly net: Network, lut: Lut, groupRgb: (k: number) => Rgb) {
    const { layout, pos } = net;
    this.position = new THREE.BufferAttribute(pos, 3);
    this.activity = new THREE.BufferAttribute(new Float32Array(layout.neurons), 1);
    this.activity.setUsage(THREE.DynamicDrawUsage);
    this.lut = new THREE.DataTexture(lut, LUT_SIZE, 1, THREE.RGBAFormat);
    this.lut.magFilter = THREE.LinearFilter;
    this.lut.minFilter = THREE.LinearFilter;
    this.lut.needsUpdate = true;
    this.shared = {
      uLut: { value: this.lut },
      uMin: { value: 0 },
      uMax: { value: 1 },
      uScale: { value: 1 },
      uMode: { value: 0 },
      uSelected: { value: -1 },
    };
    this.sphere = sphereOf(pos, 0, layout.neurons);
    // a group of one neuron (or all at one place) takes the densest group's spacing, else the whole network's
    const own = layout.groups.map((g) => spacing(pos, g.start, g.count));
    const finite = own.filter(Number.isFinite);
    const whole = spacing(pos, 0, layout.neurons);
    const densest = finite.length ? Math.min(...finite) : Number.isFinite(whole) ? whole : Math.max(this.sphere.radius, 1) * 0.1;
    // sparse groups would get huge points: at most twice the densest group's
    this.sizes = own.map((s) => 0.7 * (Number.isFinite(s) ? Math.min(s, 2 * densest) : densest));
    layout.groups.forEach((g, k) => {
      const geometry = new THREE.BufferGeometry();
      geometry.setAttribute('position', this.position);
      geometry.setAttribute('activity', this.activity);
      geometry.setDrawRange(g.start, g.count);
      geometry.boundingSphere = sphereOf(pos, g.start, g.count);
      const material = new THREE.ShaderMaterial({
        vertexShader: VERTEX,
        fragmentShader: FRAGMENT,
        uniforms: { ...this.shared, uSize: { value: this.sizes[k] }, uGroupColour: { value: new THREE.Vector3(...groupRgb(k)).divideScalar(255) } },
      });
      const p = new THREE.Points(geometry, material);
      p.name = `${g.name}#${g.organism}`;
      p.userData.group = k;
      this.points.push(p);
      this.object.add(p);
    });
  }

  /** Shows activities `a` (null: colour by group). Uploads only the visible groups' ranges. */
  show(a: Float32Array | null): void {
    this.shared.uMode.value = a ? 1 : 0;
    if (!a) return;
    (this.activity.array as Float32Array).set(a);
    this.activity.clearUpdateRanges();
    if (this.uploadAll) this.activity.addUpdateRange(0, a.length);
    else for (const p of this.points) if (p.visible) this.activity.addUpdateRange(p.geometry.drawRange.start, p.geometry.drawRange.count);
    // no ranges would upload the whole array: nothing visible, nothing to send
    if (this.activity.updateRanges.length === 0) return;
    this.uploadAll = false;
    this.activity.needsUpdate = true;
  }

  setRange(lo: number, hi: number): void {
    this.shared.uMin.value = lo;
    this.shared.uMax.value = hi;
  }

  setGroupVisible(k: number, on: boolean): void {
    const p = this.points[k];
    // hidden groups' ranges were not uploaded: the next frame sends everything
    if (on && !p.visible) this.uploadAll = true;
    p.visible = on;
  }

  isGroupVisible(k: number): boolean {
    return this.points[k].visible;
  }

  isVisible(neuron: number): boolean {
    return this.isGroupVisible(this.groupOf(neuron));
  }

  groupOf(neuron: number): number {
    const gs = this.net.layout.groups;
    let a = 0;
    let b = gs.length - 1;
    while (a < b) {
      const m = (a + b + 1) >> 1;
      if (gs[m].start <= neuron) a = m;
      else b = m - 1;
    }
    return a;
  }

  select(neuron: number | null): void {
    this.shared.uSelected.value = neuron ?? -1;
  }

  /** The canvas's drawing-buffer height and the camera's vertical field of view set the point scale. */
  setViewport(bufferHeight: number, fovDegrees: number): void {
    this.shared.uScale.value = bufferHeight / (2 * Math.tan((fovDegrees * Math.PI) / 360));
  }

  /**
   * The visible neuron under `ndc`, or null: a ray with a threshold of `px` CSS pixels at the far
   * side of the network; among the hits, the front-most one the drawn point covers, else the nearest on screen.
   */
  pick(raycaster: THREE.Raycaster, camera: THREE.PerspectiveCamera, ndc: THREE.Vector2, cssHeight: number, px = 8): number | null {
    const tan = Math.tan((camera.fov * Math.PI) / 360);
    const worldPerPx = (d: number) => (2 * d * tan) / cssHeight;
    const far = camera.position.distanceTo(this.sphere.center) + this.sphere.radius;
    raycaster.setFromCamera(ndc, camera);
    raycaster.params.Points.threshold = px * worldPerPx(far);
    const hits = raycaster.intersectObjects(this.points.filter((p) => p.visible), false);
    let covered: THREE.Intersection | null = null;
    let nearest: THREE.Intersection | null = null;
    let nearestPx = px;
    for (const h of hits) {
      const dpx = (h.distanceToRay ?? Infinity) / worldPerPx(h.distance);
      const radiusPx = this.sizes[h.object.userData.group as number] / 2 / worldPerPx(h.distance);
      if (dpx <= Math.max(radiusPx, 2) && (!covered || h.distance < covered.distance)) covered = h;
      if (dpx < nearestPx) {
        nearestPx = dpx;
        nearest = h;
      }
    }
    const h = covered ?? nearest;
    return h && h.index !== undefined ? h.index : null;
  }

  dispose(): void {
    for (const p of this.points) {
      p.geometry.dispose();
      (p.material as THREE.Material).dispose();
    }
    this.lut.dispose();
  }
}
