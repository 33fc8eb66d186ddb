// The cross-runtime promise, end to end, for each model family (the chapter's MLP and the convnet): a
// trained checkpoint, its tfjs forward pass, and its ONNX export on onnxruntime-node and onnxruntime-web
// give the same class for every one of the 10000 test images, the same logits to 1e-4 and the same
// accuracy; the exported file passes the onnx checker.
import { argmaxRows } from '@mnist/core';
import { exportOnnx } from '@mnist/export';
import { checkOnnxFile, maxAbsDifference } from '@mnist/export/testing';
import { MnistClassifier as NodeClassifier } from '@mnist/infer-node';
import { MnistClassifier as WebClassifier } from '@mnist/infer-web';
import { loadCheckpoint, readDataset, restoreClassifier, train } from '@mnist/trainer';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from './mnist-bin.fixture.js';

const CLASSES = 10;
const work = scratchDir('mnist-cross-runtime-');

// Small real models: a few seconds of training take each far above chance.
const FAMILIES = [
  { model: 'mlp', epochs: 2, trainLimit: 10000 },
  { model: 'cnn', epochs: 1, trainLimit: 5000 },
] as const;

/** Images whose predicted class differs, except where the top two logits are a near tie (1e-5). */
function disagreements(a: Float32Array, b: Float32Array): number[] {
  const ca = argmaxRows(a, CLASSES);
  const cb = argmaxRows(b, CLASSES);
  const out: number[] = [];
  for (let i = 0; i < ca.length; i++) {
    if (ca[i] === cb[i]) continue;
    const row = a.subarray(i * CLASSES, (i + 1) * CLASSES);
    if (Math.abs(row[ca[i]] - row[cb[i]]) > 1e-5) out.push(i);
  }
  return out;
}

function accuracy(values: Float32Array, labels: Uint8Array): number {
  const classes = argmaxRows(values, CLASSES);
  return classes.reduce((n, c, i) => n + (c === labels[i] ? 1 : 0), 0) / classes.length;
}

describe.each(FAMILIES)('$model: tfjs checkpoint vs onnxruntime-node vs onnxruntime-web on the 10000 test images', ({ model, epochs, trainLimit }) => {
  const logits: Record<'tfjs' | 'node' | 'web', Float32Array> = {} as never;
  let labels: Uint8Array;
  let modelFile: string;

  beforeAll(async () => {
    const out = join(work, model);
    await train({ out, model, epochs, trainLimit, seed: 7 });
    const checkpoint = await loadCheckpoint(out);
    const { test } = await readDataset();
    labels = test.labels;

    const restored = await restoreClassifier(checkpoint);
    try {
      logits.tfjs = await restored.predictLogits(test.images, test.count);
    } finally {
      restored.dispose();
    }

    const bytes = exportOnnx(checkpoint, { source: out });
    modelFile = join(work, `${model}.onnx`);
    writeFileSync(modelFile, bytes);
    for (const [name, Classifier] of [['node', NodeClassifier], ['web', WebClassifier]] as const) {
      const classifier = await Classifier.load(bytes);
      try {
        logits[name] = (await classifier.predict(test.images, { logits: true })).logits!;
      } finally {
        await classifier.dispose();
      }
    }
  }, 300_000);

    it('runs every runtime on all 10000 images of a model far above chance', () => {
      for (const name of ['tfjs', 'node', 'web'] as const) expect(logits[name].length, name).toBe(10000 * CLASSES);
      expect(accuracy(logits.tfjs, labels)).toBeGreaterThan(0.85);
    });

    it.each([
      ['tfjs', 'node'],
      ['tfjs', 'web'],
      ['node', 'web'],
    ] as const)('%s and %s predict the same class for every image, logits within 1e-4, same accuracy', (a, b) => {
      expect(disagreements(logits[a], logits[b])).toEqual([]);
      expect(maxAbsDifference(logits[a], logits[b])).toBeLessThan(1e-4);
      expect(accuracy(logits[a], labels)).toBe(accuracy(logits[b], labels));
    });

    it('exports a file that passes onnx.checker.check_model(full_check=True)', (ctx) => {
      const result = checkOnnxFile(modelFile);
      if (!result.ran) {
        console.warn(`skipped: ${result.reason}`);
        ctx.skip(result.reason);
        return;
      }
      expect(result.ok, result.output).toBe(true);
    });
  });
