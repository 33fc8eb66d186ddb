// `mnist train --model cnn` and `--augment` through the compiled bin, on a tiny learnable dataset: the
// convnet's recipe (Adam, He init, its layers in model.json), the export and `eval --model` agreeing
// with the run, frozen conv layers bit-identical, the augmentation recorded and reproducible, and the
// misuses refused in one line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CNN_SPEC } from '@mnist/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSquaresDataset } from './squares-dataset.fixture.js';
import { buildCli, expectOneLineError, lastJson, mnist, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-train-cnn-');
beforeAll(buildCli, 300_000);

const data = join(work, 'squares');
const flags = ['--data', data, '--validation-size', '60', '--epochs', '2', '--seed', '3'];
const modelJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));

describe('train --model cnn', () => {
  const cnn = join(work, 'cnn');
  let result: Record<string, unknown>;
  beforeAll(() => {
    writeSquaresDataset(data, ['train', 't10k'], 300);
    result = lastJson(mnist('train', ...flags, '--model', 'cnn', '--out', cnn, '--json'));
  }, 120_000);

  it('trains the convnet with its recipe and records it as a list of layers', () => {
    expect(result.testAccuracy as number).toBeGreaterThan(0.9);
    const json = modelJson(cnn);
    expect(json.modelSpec.layers).toEqual(DEFAULT_CNN_SPEC.layers);
    // The MNIST layout implies 10 classes (the squares use 3 of them).
    expect(json.modelSpec).toMatchObject({ hiddenUnits: [], initializer: 'he', outputSize: 10 });
    expect(json.training.optimizer).toMatchObject({ name: 'adam', learningRate: 0.001 });
    expect(json.training.batchSize).toBe(50);
    // The recipe trains on augmented digits.
    expect(json.training.augment).toEqual({ maxShift: 1, maxRotation: 8, scale: [0.95, 1.05], elasticAlpha: 20, elasticSigma: 4 });
    expect(json.weightsManifest[0].weights.slice(0, 2)).toEqual([
      { name: 'cnn/conv1/kernel', shape: [16, 1, 5, 5], dtype: 'float32' },
      { name: 'cnn/conv1/bias', shape: [16], dtype: 'float32' },
    ]);
  });

  it('exports an ONNX model that eval --model scores at the run\'s accuracy, as eval --checkpoint does', () => {
    lastJson(mnist('export', '--checkpoint', cnn, '--json'));
    const byModel = lastJson(mnist('eval', '--model', join(cnn, 'model.onnx'), '--data', data, '--json'));
    const byCheckpoint = lastJson(mnist('eval', '--checkpoint', cnn, '--data', data, '--json'));
    expect(byModel.accuracy).toBe(result.testAccuracy);
    expect(byCheckpoint.accuracy).toBe(result.testAccuracy);
    const web = lastJson(mnist('eval', '--model', join(cnn, 'model.onnx'), '--data', data, '--runtime', 'web', '--json'));
    expect(web.accuracy).toBe(result.testAccuracy);
  });

  it('trains on the tfjs engine as well, to a comparable accuracy', () => {
    const out = join(work, 'tfjs');
    const run = lastJson(mnist('train', ...flags, '--model', 'cnn', '--no-augment', '--engine', 'tfjs', '--out', out, '--json'));
    expect(run.engine).toBe('tfjs');
    expect(modelJson(out).training.augment).toBeUndefined();
    expect(run.testAccuracy as number).toBeGreaterThan(0.9);
  }, 120_000);

  it('keeps frozen conv layers bit-identical under --init-from', () => {
    const out = join(work, 'frozen');
    lastJson(mnist('train', ...flags, '--epochs', '1', '--model', 'cnn', '--init-from', cnn, '--freeze', 'conv1,conv2', '--out', out, '--json'));
    const before = readFileSync(join(cnn, 'weights.bin'));
    const after = readFileSync(join(out, 'weights.bin'));
    // conv1 and conv2 (kernel and bias) lead the file: 16*25 + 16 + 32*16*25 + 32 floats.
    const convBytes = 4 * (16 * 25 + 16 + 32 * 16 * 25 + 32);
    expect(after.subarray(0, convBytes).equals(before.subarray(0, convBytes))).toBe(true);
    expect(after.subarray(convBytes, convBytes + 4 * 512 * 128).equals(before.subarray(convBytes, convBytes + 4 * 512 * 128))).toBe(false);
    expect(modelJson(out).training.frozen).toEqual(['conv1', 'conv2']);
  }, 120_000);

  it('refuses --hidden with --model cnn, and a resume with another model, in one line', () => {
    expectOneLineError(mnist('train', ...flags, '--model', 'cnn', '--hidden', '10', '--out', join(work, 'e1')), /^mnist: --hidden shapes the MLP; --model cnn has its own layers$/);
    expectOneLineError(mnist('train', ...flags, '--resume', '--out', cnn), /^mnist: cannot resume .*cnn: it was trained with .*--model "cnn" \(now "mlp"\)/);
  });
});

describe('train --augment', () => {
  it('records the augmentation, gives the same checkpoint twice from one seed, and another than without it', () => {
    const runs = ['a', 'b', 'plain'].map((name) => {
      const out = join(work, `augment-${name}`);
      lastJson(mnist('train', ...flags, '--hidden', '16', '--out', out, ...(name === 'plain' ? [] : ['--augment']), '--json'));
      return { json: modelJson(out), bin: readFileSync(join(out, 'weights.bin')) };
    });
    expect(runs[0].json.training.augment).toEqual({ maxShift: 1, maxRotation: 8, scale: [0.95, 1.05], elasticAlpha: 20, elasticSigma: 4 });
    expect(runs[0].bin.equals(runs[1].bin)).toBe(true);
    expect(runs[0].bin.equals(runs[2].bin)).toBe(false);
    expect(runs[2].json.training.augment).toBeUndefined();
    expectOneLineError(
      mnist('train', ...flags, '--hidden', '16', '--resume', '--out', join(work, 'augment-plain'), '--augment'),
      /^mnist: cannot resume .*augment-plain: it was trained with --augment "none" \(now \{.*\}\)/,
    );
  }, 120_000);
});
