// Random IDX data directories (tasks/idx.ts) for a comparison config whose task.source.idxDir
// points at them: wrong magics, dimensions and counts, truncated headers and bodies, labels
// above 9, gzip (good, corrupt, or a small file that inflates far past what its header declares),
// and names that are not regular files. Each set knows whether it is valid.
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sometimes } from './values.ts';

export interface IdxFileSpec {
  kind: 'regular' | 'fifo' | 'dir' | 'missing' | 'dangling-link';
  magic: 'right' | 'swapped' | number;
  /** Per dimension: the right value (count, 28, 28) or another one. */
  dims: Array<'right' | number>;
  body: 'exact' | { short: number } | { long: number };
  /** Header bytes kept (undefined: all). */
  cut?: number;
  badLabel: boolean;
  /** A gzipped file's name ends in .gz. */
  gzip: 'none' | 'gzip' | 'corrupt' | 'bomb';
}

export interface IdxSet {
  idxDir: 'idx' | 'idx/' | '' | 'missing-dir' | 'case.json';
  count: number;
  trainImages: IdxFileSpec;
  trainLabels: IdxFileSpec;
  t10k: { count: number; images: IdxFileSpec; labels: IdxFileSpec } | null;
}

/** What the comparison config asks of the data. */
export const TRAIN = 8;
export const TEST = 4;

const SIDE = 28;
const dimValue = fc.oneof({ weight: 4, arbitrary: fc.constant('right' as const) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 27, 29, 2 ** 31, 2 ** 32 - 1) }, { weight: 1, arbitrary: fc.nat(100) });

/** Any file, faults drawn independently (most draws have at least one). */
const faultySpec = (ndim: number): fc.Arbitrary<IdxFileSpec> =>
  fc.record({
    kind: fc.oneof({ weight: 4, arbitrary: fc.constant('regular' as const) }, { weight: 1, arbitrary: fc.constantFrom('fifo' as const, 'dir' as const, 'missing' as const, 'dangling-link' as const) }),
    magic: fc.oneof({ weight: 4, arbitrary: fc.constant('right' as const) }, { weight: 1, arbitrary: fc.constant('swapped' as const) }, { weight: 1, arbitrary: fc.oneof(fc.nat({ max: 0xffffffff }), fc.constantFrom(0x0903, 0x0804, 0x0901, 0)) }),
    dims: fc.array(dimValue, { minLength: ndim, maxLength: ndim }),
    body: fc.oneof({ weight: 4, arbitrary: fc.constant('exact' as const) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1000 }).map((short) => ({ short })) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1000 }).map((long) => ({ long })) }),
    cut: sometimes(fc.nat(4 + 4 * ndim - 1), 6),
    badLabel: ndim === 1 ? fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) : fc.constant(false),
    gzip: fc.oneof({ weight: 4, arbitrary: fc.constant('none' as const) }, { weight: 2, arbitrary: fc.constant('gzip' as const) }, { weight: 1, arbitrary: fc.constantFrom('corrupt' as const, 'bomb' as const) }),
  });

/** Mostly a well-formed file (plain or gzipped), so that whole sets are valid often enough to run. */
const fileSpec = (ndim: number): fc.Arbitrary<IdxFileSpec> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom('none' as const, 'gzip' as const).map((gzip): IdxFileSpec => ({ kind: 'regular', magic: 'right', dims: Array(ndim).fill('right'), body: 'exact', badLabel: false, gzip })) },
    { weight: 1, arbitrary: faultySpec(ndim) },
  );

export const idxSet: fc.Arbitrary<IdxSet> = fc.record({
  idxDir: fc.oneof({ weight: 20, arbitrary: fc.constant('idx' as const) }, { weight: 1, arbitrary: fc.constantFrom('idx/' as const, '' as const, 'missing-dir' as const, 'case.json' as const) }),
  count: fc.integer({ min: TRAIN + TEST, max: 30 }),
  trainImages: fileSpec(3),
  trainLabels: fileSpec(1),
  t10k: fc.option(fc.record({ count: fc.integer({ min: TEST, max: 20 }), images: fileSpec(3), labels: fileSpec(1) }), { freq: 3 }),
});

function fileValid(f: IdxFileSpec): boolean {
  return f.kind === 'regular' && f.magic === 'right' && f.dims.every((d) => d === 'right') && f.body === 'exact' && f.cut === undefined && !f.badLabel && (f.gzip === 'none' || f.gzip === 'gzip');
}

/** Whether a correct reader must accept the set (and the run succeed). */
export function setValid(s: IdxSet): boolean {
  if (s.idxDir !== 'idx' && s.idxDir !== 'idx/') return false;
  if (!fileValid(s.trainImages) || !fileValid(s.trainLabels)) return false;
  return s.t10k === null || (fileValid(s.t10k.images) && fileValid(s.t10k.labels));
}

/** Bytes of one file; `labels` files have one dimension, images three. */
function content(f: IdxFileSpec, count: number, labels: boolean, bomb: () => Buffer): Buffer {
  const right = labels ? [count] : [count, SIDE, SIDE];
  const dims = f.dims.map((d, i) => (d === 'right' ? right[i] : d));
  const magicRight = labels ? 0x0801 : 0x0803;
  const magic = f.magic === 'right' ? magicRight : f.magic === 'swapped' ? magicRight ^ 0x0002 : f.magic;
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic >>> 0, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d >>> 0, 4 + 4 * i));
  // a huge declared size is never written out: the body is what a truncated file would hold
  const declared = dims.reduce((a, b) => a * b, 1);
  const n = f.body === 'exact' ? declared : 'short' in f.body ? Math.max(0, declared - f.body.short) : declared + f.body.long;
  const body = Buffer.alloc(Math.min(n, 1 << 20));
  for (let i = 0; i < body.length; i++) body[i] = labels ? i % 10 : (i * 37) & 0xff;
  if (f.badLabel && body.length) body[body.length >> 1] = 10 + (body.length % 246);
  const raw = Buffer.concat([f.cut === undefined ? header : header.subarray(0, f.cut), body]);
  if (f.gzip === 'none') return raw;
  const gz = gzipSync(raw);
  if (f.gzip === 'gzip') return gz;
  if (f.gzip === 'bomb') return Buffer.concat([gz, bomb()]);
  // corrupt: keep the gzip magic, damage the deflate stream and cut the trailer
  const bad = Buffer.from(gz.subarray(0, Math.max(12, gz.length - 6)));
  for (let i = 10; i < bad.length; i += 7) bad[i] ^= 0x5a;
  return bad;
}

let bombCache: Buffer | undefined;
/** 64 MiB of zeros as a ~64 KiB gzip member (appended, it inflates past the declared size). */
const bomb = () => (bombCache ??= gzipSync(Buffer.alloc(64 << 20)));

/** Writes the set under `root` (the workspace); returns the file names a message may name. */
export function writeIdxSet(root: string, s: IdxSet): string[] {
  const dir = join(root, 'idx');
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  const put = (base: string, f: IdxFileSpec, count: number, labels: boolean) => {
    const name = f.gzip === 'none' ? base : `${base}.gz`;
    const path = join(dir, name);
    names.push(base);
    if (f.kind === 'missing') return;
    if (f.kind === 'fifo') execFileSync('mkfifo', [path]);
    else if (f.kind === 'dir') mkdirSync(path);
    else if (f.kind === 'dangling-link') symlinkSync(join(dir, 'no-such-target'), path);
    else writeFileSync(path, content(f, count, labels, bomb));
  };
  put('train-images-idx3-ubyte', s.trainImages, s.count, false);
  put('train-labels-idx1-ubyte', s.trainLabels, s.count, true);
  if (s.t10k) {
    put('t10k-images-idx3-ubyte', s.t10k.images, s.t10k.count, false);
    put('t10k-labels-idx1-ubyte', s.t10k.labels, s.t10k.count, true);
  }
  return names;
}

/** The comparison config: pixels only, small splits, on cpu. */
export function idxConfig(s: IdxSet): unknown {
  return {
    name: 'fuzz-idx',
    seed: 1,
    backend: 'cpu',
    task: { kind: 'mnist', source: { idxDir: s.idxDir }, train: TRAIN, test: TEST },
    methods: [{ kind: 'pixels' }],
    // the few-shot readout needs 200 training samples
    metrics: ['recon_sse', 'knn_acc'],
  };
}

export function showSet(s: IdxSet): string {
  const f = (x: IdxFileSpec) => {
    const parts: string[] = [x.kind];
    if (x.magic !== 'right') parts.push(`magic ${typeof x.magic === 'number' ? '0x' + x.magic.toString(16) : x.magic}`);
    if (x.dims.some((d) => d !== 'right')) parts.push(`dims [${x.dims.join(', ')}]`);
    if (x.body !== 'exact') parts.push(`body ${JSON.stringify(x.body)}`);
    if (x.cut !== undefined) parts.push(`header cut to ${x.cut} bytes`);
    if (x.badLabel) parts.push('a label > 9');
    if (x.gzip !== 'none') parts.push(x.gzip);
    return parts.join(', ');
  };
  const t = s.t10k ? `; t10k (${s.t10k.count}): images ${f(s.t10k.images)}; labels ${f(s.t10k.labels)}` : '';
  return `idxDir ${JSON.stringify(s.idxDir)}, ${s.count} train digits: images ${f(s.trainImages)}; labels ${f(s.trainLabels)}${t}`;
}
