// `mnist train --estimator` through the compiled bin: it fits DNNClassifier with TensorFlow's defaults,
// reports the run, and its checkpoint exports to ONNX unchanged (both runtimes score what it scored).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, lastJson, mnist, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-estimator-');
beforeAll(buildCli, 300_000);

describe('train --estimator', () => {
  const checkpoint = join(work, 'estimator');
  const model = join(work, 'estimator.onnx');
  let result: Record<string, unknown>;
  let stderr: string;

  beforeAll(() => {
    const run = mnist('train', '--estimator', '--steps', '300', '--train-limit', '3000', '--hidden', '64,32', '--out', checkpoint, '--json');
    result = lastJson(run);
    stderr = run.stderr;
    lastJson(mnist('export', '--onnx', '--checkpoint', checkpoint, '--out', model, '--json'));
  }, 180_000);

  it("fits DNNClassifier with TF's defaults and reports the run", () => {
    expect(result).toMatchObject({ estimator: true, steps: 300, epochs: 5, checkpoint });
    expect(result.testAccuracy).toBeGreaterThan(0.85);
    const json = JSON.parse(readFileSync(join(checkpoint, 'model.json'), 'utf8'));
    expect(json.modelSpec).toMatchObject({ hiddenUnits: [64, 32], activation: 'relu', initializer: 'glorot' });
    expect(json.training.optimizer).toMatchObject({ name: 'adagrad', learningRate: 0.05 });
    expect(json.training.testAccuracy).toBe(result.testAccuracy);
  });

  it('prints its epochs as mnist train does: 1-based, out of the epochs its steps take, times labelled', () => {
    // 3000 images in batches of 50: 60 steps an epoch, 300 steps are 5 epochs.
    const lines = stderr.split('\n').filter((l) => l.startsWith('epoch '));
    expect(lines).toHaveLength(5);
    lines.forEach((line, i) =>
      expect(line).toMatch(new RegExp(`^epoch ${i + 1}/5, step ${60 * (i + 1)}/300: loss \\d+\\.\\d{4}, last-batch accuracy [01]\\.\\d{4}(, validation loss \\d+\\.\\d{4}, validation accuracy [01]\\.\\d{4})?; epoch time \\d+\\.\\d s, total elapsed \\d+\\.\\d s$`)),
    );
  });

  it('exports to ONNX unchanged: the model scores what the estimator scored, on both runtimes', () => {
    for (const runtime of ['node', 'web']) {
      expect(lastJson(mnist('eval', '--model', model, '--runtime', runtime, '--json')).accuracy).toBe(result.testAccuracy);
    }
    expect(lastJson(mnist('eval', '--checkpoint', checkpoint, '--json')).accuracy).toBe(result.testAccuracy);
  });
});
