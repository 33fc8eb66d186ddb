// readModelFile and MnistClassifier.load on hostile paths: files over the ceiling (sparse, so they cost
// no disk) are refused from their size before a byte is read; directories, devices and FIFOs are named.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_MODEL_BYTES, ModelLoadError } from '@mnist/core';
import { randomOnnxModel, rejection } from '@mnist/export/testing';
import { MnistClassifier } from './mnist-classifier.js';
import { readModelFile } from './model-file.js';

const dir = mkdtempSync(join(tmpdir(), 'infer-node-model-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sparse file of `size` bytes: all holes, no disk used. */
function sparse(name: string, size: number): string {
  const path = join(dir, name);
  writeFileSync(path, '');
  truncateSync(path, size);
  return path;
}

describe('readModelFile', () => {
  it('refuses a 1.9 GB and a 2 GiB file from their size, naming file, size and ceiling, without reading them', async () => {
    const before = process.memoryUsage().rss;
    for (const [name, size, shown] of [
      ['big.onnx', 1992294400, '1.86 GiB'],
      ['two.onnx', 2 ** 31, '2 GiB'],
    ] as const) {
      const path = sparse(name, size);
      const error = await rejection(readModelFile(path));
      expect(error).toBeInstanceOf(ModelLoadError);
      expect(error.message).toBe(`${path}: the model file is ${shown} (${size} bytes), over the 256 MiB a model may take`);
      await expect(MnistClassifier.load(path)).rejects.toThrow(error.message);
    }
    // Reading either would have added gigabytes; the check costs nothing like that.
    expect(process.memoryUsage().rss - before).toBeLessThan(MAX_MODEL_BYTES / 2);
  });

  it('takes the ceiling from maxBytes (maxModelBytes for load), checked against the file size', async () => {
    const { bytes } = randomOnnxModel([16, 8], 3);
    const path = join(dir, 'small.onnx');
    writeFileSync(path, bytes);
    expect((await readModelFile(path, { maxBytes: bytes.length })).length).toBe(bytes.length);
    await expect(readModelFile(path, { maxBytes: bytes.length - 1 })).rejects.toThrow(
      `${path}: the model file is ${(bytes.length / 1024).toFixed(2)} KiB (${bytes.length} bytes), over the ${((bytes.length - 1) / 1024).toFixed(2)} KiB a model may take`,
    );
    await expect(MnistClassifier.load(path, { maxModelBytes: 1000 })).rejects.toThrow(/small\.onnx: the model file is .* over the 1000 bytes a model may take$/);
    await expect(MnistClassifier.load(path, { maxModelBytes: 2 ** 31 })).rejects.toThrow(RangeError);
    await expect(MnistClassifier.load(path, { maxModelBytes: 2 ** 31 })).rejects.toThrow(/^options\.maxModelBytes must be an integer/);
    // Bytes are held to the same ceiling.
    await expect(MnistClassifier.load(bytes, { maxModelBytes: 1000 })).rejects.toThrow(/^model bytes: the model is .* over the 1000 bytes a model may take$/);
    const classifier = await MnistClassifier.load(path, { maxModelBytes: bytes.length });
    await classifier.dispose();
  });

  it('names a directory, a device, a FIFO and a missing file, saying what it expected', async () => {
    const folder = join(dir, 'models');
    mkdirSync(folder);
    await expect(readModelFile(folder)).rejects.toThrow(new ModelLoadError(folder, 'is a directory, expected an .onnx file'));
    // /dev/zero never ends and a FIFO without a writer never starts: both are refused, not read.
    await expect(readModelFile('/dev/zero')).rejects.toThrow('/dev/zero: is not a regular file, expected an .onnx file');
    const fifo = join(dir, 'fifo.onnx');
    execFileSync('mkfifo', [fifo]);
    await expect(readModelFile(fifo)).rejects.toThrow(`${fifo}: is not a regular file, expected an .onnx file`);
    await expect(readModelFile(join(dir, 'nope.onnx'))).rejects.toThrow(`${join(dir, 'nope.onnx')}: no such model file`);
  });
});
