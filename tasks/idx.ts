// Reader for the standard IDX files of MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian
// u32 magic (0x00000803 images, 0x00000801 labels), one big-endian u32 per dimension, then u8
// data. Gzipped files (.gz, as distributed) are accepted; offsets then count decompressed bytes.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** Any problem with an IDX file; the message names the file and the byte offset. */
export class IdxError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'IdxError';
  }
}

export interface IdxImages {
  /** count × rows × cols, row-major, u8 / 255 so values are in [0, 1]. */
  x: Float32Array;
  count: number;
  rows: number;
  cols: number;
}

const MAGIC_IMAGES = 0x00000803;
const MAGIC_LABELS = 0x00000801;

const hex = (m: number) => '0x' + m.toString(16).padStart(8, '0');

function load(path: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new IdxError(path, 0, code === 'ENOENT' ? 'no such file (nothing to read at byte 0)' : `cannot read at byte 0 (${code ?? String(e)})`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (e) {
      throw new IdxError(path, 0, `gzip stream starting at byte 0 is corrupt (${(e as Error).message})`);
    }
  }
  return buf;
}

/** Checks the magic and header length; returns the dimensions. */
function header(path: string, buf: Buffer, want: 'images' | 'labels'): number[] {
  const ndim = want === 'images' ? 3 : 1;
  const headerBytes = 4 + 4 * ndim;
  if (buf.length < 4) throw new IdxError(path, buf.length, `file ends at byte ${buf.length}, shorter than the ${headerBytes}-byte IDX ${want} header`);
  const magic = buf.readUInt32BE(0);
  const expected = want === 'images' ? MAGIC_IMAGES : MAGIC_LABELS;
  if (magic !== expected) {
    const other = want === 'images' ? 'labels' : 'images';
    const what =
      magic === (want === 'images' ? MAGIC_LABELS : MAGIC_IMAGES)
        ? `is ${other === 'images' ? 'an' : 'a'} ${other} file`
        : magic >>> 16 === 0 && magic >>> 8 !== 0x08
          ? `is an IDX file of an unsupported element type 0x${((magic >>> 8) & 0xff).toString(16).padStart(2, '0')} (only u8 is supported)`
          : magic >>> 16 === 0 && magic >>> 8 === 0x08
            ? `is a u8 IDX file with ${magic & 0xff} dimensions`
            : 'is not an IDX file';
    throw new IdxError(path, 0, `magic ${hex(magic)} at byte 0 ${what}, expected ${want} (${hex(expected)})`);
  }
  if (buf.length < headerBytes) throw new IdxError(path, buf.length, `file ends at byte ${buf.length}, shorter than the ${headerBytes}-byte IDX ${want} header`);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  return dims;
}

function checkLength(path: string, buf: Buffer, from: number, bytes: number, what: string): void {
  if (buf.length < from + bytes) throw new IdxError(path, buf.length, `expected ${bytes} bytes of ${what} from byte ${from}, file ends at byte ${buf.length}`);
  if (buf.length > from + bytes) throw new IdxError(path, from + bytes, `${buf.length - from - bytes} unexpected bytes after the ${what}, from byte ${from + bytes}`);
}

export function readIdxImages(path: string): IdxImages {
  const buf = load(path);
  const [count, rows, cols] = header(path, buf, 'images');
  const bytes = count * rows * cols;
  checkLength(path, buf, 16, bytes, 'pixels');
  const x = new Float32Array(bytes);
  for (let i = 0; i < bytes; i++) x[i] = buf[16 + i] / 255;
  return { x, count, rows, cols };
}

/** Digit labels; any value above 9 is an error. */
export function readIdxLabels(path: string): Int32Array {
  const buf = load(path);
  const [count] = header(path, buf, 'labels');
  checkLength(path, buf, 8, count, 'labels');
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = buf[8 + i];
    if (v > 9) throw new IdxError(path, 8 + i, `label ${v} at byte ${8 + i} (sample ${i}) is not a digit 0-9`);
    labels[i] = v;
  }
  return labels;
}

/** An images file and its labels file, checked to hold the same number of samples. */
export function readIdxPair(imagesPath: string, labelsPath: string): IdxImages & { labels: Int32Array } {
  const images = readIdxImages(imagesPath);
  const labels = readIdxLabels(labelsPath);
  if (labels.length !== images.count)
    throw new IdxError(
      labelsPath,
      4,
      `count ${labels.length} at byte 4 does not match the ${images.count} images in ${imagesPath} (count at byte 4)`,
    );
  return { ...images, labels };
}
