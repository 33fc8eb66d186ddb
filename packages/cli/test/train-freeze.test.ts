// `mnist train --init-from CKPT --freeze LAYERS` through the compiled bin: the frozen layers come out
// bit-identical, the run reports its accuracy, and the flag's misuses are one-line errors naming it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSquaresDataset } from './squares-dataset.fixture.js';
import { buildCli, expectOneLineError, lastJson, mnist, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-train-freeze-');
beforeAll(buildCli, 300_000);

const data = join(work, 'squares');
const source = join(work, 'source');
const flags = ['--data', data, '--validation-size', '60', '--epochs', '1', '--engine', 'onnx'];

/** Each weight's bytes in weights.bin, by name, read by the offsets of model.json's manifest. */
function weightBytes(dir: string): Map<string, Buffer> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
  const bin = readFileSync(join(dir, 'weights.bin'));
  const out = new Map<string, Buffer>();
  let offset = 0;
  for (const w of json.weightsManifest.flatMap((e) => e.weights)) {
    const size = 4 * w.shape.reduce((a, b) => a * b, 1);
    out.set(w.name, bin.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}

describe('train --freeze', () => {
  beforeAll(() => {
    writeSquaresDataset(data, ['train', 't10k'], 300);
    lastJson(mnist('train', ...flags, '--hidden', '8,6', '--out', source, '--json'));
  });

  it('keeps hidden1 bit-identical in weights.bin, trains the rest, reports accuracy and records the frozen layers', () => {
    const out = join(work, 'frozen');
    const result = lastJson(mnist('train', ...flags, '--init-from', source, '--freeze', 'hidden1', '--out', out, '--json'));
    expect(result.testAccuracy).toEqual(expect.any(Number));
    const before = weightBytes(source);
    const after = weightBytes(out);
    for (const name of ['dnn/hidden1/kernel', 'dnn/hidden1/bias']) expect(after.get(name)!.equals(before.get(name)!), name).toBe(true);
    for (const name of ['dnn/hidden2/kernel', 'dnn/outputs/kernel']) expect(after.get(name)!.equals(before.get(name)!), name).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).training.frozen).toEqual(['hidden1']);
  });

  it('reuses the hidden layers of a 10-class checkpoint for --classes 3 under a new output layer, which cannot be frozen', () => {
    const out = join(work, 'three');
    const run = mnist('train', ...flags, '--init-from', source, '--classes', '3', '--freeze', 'hidden1', '--out', out, '--json');
    expect(run.stdout + run.stderr).toContain(`init-from ${source}: hidden layers reused, new output layer for 3 classes (the checkpoint has 10)`);
    expect(lastJson(run).testAccuracy).toEqual(expect.any(Number));
    expect(weightBytes(out).get('dnn/hidden1/kernel')!.equals(weightBytes(source).get('dnn/hidden1/kernel')!)).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).modelSpec.outputSize).toBe(3);
    expectOneLineError(
      mnist('train', ...flags, '--init-from', source, '--classes', '3', '--freeze', 'outputs', '--out', join(work, 'e')),
      /^mnist: --freeze outputs: outputs is a new layer \(3 classes, --init-from .*source has 10\), which cannot be frozen; freeze hidden layers only$/,
    );
  });

  it('refuses --freeze without --init-from, an unknown layer, every layer and an empty name in one line', () => {
    expectOneLineError(
      mnist('train', ...flags, '--freeze', 'hidden1', '--out', join(work, 'a')),
      /^mnist: --freeze hidden1 needs --init-from CHECKPOINT: frozen layers keep another checkpoint's weights \(the layers are hidden1, hidden2, outputs\)$/,
    );
    expectOneLineError(
      mnist('train', ...flags, '--init-from', source, '--freeze', 'hidden3', '--out', join(work, 'b')),
      /^mnist: --freeze hidden3 is an unknown layer "hidden3"; the layers are hidden1, hidden2, outputs$/,
    );
    expectOneLineError(
      mnist('train', ...flags, '--init-from', source, '--freeze', 'hidden1,hidden2,outputs', '--out', join(work, 'c')),
      /^mnist: --freeze hidden1,hidden2,outputs is every layer, which leaves nothing to train; the layers are hidden1, hidden2, outputs$/,
    );
    expectOneLineError(mnist('train', ...flags, '--init-from', source, '--freeze', 'hidden1,', '--out', join(work, 'd')), /^mnist: --freeze must be comma-separated layer names/);
  });
});
