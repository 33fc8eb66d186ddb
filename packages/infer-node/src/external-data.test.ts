// External data on onnxruntime-node: a model loaded from a path reads its external files from its own
// folder (never the working directory), references that leave the folder are refused, and a model
// given as bytes with external data is refused. The working directory is set to a folder holding a
// decoy file of the referenced name, so a load that resolved against it would read the decoy.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelLoadError } from '@mnist/core';
import { externalDataModel, randomImages, rejection, scaled } from '@mnist/export/testing';
import { MnistClassifier } from './mnist-classifier.js';

const root = mkdtempSync(join(tmpdir(), 'infer-node-external-'));
const models = join(root, 'models');
const standing = join(root, 'where-the-user-stands');
mkdirSync(models);
mkdirSync(standing);
const x = scaled(randomImages(8, 5));
const start = process.cwd();
// The decoy: data of another model under the name the model refers to.
writeFileSync(join(standing, 'local.bin'), externalDataModel('local.bin', undefined, 99).data);

beforeEach(() => process.chdir(standing));
afterEach(() => process.chdir(start));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes the model as `name` in `models/` and its data at `dataPath` (relative to `models/`), if given. */
function place(name: string, location: string, dataPath?: string): { path: string; inline: Uint8Array } {
  const model = externalDataModel(location);
  const path = join(models, name);
  writeFileSync(path, model.bytes);
  if (dataPath !== undefined) writeFileSync(join(models, dataPath), model.data);
  return { path, inline: model.inline };
}

async function classes(model: string | Uint8Array): Promise<number[]> {
  const classifier = await MnistClassifier.load(model, { intraOpNumThreads: 1 });
  try {
    return [...(await classifier.predict(x)).classes];
  } finally {
    await classifier.dispose();
  }
}

describe('external data (onnxruntime-node)', () => {
  it('is read from the model file’s own folder, not the working directory, and answers as the inline model does', async () => {
    const { path, inline } = place('model.onnx', 'local.bin', 'local.bin');
    const relative = join('..', 'models', 'model.onnx');
    expect(await classes(path)).toEqual(await classes(inline));
    expect(await classes(relative)).toEqual(await classes(inline));
    const nested = place('nested.onnx', './weights/w.bin');
    mkdirSync(join(models, 'weights'));
    writeFileSync(join(models, 'weights', 'w.bin'), externalDataModel('x').data);
    expect(await classes(nested.path)).toEqual(await classes(inline));
  });

  it('is missing when it is only in the working directory, naming the file beside the model', async () => {
    const { path } = place('alone.onnx', 'local.bin');
    rmSync(join(models, 'local.bin'), { force: true });
    const error = await rejection(MnistClassifier.load(path));
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toBe(`${path}: tensor dnn/hidden1/kernel's external data: ${join(models, 'local.bin')}: no such external data file`);
  });

  it('is refused for a model given as bytes, even with the file in the working directory', async () => {
    const error = await rejection(MnistClassifier.load(externalDataModel('local.bin').bytes));
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toBe(
      'model bytes: tensor dnn/hidden1/kernel keeps its data in the external file "local.bin", which a model given as bytes cannot use; load the model from its file path (or URL), or save it with its data inline',
    );
  });

  it('is refused when it leaves the folder: "..", an absolute path, a symbolic link out, the in-memory marker', async () => {
    const outside = join(root, 'secret.bin');
    writeFileSync(outside, externalDataModel('x').data);
    const cases: [string, string, RegExp][] = [
      ['up.onnx', '../secret.bin', /keeps its data in "\.\.\/secret\.bin", which leaves the model's folder \(".."\); external data must be a relative path inside the model's folder$/],
      ['abs.onnx', outside, /, an absolute path; external data must be a relative path inside the model's folder$/],
      ['mem.onnx', '*/_ORT_MEM_ADDR_/*', /, ONNX Runtime's marker for a raw memory address;/],
    ];
    for (const [name, location, message] of cases) {
      const { path } = place(name, location);
      const error = await rejection(MnistClassifier.load(path));
      expect(error, name).toBeInstanceOf(ModelLoadError);
      expect(error.message, name).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: tensor dnn/hidden1/kernel `));
      expect(error.message, name).toMatch(message);
    }
    const { path } = place('link.onnx', 'link.bin');
    symlinkSync(outside, join(models, 'link.bin'));
    expect((await rejection(MnistClassifier.load(path))).message).toBe(
      `${path}: tensor dnn/hidden1/kernel's external data: ${join(models, 'link.bin')}: leads to ${outside}, outside the model's folder ${models}; external data must stay inside it`,
    );
  });

  it('counts toward the size ceiling (checked from the file size) and must hold the bytes the model asks for', async () => {
    const { path } = place('huge.onnx', 'huge.bin');
    const huge = join(models, 'huge.bin');
    writeFileSync(huge, '');
    truncateSync(huge, 300 * 2 ** 20);
    expect((await rejection(MnistClassifier.load(path))).message).toMatch(
      /huge\.onnx: tensor dnn\/hidden1\/kernel's external data: .*huge\.bin: the external data file is 300 MiB \(314572800 bytes\), over the 256.00 MiB the model's size ceiling leaves for it$/,
    );
    const short = place('short.onnx', 'short.bin');
    writeFileSync(join(models, 'short.bin'), new Uint8Array(100));
    expect((await rejection(MnistClassifier.load(short.path))).message).toBe(
      `${short.path}: tensor dnn/hidden1/kernel wants bytes 0 to 50176 of "short.bin", which holds 100`,
    );
  });
});
