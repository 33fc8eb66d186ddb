// The compiled `mnist` on hostile model files, run as users run it: a 1.9 GB (sparse) .onnx is refused
// from its size by inspect, eval and predict on both runtimes; a folder is named; external data is
// read from the model's folder, never from the folder the user stands in.
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { externalDataModel, randomImages } from '@mnist/export/testing';
import { buildCli, repoRoot, runMnist, scratchDir, type Run } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-model-files-');

function mnist(cwd: string, ...args: string[]): Run {
  return runMnist(args, { cwd });
}

/** Exit 1, nothing on stdout, exactly `mnist: <message>` on stderr. */
function expectError(r: Run, message: string): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`mnist: ${message}\n`);
}

beforeAll(buildCli, 180_000);

describe('model files over the size ceiling', () => {
  it('inspect, eval and predict refuse a 1.9 GB .onnx from its size, naming file, size and ceiling', () => {
    const big = join(work, 'big.onnx');
    writeFileSync(big, '');
    truncateSync(big, 1992294400);
    const message = `${big}: the model file is 1.86 GiB (1992294400 bytes), over the 256 MiB a model may take`;
    expectError(mnist(repoRoot, 'inspect', big), message);
    for (const runtime of ['node', 'web']) {
      expectError(mnist(repoRoot, 'eval', '--model', big, '--runtime', runtime), message);
      expectError(mnist(repoRoot, 'predict', '--model', big, '--runtime', runtime, '--first', '1'), message);
    }
  });

  it('inspect names a folder given as the model', () => {
    const folder = join(work, 'a-folder');
    mkdirSync(folder);
    expectError(mnist(repoRoot, 'inspect', folder), `${folder}: is a directory, expected an .onnx file`);
  });
});

describe('external data', () => {
  const models = join(work, 'models');
  const standing = join(work, 'elsewhere');
  const model = externalDataModel('local.bin');
  const digit = join(work, 'digit.png');

  beforeAll(() => {
    mkdirSync(models);
    mkdirSync(standing);
    writeFileSync(join(models, 'model.onnx'), model.bytes);
    writeFileSync(join(models, 'inline.onnx'), model.inline);
    // The user stands where a file of the referenced name holds another model's weights.
    writeFileSync(join(standing, 'local.bin'), externalDataModel('local.bin', undefined, 99).data);
    const png = new pngjs.PNG({ width: 28, height: 28 });
    const pixels = randomImages(1, 3);
    for (let i = 0; i < 784; i++) png.data.set([pixels[i], pixels[i], pixels[i], 255], i * 4);
    writeFileSync(digit, pngjs.PNG.sync.write(png));
  });

  it('is not read from the folder the user stands in', () => {
    for (const runtime of ['node', 'web']) {
      expectError(
        mnist(standing, 'predict', '--model', '../models/model.onnx', '--runtime', runtime, digit),
        `../models/model.onnx: tensor dnn/hidden1/kernel's external data: ../models/local.bin: no such external data file`,
      );
    }
  });

  it('is read from the model file’s folder: the answers are the inline model’s', () => {
    writeFileSync(join(models, 'local.bin'), model.data);
    const inline = mnist(standing, 'predict', '--model', '../models/inline.onnx', digit, '--json');
    expect(inline.code, inline.stderr).toBe(0);
    for (const runtime of ['node', 'web']) {
      const r = mnist(standing, 'predict', '--model', '../models/model.onnx', '--runtime', runtime, digit, '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(inline.stdout);
    }
  });
});
