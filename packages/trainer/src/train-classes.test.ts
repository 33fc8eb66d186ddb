// train({ classes }): the output size from an option, over what the labels imply (an EMNIST slice that
// lacks its last class), labels at or above it refused naming the file, and resume and initFrom held to it.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '@mnist/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { evaluateCheckpoint } from './restore.js';
import { brightPixelSet, ROW_THIRDS, scratchToyDataset } from './testing/toy-dataset.js';
import { train, type TrainOptions } from './train.js';

let root: string;
let dataDir: string;
beforeAll(async () => {
  ({ root, dataDir } = await scratchToyDataset('train-classes-', 300, 60));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = (out: string, extra: Partial<TrainOptions> = {}) =>
  train({ dataDir, out: join(root, out), epochs: 1, batchSize: 20, learningRate: 0.1, hiddenUnits: [8], validationSize: 60, seed: 3, engine: 'tfjs', backend: 'cpu', ...extra });

describe('train({ classes })', () => {
  it('sets the output size and the labels (by index) over the MNIST layout\'s 10, and eval scores with them', async () => {
    await run('five', { classes: 5 });
    const { modelJson } = await loadCheckpoint(join(root, 'five'));
    expect(modelJson.modelSpec.outputSize).toBe(5);
    expect(modelJson.labels).toEqual(['0', '1', '2', '3', '4']);
    const scored = await evaluateCheckpoint(join(root, 'five'));
    expect(scored.labels).toEqual(['0', '1', '2', '3', '4']);
    expect(scored.confusionMatrix).toHaveLength(5);
    // Without it, the MNIST layout means 10 digits.
    await run('ten');
    expect((await loadCheckpoint(join(root, 'ten'))).modelJson.modelSpec.outputSize).toBe(10);
  });

  it('refuses a label at or above it in one line naming the labels file, the label and the count, before writing', async () => {
    // The toy set's labels are 0..2.
    await expect(run('two', { classes: 2 })).rejects.toThrow(new RegExp(`^${join(dataDir, 'train-labels-idx1-ubyte')}: expected labels in \\[0, 2\\), label \\d+ is 2$`));
    await expect(loadCheckpoint(join(root, 'two'))).rejects.toThrow();
    const images = brightPixelSet(40, 5, ROW_THIRDS);
    await expect(
      train({ data: { train: images, test: images, imageShape: [6, 6] }, out: join(root, 'mem'), classes: 2, epochs: 1, validationSize: 10 }),
    ).rejects.toThrow(/^data\.train\.labels\[\d+\] is 2, expected a class in \[0, 2\)$/);
    for (const bad of [1, 257, 2.5]) await expect(run('bad', { classes: bad })).rejects.toThrow(`classes must be an integer in [2, 256], got ${bad}`);
  });

  it("overrides an EMNIST split's largest label + 1 when its slice lacks the last class", async () => {
    const digits = join(root, 'emnist-digits');
    await mkdir(digits);
    // Digits 0..8 only: the labels imply 9 classes.
    for (const [part, count] of [['train', 90], ['test', 18]] as const) {
      const labels = Uint8Array.from({ length: count }, (_, i) => i % 9);
      await writeFile(join(digits, `emnist-digits-${part}-images-idx3-ubyte.gz`), gzipSync(encodeIdx({ dtype: 'uint8', shape: [count, 6, 6], data: new Uint8Array(count * 36) })));
      await writeFile(join(digits, `emnist-digits-${part}-labels-idx1-ubyte.gz`), gzipSync(encodeIdx({ dtype: 'uint8', shape: [count], data: labels })));
    }
    await run('nine', { dataDir: digits, validationSize: 18 });
    expect((await loadCheckpoint(join(root, 'nine'))).modelJson.modelSpec.outputSize).toBe(9);
    await run('digits', { dataDir: digits, validationSize: 18, classes: 10 });
    const { modelJson } = await loadCheckpoint(join(root, 'digits'));
    expect(modelJson.modelSpec.outputSize).toBe(10);
    expect(modelJson.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect((await evaluateCheckpoint(join(root, 'digits'))).confusionMatrix).toHaveLength(10);
  });

  it('must agree with a checkpoint resumed or warm-started from, as the output size does', async () => {
    await run('resumed', { classes: 5 });
    await expect(run('resumed', { classes: 4, resume: true, epochs: 2 })).rejects.toThrow(
      `cannot resume ${join(root, 'resumed')}: it was trained with --classes 5 (now 4); pass the same settings or choose another --out`,
    );
    // Left out, the data's 10 differ from the checkpoint's 5: refused the same way, pointing at the option.
    await expect(run('resumed', { resume: true, epochs: 2 })).rejects.toThrow(`it was trained with output size (--classes) 5 (now 10)`);
    await run('resumed', { classes: 5, resume: true, epochs: 2 });
    expect((await loadCheckpoint(join(root, 'resumed'))).modelJson.training.epoch).toBe(2);

    // Other classes than the checkpoint's: its hidden layers under a new output layer.
    const lines: string[] = [];
    await run('warm6', { initFrom: join(root, 'resumed'), classes: 6, onLog: (l) => lines.push(l) });
    expect((await loadCheckpoint(join(root, 'warm6'))).modelJson.modelSpec.outputSize).toBe(6);
    expect(lines).toContain(`init-from ${join(root, 'resumed')}: hidden layers reused, new output layer for 6 classes (the checkpoint has 5)`);
    await run('warm', { initFrom: join(root, 'resumed'), classes: 5 });
    expect((await loadCheckpoint(join(root, 'warm'))).modelJson.modelSpec.outputSize).toBe(5);
  });
});
