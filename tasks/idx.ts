// Reader for the standard IDX files of MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian
// u32 magic (0x00000803 images, 0x00000801 labels), one big-endian u32 per dimension, then u8
// data. Gzipped files (.gz, as distributed) are accepted; offsets then count decompressed bytes.
// The header is read first and bounds everything after it: what is read, what a gzip stream may
// expand to, and what gets allocated.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { describeMachine, formatBytes, machineBytes } from '../sim/budget.ts';

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
/** Compressed prefixes tried for the header of a gzip stream (each expands ~1000× at most). */
const GZIP_PREFIXES = [256, 4096, 65536];
/** Room above the declared data that a gzip file of it may take: deflate's worst case plus header fields. */
const gzipBound = (bytes: number) => bytes + Math.ceil(bytes / 1000) + 2 ** 20;

const hex = (m: number) => '0x' + m.toString(16).padStart(8, '0');

type Kind = 'images' | 'labels';

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Opens a regular file. O_NONBLOCK, then fstat on what was opened: opening a FIFO for reading would
 * otherwise wait for a writer forever, and checking before opening could be raced.
 */
function openRegular(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new IdxError(path, 0, code === 'ENOENT' ? 'no such file (nothing to read at byte 0)' : `cannot read at byte 0 (${code ?? String(e)})`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new IdxError(path, 0, `is ${kindOf(st)}, not a regular file (nothing read)`);
  }
  return { fd, size: st.size };
}

function readAt(fd: number, bytes: number): Buffer {
  const buf = Buffer.alloc(bytes);
  let at = 0;
  while (at < bytes) {
    const n = readSync(fd, buf, at, bytes - at, at);
    if (n === 0) break;
    at += n;
  }
  return buf.subarray(0, at);
}

/** Checks the magic and header length; returns the dimensions. */
function header(path: string, buf: Buffer, want: Kind): number[] {
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

function checkLength(path: string, length: number, from: number, bytes: number, what: string): void {
  if (length < from + bytes) throw new IdxError(path, length, `expected ${bytes} bytes of ${what} from byte ${from}, file ends at byte ${length}`);
  if (length > from + bytes) throw new IdxError(path, from + bytes, `${length - from - bytes} unexpected bytes after the ${what}, from byte ${from + bytes}`);
}

/** Decompresses as far as the stream goes (a truncated one is reported by its length), at most `max` bytes. */
const gunzip = (buf: Buffer, max?: number) => gunzipSync(buf, { finishFlush: zlibConstants.Z_SYNC_FLUSH, ...(max === undefined ? {} : { maxOutputLength: max }) });

const gunzipError = (path: string, e: unknown) => new IdxError(path, 0, `gzip stream starting at byte 0 is corrupt (${(e as Error).message})`);

/**
 * The whole (decompressed) file, after its header has been checked: with the magic of `want`,
 * images of `shape` (rows, cols) when given, and no more data than this machine can hold.
 */
function load(path: string, want: Kind, shape?: [number, number]): { buf: Buffer; dims: number[]; from: number } {
  const { fd, size } = openRegular(path);
  try {
    let start = readAt(fd, Math.min(size, GZIP_PREFIXES[0]));
    const gzip = start.length >= 2 && start[0] === 0x1f && start[1] === 0x8b;
    // a gzip stream's header: the first decompressed bytes of a prefix (a long file name may need a longer one)
    for (const prefix of gzip ? GZIP_PREFIXES : []) {
      try {
        start = gunzip(readAt(fd, Math.min(size, prefix)));
      } catch (e) {
        throw gunzipError(path, e);
      }
      if (start.length >= 16 || prefix >= size) break;
    }
    const dims = header(path, start, want);
    const from = 4 + 4 * dims.length;
    if (shape) {
      const [rows, cols] = shape;
      if (dims[1] !== rows) throw new IdxError(path, 8, `rows ${dims[1]} at byte 8: images are ${dims[1]}×${dims[2]}, expected ${rows}×${cols}`);
      if (dims[2] !== cols) throw new IdxError(path, 12, `cols ${dims[2]} at byte 12: images are ${dims[1]}×${dims[2]}, expected ${rows}×${cols}`);
    }
    const what = want === 'images' ? 'pixels' : 'labels';
    const bytes = dims.reduce((a, b) => a * b, 1);
    // the u8 data and the 4-byte values made of it
    if (from + bytes > 2 ** 32 || 5 * bytes > machineBytes()) {
      throw new IdxError(path, 4, `header declares ${dims.join(' × ')} = ${bytes} bytes of ${what}, which need ${formatBytes(5 * bytes)} of memory, more than ${from + bytes > 2 ** 32 ? 'a file can be read into (4 GiB)' : describeMachine()}`);
    }
    const total = from + bytes;
    if (!gzip) {
      checkLength(path, size, from, bytes, what);
      return { buf: readAt(fd, size), dims, from };
    }
    // at most what a gzip of the declared bytes can take is read, and decompressed no further than them
    const bound = gzipBound(total);
    let buf: Buffer;
    try {
      buf = gunzip(readAt(fd, Math.min(size, bound)), total);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new IdxError(path, total, `gzip stream expands beyond the ${total} bytes its IDX header declares (${dims.join(' × ')} ${what} from byte ${from}); stopped at byte ${total}`);
      }
      throw gunzipError(path, e);
    }
    if (size > bound) throw new IdxError(path, bound, `gzip file of ${size} bytes is larger than any gzip of the ${total} bytes its IDX header declares (${dims.join(' × ')} ${what}); not read beyond byte ${bound}`);
    checkLength(path, buf.length, from, bytes, what);
    return { buf, dims, from };
  } finally {
    closeSync(fd);
  }
}

/** Images; with `shape`, rows and cols other than shape's are an error (before any pixel is read). */
export function readIdxImages(path: string, shape?: [number, number]): IdxImages {
  const { buf, dims, from } = load(path, 'images', shape);
  const [count, rows, cols] = dims;
  const bytes = count * rows * cols;
  const x = new Float32Array(bytes);
  for (let i = 0; i < bytes; i++) x[i] = buf[from + i] / 255;
  return { x, count, rows, cols };
}

/** Digit labels; any value above 9 is an error. */
export function readIdxLabels(path: string): Int32Array {
  const { buf, dims, from } = load(path, 'labels');
  const [count] = dims;
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = buf[from + i];
    if (v > 9) throw new IdxError(path, from + i, `label ${v} at byte ${from + i} (sample ${i}) is not a digit 0-9`);
    labels[i] = v;
  }
  return labels;
}

/** An images file and its labels file, checked to hold the same number of samples. */
export function readIdxPair(imagesPath: string, labelsPath: string, shape?: [number, number]): IdxImages & { labels: Int32Array } {
  const images = readIdxImages(imagesPath, shape);
  const labels = readIdxLabels(labelsPath);
  if (labels.length !== images.count)
    throw new IdxError(
      labelsPath,
      4,
      `count ${labels.length} at byte 4 does not match the ${images.count} images in ${imagesPath} (count at byte 4)`,
    );
  return { ...images, labels };
}
