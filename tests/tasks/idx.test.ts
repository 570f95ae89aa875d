import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MAX_COUNT } from '../../sim/tensor.ts';
import { afterAll, describe, expect, test } from 'vitest';
import { IdxError, readIdxImages, readIdxLabels, readIdxPair } from '../../tasks/idx.ts';

const dir = mkdtempSync(join(tmpdir(), 'springtail-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An IDX file: big-endian magic, dims, then bytes. */
function idx(magic: number, dims: number[], data: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length + data.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  Buffer.from(data).copy(b, 4 + 4 * dims.length);
  return b;
}
function file(name: string, content: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
/** Runs f, expecting an IdxError naming the file and `offset`, with a message matching re. */
function fails(f: () => unknown, path: string, offset: number, re: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(IdxError);
  const e = err as IdxError;
  expect(e.file).toBe(path);
  expect(e.offset).toBe(offset);
  expect(e.message.startsWith(path + ': ')).toBe(true);
  expect(e.message).toMatch(re);
}

const pixels = Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20); // 0 … 220
const images = file('images', idx(0x803, [3, 2, 2], pixels));
const labels = file('labels', idx(0x801, [3], [7, 0, 9]));

describe('valid files', () => {
  test('images are scaled to [0, 1] with their dims', () => {
    const im = readIdxImages(images);
    expect([im.count, im.rows, im.cols]).toEqual([3, 2, 2]);
    expect(Array.from(im.x)).toEqual(pixels.map((v) => Math.fround(v / 255)));
  });
  test('labels', () => expect(Array.from(readIdxLabels(labels))).toEqual([7, 0, 9]));
  test('pair', () => expect(Array.from(readIdxPair(images, labels).labels)).toEqual([7, 0, 9]));
  test('gzipped files are read too', () => {
    const gz = file('images.gz', gzipSync(idx(0x803, [3, 2, 2], pixels)));
    expect(readIdxImages(gz).x).toEqual(readIdxImages(images).x);
  });
});

describe('every problem names the file and the byte offset', () => {
  test('missing file', () => {
    const p = join(dir, 'nope-idx3-ubyte');
    fails(() => readIdxImages(p), p, 0, /no such file/);
  });
  test('file shorter than its header', () => {
    const p = file('short', idx(0x803, [3, 2, 2], []).subarray(0, 10));
    fails(() => readIdxImages(p), p, 10, /file ends at byte 10, shorter than the 16-byte IDX images header/);
    const q = file('tiny', Buffer.from([0, 0]));
    fails(() => readIdxLabels(q), q, 2, /file ends at byte 2, shorter than the 8-byte IDX labels header/);
  });
  test('a labels file given as images, and the reverse', () => {
    fails(() => readIdxImages(labels), labels, 0, /: magic 0x00000801 at byte 0 is a labels file, expected images \(0x00000803\)$/);
    fails(() => readIdxLabels(images), images, 0, /: magic 0x00000803 at byte 0 is an images file, expected labels \(0x00000801\)$/);
  });
  test('not IDX at all', () => {
    const p = file('text', Buffer.from('hello world, not idx'));
    fails(() => readIdxImages(p), p, 0, /magic 0x68656c6c at byte 0 is not an IDX file/);
  });
  test('truncated pixels', () => {
    const p = file('trunc', idx(0x803, [3, 2, 2], pixels.slice(0, 5)));
    fails(() => readIdxImages(p), p, 21, /: expected 12 bytes of pixels from byte 16, file ends at byte 21$/);
  });
  test('truncated labels and trailing bytes', () => {
    const p = file('trunc-labels', idx(0x801, [4], [1, 2]));
    fails(() => readIdxLabels(p), p, 10, /expected 4 bytes of labels from byte 8, file ends at byte 10/);
    const q = file('long', idx(0x801, [2], [1, 2, 3]));
    fails(() => readIdxLabels(q), q, 10, /1 unexpected bytes after the labels, from byte 10/);
  });
  test('label value above 9', () => {
    const p = file('bad-label', idx(0x801, [3], [1, 2, 12]));
    fails(() => readIdxLabels(p), p, 10, /label 12 at byte 10 \(sample 2\) is not a digit 0-9/);
  });
  test('labels and images counts differ', () => {
    const p = file('two-labels', idx(0x801, [2], [1, 2]));
    fails(() => readIdxPair(images, p), p, 4, new RegExp(`count 2 at byte 4 does not match the 3 images in ${images} \\(count at byte 4\\)`));
  });
});

describe('the header bounds what is read', () => {
  test('rows and cols other than the shape asked for, before any pixel is read', () => {
    fails(() => readIdxImages(images, [28, 28]), images, 8, /: rows 2 at byte 8: images are 2×2, expected 28×28$/);
    const p = file('28x27', idx(0x803, [1, 28, 27], []));
    fails(() => readIdxImages(p, [28, 28]), p, 12, /: cols 27 at byte 12: images are 28×27, expected 28×28$/);
    fails(() => readIdxPair(p, labels, [28, 28]), p, 12, /cols 27 at byte 12/);
  });
  test('a header declaring more than memory holds is refused at its count', () => {
    const p = file('huge', idx(0x803, [MAX_COUNT, 28, 28], pixels));
    fails(() => readIdxImages(p), p, 4, /: header declares 4294967295 × 28 × 28 = \d+ bytes of pixels, which need [\d.]+ GiB of memory, more than/);
    const q = file('huge.gz', gzipSync(idx(0x801, [MAX_COUNT], [1, 2])));
    fails(() => readIdxLabels(q), q, 4, /header declares 4294967295 = 4294967295 bytes of labels/);
  });
  test('a gzip bomb is stopped as soon as it expands beyond its header, fast', () => {
    // 10 images declared; then ~5 MB of gzip members of 64 MiB of zeros each: ~5 GB expanded
    const zeros = gzipSync(Buffer.alloc(64 * 2 ** 20), { level: 9 });
    const members = [gzipSync(idx(0x803, [10, 28, 28], []))];
    for (let n = 0; n < 5e6; n += zeros.length) members.push(zeros);
    const p = file('bomb-idx3-ubyte.gz', Buffer.concat(members));
    const t0 = performance.now();
    fails(() => readIdxImages(p), p, 16 + 7840, /: gzip stream expands beyond the 7856 bytes its IDX header declares \(10 × 28 × 28 pixels from byte 16\); stopped at byte 7856$/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
  test('a gzip file far larger than any gzip of what its header declares', () => {
    // valid: the data, then 2 MiB of empty gzip members
    const empty = gzipSync(Buffer.alloc(0));
    const p = file('padded.gz', Buffer.concat([gzipSync(idx(0x801, [3], [1, 2, 3])), ...Array.from({ length: 2 ** 21 / empty.length }, () => empty)]));
    fails(() => readIdxLabels(p), p, 11 + 1 + 2 ** 20, /: gzip file of \d+ bytes is larger than any gzip of the 11 bytes its IDX header declares \(3 labels\); not read beyond byte 1048588$/);
  });
  test('a truncated gzip stream is reported by where its data ends', () => {
    const whole = gzipSync(idx(0x803, [3, 100, 100], Array.from({ length: 30000 }, (_, i) => (i * 7919) % 251)));
    const p = file('cut.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    let err: unknown;
    try {
      readIdxImages(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IdxError);
    expect((err as IdxError).message).toMatch(/: expected 30000 bytes of pixels from byte 16, file ends at byte \d+$/);
    expect((err as IdxError).offset).toBeGreaterThan(16);
    expect((err as IdxError).offset).toBeLessThan(30016);
  });
  test('a corrupt gzip stream is called corrupt', () => {
    const gz = gzipSync(idx(0x801, [3], [1, 2, 3]));
    gz[3] = 0xff; // reserved flag bits
    const p = file('corrupt.gz', gz);
    fails(() => readIdxLabels(p), p, 0, /gzip stream starting at byte 0 is corrupt/);
  });
});

describe('only regular files are read', () => {
  test('a directory named like an IDX file', () => {
    const p = join(dir, 'dir-idx3-ubyte');
    mkdirSync(p);
    fails(() => readIdxImages(p), p, 0, /: is a directory, not a regular file \(nothing read\)$/);
  });
  // a FIFO would block the test's own thread on the unfixed reader: tests/tasks/mnist.test.ts runs it in the CLI
});
