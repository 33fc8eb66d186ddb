// `--validation-size N` through the compiled bin on a dataset smaller than the default 5000-image
// validation set: the default says what to pass, a bad N names the flag and the range, a good N trains.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSquaresDataset } from './squares-dataset.fixture.js';
import { buildCli, expectOneLineError, lastJson, mnist, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-validation-size-');
beforeAll(buildCli, 300_000);

describe('train --validation-size', () => {
  const data = join(work, 'data');
  beforeAll(() => writeSquaresDataset(data, ['train', 't10k'], 1000));

  it('the default 5000 on 1000 images says in one line what to pass', () => {
    expectOneLineError(
      mnist('train', '--data', data, '--epochs', '1', '--out', join(work, 'never')),
      /^mnist: the training set has 1000 images, too few for the default --validation-size 5000; pass --validation-size N with N from 1 to 999 \(e\.g\. 100, a tenth\)$/,
    );
    expectOneLineError(mnist('train', '--estimator', '--data', data, '--steps', '1', '--out', join(work, 'never')), /too few for the default --validation-size 5000/);
  });

  it('an N that leaves no training image names the flag and the range from the training set', () => {
    expectOneLineError(
      mnist('train', '--data', data, '--validation-size', '1000', '--out', join(work, 'never')),
      /^mnist: --validation-size must be at most 999 \(the training set has 1000 images and one at least must remain for training\), got 1000$/,
    );
    expectOneLineError(mnist('train', '--data', data, '--validation-size', '0', '--out', join(work, 'never')), /^mnist: --validation-size must be a positive integer, got "0"$/);
  });

  it('a fitting N trains with that validation set and records it in the checkpoint', () => {
    const out = join(work, 'trained');
    const r = lastJson(mnist('train', '--data', data, '--validation-size', '200', '--epochs', '1', '--hidden', '16', '--out', out, '--json'));
    expect(r.epochs).toBe(1);
    const training = (JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { training: { validationSize: number; step: number } }).training;
    // 800 training images in batches of 50: 16 steps.
    expect(training).toMatchObject({ validationSize: 200, step: 16 });
  });
});
