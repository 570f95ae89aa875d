// The selected neuron's incoming synapses: ONE LineSegments from each presynaptic neuron to it,
// coloured by signed weight through the diverging map on ±max|w| of those synapses.
import * as THREE from 'three';
import { DIVERGING, lutIndex } from './colormap.ts';
import type { Network } from './load.ts';

export interface Incoming {
  neuron: number;
  /** Presynaptic neuron of each synapse. */
  pre: Uint32Array;
  w: Float32Array;
  /** Symmetric colour range: ±max|w|. */
  limit: number;
}

export function incomingOf(net: Network, neuron: number): Incoming | null {
  const s = net.synapses;
  if (!s) return null;
  const pre = s.pre.subarray(s.start[neuron], s.start[neuron + 1]);
  const w = s.w.subarray(s.start[neuron], s.start[neuron + 1]);
  let limit = 0;
  for (let k = 0; k < w.length; k++) if (Math.abs(w[k]) > limit) limit = Math.abs(w[k]);
  return { neuron, pre, w, limit: limit || 1 };
}

export class IncomingLines {
  readonly object: THREE.LineSegments;
  private count = 0;
  constructor() {
    // LineBasicMaterial's vertex colours are linear: the LUT's sRGB bytes are converted on the way in
    this.object = new THREE.LineSegments(new THREE.BufferGeometry(), new THREE.LineBasicMaterial({ vertexColors: true, transparent: true, opacity: 0.9, depthTest: false }));
    this.object.renderOrder = 1;
    this.object.visible = false;
  }

  /** Lines for `inc` (null: none); returns how many are shown. Allocates per selection, not per frame. */
  show(net: Network, inc: Incoming | null): number {
    const old = this.object.geometry;
    const geometry = new THREE.BufferGeometry();
    const n = inc ? inc.pre.length : 0;
    if (inc && n) {
      const xyz = new Float32Array(6 * n);
      const rgb = new Float32Array(6 * n);
      const c = new THREE.Color();
      const p = net.pos;
      for (let k = 0; k < n; k++) {
        const i = 4 * lutIndex(inc.w[k], -inc.limit, inc.limit);
        c.setRGB(DIVERGING[i] / 255, DIVERGING[i + 1] / 255, DIVERGING[i + 2] / 255, THREE.SRGBColorSpace);
        // from the presynaptic neuron to the selected one, one colour along the line
        for (const [end, neuron] of [[0, inc.pre[k]], [3, inc.neuron]]) {
          for (let d = 0; d < 3; d++) xyz[6 * k + end + d] = p[3 * neuron + d];
          rgb[6 * k + end] = c.r;
          rgb[6 * k + end + 1] = c.g;
          rgb[6 * k + end + 2] = c.b;
        }
      }
      geometry.setAttribute('position', new THREE.BufferAttribute(xyz, 3));
      geometry.setAttribute('color', new THREE.BufferAttribute(rgb, 3));
    }
    this.object.geometry = geometry;
    old.dispose();
    this.object.visible = n > 0;
    this.count = n;
    return n;
  }

  shown(): number {
    return this.count;
  }

  dispose(): void {
    this.object.geometry.dispose();
    (this.object.material as THREE.Material).dispose();
  }
}
