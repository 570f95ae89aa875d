import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
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
