// A 2-D scatter on a canvas (2D context: a few thousand points draw in milliseconds). The points
// are drawn once into an offscreen canvas; a hover only repaints that image plus one ring, so
// linked hovering across several scatters stays cheap.

const PAD = 8;

export class Scatter {
  readonly canvas: HTMLCanvasElement;
  private readonly base: HTMLCanvasElement;
  private sx = new Float32Array(0);
  private sy = new Float32Array(0);
  private rgb: Uint8ClampedArray = new Uint8ClampedArray(0);

  constructor(readonly size: number) {
    this.canvas = Object.assign(document.createElement('canvas'), { width: size, height: size });
    this.canvas.className = 'scatter';
    this.base = Object.assign(document.createElement('canvas'), { width: size, height: size });
  }

  get count(): number {
    return this.sx.length;
  }

  /** n points, xy interleaved; fitted to the canvas with equal scales on both axes. */
  setPoints(xy: Float32Array, n: number): void {
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = xy[2 * i], y = xy[2 * i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    if (!(x0 <= x1)) x0 = x1 = y0 = y1 = 0;
    const span = Math.max(x1 - x0, y1 - y0) || 1;
    const k = (this.size - 2 * PAD) / span;
    const ox = PAD + (this.size - 2 * PAD - k * (x1 - x0)) / 2;
    const oy = PAD + (this.size - 2 * PAD - k * (y1 - y0)) / 2;
    this.sx = new Float32Array(n);
    this.sy = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      this.sx[i] = ox + k * (xy[2 * i] - x0);
      this.sy[i] = this.size - (oy + k * (xy[2 * i + 1] - y0)); // y up
    }
  }

  /** n × 3 RGB bytes. */
  setColours(rgb: Uint8ClampedArray): void {
    this.rgb = rgb;
  }

  /** Redraws the points (after setPoints/setColours), then the hover ring of sample `hover` (−1: none). */
  render(hover = -1): void {
    const b = this.base.getContext('2d')!;
    b.fillStyle = '#fff';
    b.fillRect(0, 0, this.size, this.size);
    b.strokeStyle = '#ddd';
    b.strokeRect(0.5, 0.5, this.size - 1, this.size - 1);
    const r = this.count > 3000 ? 1.5 : 2.5;
    for (let i = 0; i < this.count; i++) {
      if (!Number.isFinite(this.sx[i]) || !Number.isFinite(this.sy[i])) continue;
      b.fillStyle = `rgb(${this.rgb[3 * i]},${this.rgb[3 * i + 1]},${this.rgb[3 * i + 2]})`;
      b.fillRect(this.sx[i] - r, this.sy[i] - r, 2 * r, 2 * r);
    }
    this.hover(hover);
  }

  /** Repaints the drawn points with a ring around sample i (−1: none). */
  hover(i: number): void {
    const c = this.canvas.getContext('2d')!;
    c.drawImage(this.base, 0, 0);
    if (i < 0 || i >= this.count) return;
    c.lineWidth = 2.5;
    c.strokeStyle = '#000';
    c.beginPath();
    c.arc(this.sx[i], this.sy[i], 7, 0, 2 * Math.PI);
    c.stroke();
    c.strokeStyle = '#ff0';
    c.lineWidth = 1.2;
    c.beginPath();
    c.arc(this.sx[i], this.sy[i], 7, 0, 2 * Math.PI);
    c.stroke();
  }

  /** The sample nearest canvas position (x, y) within `radius` px, or −1. */
  nearest(x: number, y: number, radius = 8): number {
    let best = -1;
    let d2 = radius * radius;
    for (let i = 0; i < this.count; i++) {
      const d = (this.sx[i] - x) ** 2 + (this.sy[i] - y) ** 2;
      if (d < d2) {
        d2 = d;
        best = i;
      }
    }
    return best;
  }

  /** Canvas position of sample i. */
  position(i: number): [number, number] {
    return [this.sx[i], this.sy[i]];
  }
}
