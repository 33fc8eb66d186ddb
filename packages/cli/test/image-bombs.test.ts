// `mnist predict` on hostile picture files generated here (a second PNG header, PNG inflation bombs,
// a huge declared size, a JPEG with two frame headers or one too costly to decode, a sparse 5 GB
// file): each is one `mnist: <file>: ...` line and exit 1, and a real digit next to them still works.
import { truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, mnist, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-bombs-');
const model = join(work, 'dnn', 'model.onnx');

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

// IHDR of an 8-bit gray picture.
function ihdr(width: number, height: number, interlaced: boolean): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data.set([8, 0, 0, 0, interlaced ? 1 : 0], 8);
  return chunk('IHDR', data);
}

function png(...chunks: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks, chunk('IEND', new Uint8Array(0))]);
}

// A baseline JPEG frame header of `components` components sampled 1x1.
function sof(width: number, height: number, components: number): Buffer {
  const b = Buffer.from([0xff, 0xc0, 0, 8 + 3 * components, 8, height >> 8, height & 255, width >> 8, width & 255, components]);
  return Buffer.concat([b, Buffer.from(Array.from({ length: components }, (_, c) => [c + 1, 0x11, 0]).flat())]);
}

// A drawn digit: a dark vertical bar on white, as a 28x28 gray PNG (filter type 0 rows).
function digitPng(): Buffer {
  const rows = Buffer.alloc(28 * 29, 255);
  for (let y = 0; y < 28; y++) {
    rows[y * 29] = 0;
    if (y >= 4 && y < 24) rows.fill(0, y * 29 + 13, y * 29 + 17);
  }
  return png(ihdr(28, 28, false), chunk('IDAT', deflateSync(rows)));
}

beforeAll(() => {
  buildCli();
  for (const args of [['train', '--epochs', '1', '--train-limit', '500', '--out', dirname(model)], ['export', '--onnx', '--checkpoint', dirname(model)]]) {
    const r = mnist(...args);
    expect(r.code, r.stderr).toBe(0);
  }
}, 180_000);

describe('mnist predict on hostile pictures', () => {
  const digit = join(work, 'digit.png');
  const files: [string, () => Buffer | number, RegExp][] = [
    // The two files: 62 KB with a second 8000x8000 IHDR; 260 KB interlaced 1x1 inflating 256 MB.
    ['second-ihdr.png', () => png(ihdr(1, 1, false), ihdr(8000, 8000, false), chunk('IDAT', deflateSync(Buffer.alloc(8000 * 8001), { level: 1 }))), /cannot decode PNG \(a second IHDR chunk at byte 33\)/],
    ['interlaced-bomb.png', () => png(ihdr(1, 1, true), chunk('IDAT', deflateSync(Buffer.alloc(256 * 2 ** 20), { level: 1 }))), /cannot decode PNG \(the image data inflates to more than the 2 bytes its 1x1 header allows\)/],
    ['huge.png', () => png(ihdr(65536, 65536, false), chunk('IDAT', deflateSync(Buffer.alloc(1)))), /the PNG image is 65536x65536 pixels, more than the limit of \d+ pixels/],
    ['two-frames.jpg', () => Buffer.concat([Buffer.from([0xff, 0xd8]), sof(28, 28, 1), sof(4096, 4096, 3), Buffer.from([0xff, 0xd9])]), /cannot decode JPEG \(a second frame header \(SOF0\) at byte 15, after the one at byte 2\)/],
    ['costly.jpg', () => Buffer.concat([Buffer.from([0xff, 0xd8]), sof(4000, 4000, 3), Buffer.from([0xff, 0xd9])]), /decoding the 4000x4000 JPEG image in 3 components needs \d+ MiB, more than the limit of \d+ MiB/],
    ['sparse.png', () => 5 * 2 ** 30, /is 5368709120 bytes, more than the limit of \d+ bytes for an image file/],
  ];

  it.each(files)('%s is one line naming the file, the digit beside it is still classified, and exit 1', (name, make, message) => {
    const file = join(work, name);
    const content = make();
    if (typeof content === 'number') {
      writeFileSync(file, png(ihdr(1, 1, false)));
      truncateSync(file, content);
    } else writeFileSync(file, content);
    writeFileSync(digit, digitPng());
    const r = mnist('predict', '--model', model, digit, file);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(r.stdout).toContain(digit);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toEqual([expect.stringMatching(/./), `mnist: 1 of 2 image files could not be classified: ${file}`]);
    expect(lines[0].startsWith(`mnist: ${file}: `), lines[0]).toBe(true);
    expect(lines[0]).toMatch(message);
  });

  it('classifies the digit itself', () => {
    writeFileSync(digit, digitPng());
    const r = mnist('predict', '--model', model, digit, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trimEnd().split('\n').pop() as string).predictions).toHaveLength(1);
  });
});
