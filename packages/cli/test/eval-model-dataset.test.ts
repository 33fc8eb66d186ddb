// `mnist export` records the checkpoint's dataset in the model (mnist.dataset), and `mnist eval --model`
// scores on it by default exactly as `eval --checkpoint` does: no warning on the recorded files, one for
// another --data, one line for a recorded folder that is gone, MNIST when the export records none;
// `predict --model` reads the first test images of the same dataset.
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { METADATA_KEYS } from '@mnist/core';
import { readOnnx } from '@mnist/export';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSquaresDataset } from './squares-dataset.fixture.js';
import { buildCli, expectOneLineError, lastJson, mnist, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-eval-model-dataset-');
const data = join(work, 'squares');
const run = join(work, 'run');
const model = join(work, 'model.onnx');

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning:'));

beforeAll(() => {
  buildCli();
  writeSquaresDataset(data, ['train', 't10k'], 300, 0);
  lastJson(mnist('train', '--data', data, '--validation-size', '100', '--epochs', '1', '--hidden', '16', '--out', run, '--json'));
  lastJson(mnist('export', '--checkpoint', run, '--out', model, '--json'));
}, 300_000);

describe('export records the dataset; eval --model scores on it', () => {
  it("writes the checkpoint's training.dataset as mnist.dataset, the same bytes on every export", () => {
    const recorded = (JSON.parse(readFileSync(join(run, 'model.json'), 'utf8')) as { training: { dataset: unknown } }).training.dataset;
    const bytes = readFileSync(model);
    expect(JSON.parse(readOnnx(bytes, model).metadata[METADATA_KEYS.dataset])).toEqual(recorded);
    const again = join(work, 'again.onnx');
    lastJson(mnist('export', '--checkpoint', run, '--out', again, '--json'));
    expect(Buffer.compare(readFileSync(again), bytes)).toBe(0);
  });

  it('scores on the recorded dataset without --data, as eval --checkpoint does, with no warning', () => {
    const r = mnist('eval', '--model', model, '--json');
    expect(lastJson(r)).toMatchObject({ n: 300, accuracy: lastJson(mnist('eval', '--checkpoint', run, '--json')).accuracy });
    expect(warnings(r.stderr)).toEqual([]);
  });

  it('predicts the first test images of the recorded dataset too, as predict --checkpoint does', () => {
    const r = mnist('predict', '--model', model, '--first', '5', '--json');
    const byCheckpoint = lastJson(mnist('predict', '--checkpoint', run, '--first', '5', '--json'));
    expect(lastJson(r)).toEqual({ predictions: byCheckpoint.predictions, labels: byCheckpoint.labels });
    expect(warnings(r.stderr)).toEqual([]);
  });

  it('scores another --data as asked, with one warning naming both', () => {
    const other = join(work, 'other');
    writeSquaresDataset(other, ['t10k'], 60, 5);
    const r = mnist('eval', '--model', model, '--data', other, '--json');
    expect(lastJson(r).n).toBe(60);
    expect(warnings(r.stderr)).toEqual([`warning: ${model} was trained on squares (${data}); scoring on ${other}, whose test files differ`]);
  });

  it('refuses a recorded folder that is gone in one line suggesting --data', () => {
    const gone = join(work, 'gone');
    cpSync(data, gone, { recursive: true });
    const out = join(work, 'gone-run');
    const goneModel = join(work, 'gone.onnx');
    lastJson(mnist('train', '--data', gone, '--validation-size', '100', '--epochs', '1', '--hidden', '16', '--out', out, '--json'));
    lastJson(mnist('export', '--checkpoint', out, '--out', goneModel, '--json'));
    rmSync(gone, { recursive: true });
    expectOneLineError(mnist('eval', '--model', goneModel), /gone\.onnx was trained on gone \(.*gone\), which is not there; pass --data with the folder of its test files$/);
  });

  it('scores the export of a checkpoint that records no dataset on MNIST, as before', () => {
    const old = join(work, 'old');
    mkdirSync(old);
    const json = JSON.parse(readFileSync(join(run, 'model.json'), 'utf8'));
    delete json.training.dataset;
    writeFileSync(join(old, 'model.json'), JSON.stringify(json));
    copyFileSync(join(run, 'weights.bin'), join(old, 'weights.bin'));
    const oldModel = join(work, 'old.onnx');
    lastJson(mnist('export', '--checkpoint', old, '--out', oldModel, '--json'));
    expect(readOnnx(readFileSync(oldModel), oldModel).metadata).not.toHaveProperty(METADATA_KEYS.dataset);
    const r = mnist('eval', '--model', oldModel, '--json');
    expect(lastJson(r).n).toBe(10000);
    expect(warnings(r.stderr)).toEqual([]);
  });
});
