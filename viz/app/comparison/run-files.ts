// What the comparison panels read from a comparison run directory (tasks/ and bin/commands/compare.ts
// write it): summary.json, codes/index.json and the float32 matrices it lists.
import type { DataSource } from '../data.ts';

export type MetricValue = number | Record<string, number>;

export interface CompareSummary {
  task: { kind: string; dim: number; train: number; test: number; latents: string[]; classes: number };
  methods: Record<string, Record<string, MetricValue>>;
}

export interface MatrixFile {
  file: string;
  rows: number;
  cols: number;
}

export interface CodesIndex {
  /** Relative to codes/. */
  labels: string;
  /** The first test inputs; absent in runs made before reconstructions were stored. */
  inputs?: MatrixFile & { shape?: [number, number] };
  latents?: MatrixFile & { names: string[] };
  methods: Record<string, MatrixFile & { recon?: MatrixFile }>;
}

export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export async function readMatrix(src: DataSource, m: MatrixFile): Promise<Matrix> {
  const buf = await src.bytes(m.file);
  if (buf.byteLength !== m.rows * m.cols * 4) throw new Error(`${src.run}/${m.file}: ${buf.byteLength} bytes, codes/index.json says ${m.rows} × ${m.cols} float32 (${m.rows * m.cols * 4} bytes)`);
  return { data: new Float32Array(buf), rows: m.rows, cols: m.cols };
}

export const readIndex = (src: DataSource) => src.json<CodesIndex>('codes/index.json');
export const readSummary = (src: DataSource) => src.json<CompareSummary>('summary.json');

export async function readLabels(src: DataSource, index: CodesIndex, rows: number): Promise<Int32Array> {
  const buf = await src.bytes(`codes/${index.labels}`);
  if (buf.byteLength !== rows * 4) throw new Error(`${src.run}/codes/${index.labels}: ${buf.byteLength} bytes, expected ${rows} int32 labels`);
  return new Int32Array(buf);
}
