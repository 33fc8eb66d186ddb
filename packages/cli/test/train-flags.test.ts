// `mnist train`'s network and optimizer flags through the compiled bin: what they record in the
// checkpoint, that the exported model scores what the checkpoint scores, and the combinations refused.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, expectOneLineError, lastJson, mnist, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-train-flags-');
beforeAll(buildCli, 300_000);

describe('training flags', () => {
  it('train records activation, initializer, optimizer, learning rate, dropout and early stopping in the checkpoint', () => {
    const out = join(work, 'flags');
    // Choices in any letter case, as Keras takes optimizer='Adam'; --lr is --learning-rate.
    const run = mnist('train', '--epochs', '3', '--train-limit', '1000', '--hidden', '32', '--activation', 'ELU', '--initializer', 'He',
      '--optimizer', 'Nesterov', '--momentum', '0.8', '--lr', '0.02', '--dropout', '0.2', '--patience', '1', '--out', out, '--json');
    const r = lastJson(run);
    expect(r).toMatchObject({ steps: expect.any(Number), bestEpoch: expect.any(Number) });
    // Epochs print 1-based (the first epoch is always the best so far); --json keeps the 0-based index.
    expect(run.stderr).toMatch(/^epoch 1\/3: loss \d+\.\d{4}, last-batch accuracy [01]\.\d{4}, validation loss \d+\.\d{4}, validation accuracy [01]\.\d{4}; epoch time \d+\.\d s, total elapsed \d+\.\d s \(best so far\)$/m);
    expect(run.stderr).toMatch(new RegExp(`^epoch ${(r.bestEpoch as number) + 1}/3: .* \\(best so far\\)$`, 'm'));
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(json.modelSpec).toMatchObject({ activation: 'elu', initializer: 'he', hiddenUnits: [32] });
    expect(json.training).toMatchObject({ optimizer: { name: 'nesterov', learningRate: 0.02, params: { momentum: 0.8 } }, dropoutRate: 0.2, earlyStopping: { patience: 1 } });
    // The exported graph carries ELU: ONNX Runtime scores exactly what the checkpoint (tfjs) scores.
    lastJson(mnist('export', '--onnx', '--checkpoint', out, '--json'));
    const fromCheckpoint = lastJson(mnist('eval', '--checkpoint', out, '--json')).accuracy;
    expect(fromCheckpoint).toBe(r.testAccuracy);
    expect(lastJson(mnist('eval', '--model', join(out, 'model.onnx'), '--json')).accuracy).toBe(fromCheckpoint);
  }, 120_000);

  it('refuses flags that do not fit together, with one line and no output directory', () => {
    const out = join(work, 'never');
    expectOneLineError(mnist('train', '--optimizer', 'adam', '--momentum', '0.5', '--out', out), /^mnist: --momentum applies to --optimizer momentum, nesterov or rmsprop, not adam$/);
    expectOneLineError(mnist('train', '--estimator', '--epochs', '3', '--out', out), /--epochs does not apply to --estimator/);
    expectOneLineError(mnist('train', '--dropout', '1', '--out', out), /--dropout must be a number in \[0, 1\), got "1"/);
    expectOneLineError(mnist('train', '--activation', 'swish', '--out', out), /^mnist: --activation must be one of relu, leaky_relu, .*, got "swish"$/);
    expectOneLineError(mnist('train', '--lr', '0.1', '--learning-rate', '0.2', '--out', out), /^mnist: option '--lr <x>' cannot be used with option '--learning-rate <x>'$/);
    expect(existsSync(out)).toBe(false);
  });
});
