// `mnist train --classes N` through the compiled bin: the output size over what the labels imply, a
// label at or above N refused naming the file, and --resume held to the checkpoint's classes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSquaresDataset } from './squares-dataset.fixture.js';
import { buildCli, expectOneLineError, lastJson, mnist, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-train-classes-');
beforeAll(buildCli, 300_000);

describe('train --classes', () => {
  // Labels 0..2 only.
  const data = join(work, 'data');
  const out = join(work, 'five');
  const base = ['train', '--data', data, '--validation-size', '60', '--hidden', '8', '--engine', 'tfjs'];
  beforeAll(() => writeSquaresDataset(data, ['train', 't10k'], 300));

  it('sets the output size and labels, which eval --json then reports', () => {
    lastJson(mnist(...base, '--classes', '5', '--epochs', '1', '--out', out, '--json'));
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { modelSpec: { outputSize: number }; labels: string[] };
    expect(model.modelSpec.outputSize).toBe(5);
    expect(model.labels).toEqual(['0', '1', '2', '3', '4']);
    const scored = lastJson(mnist('eval', '--checkpoint', out, '--json')) as { confusionMatrix: number[][] };
    expect(scored.confusionMatrix).toHaveLength(5);
  });

  it('refuses a label at or above N in one line naming the labels file, the label and N', () => {
    expectOneLineError(
      mnist(...base, '--classes', '2', '--out', join(work, 'never')),
      new RegExp(`^mnist: ${join(data, 'train-labels-idx1-ubyte').replace(/[.\\/]/g, '\\$&')}: expected labels in \\[0, 2\\), label \\d+ is 2$`),
    );
    expectOneLineError(mnist(...base, '--classes', '1', '--out', join(work, 'never')), /^mnist: --classes must be an integer from 2 to 256, got "1"$/);
    expectOneLineError(mnist('train', '--estimator', '--classes', '5', '--out', join(work, 'never')), /^mnist: --classes does not apply to --estimator/);
  });

  it('--resume with other classes is refused in one line, as another output size is', () => {
    expectOneLineError(
      mnist(...base, '--classes', '4', '--epochs', '2', '--resume', '--out', out),
      new RegExp(`^mnist: cannot resume ${out.replace(/[.\\/]/g, '\\$&')}: it was trained with --classes 5 \\(now 4\\); pass the same settings or choose another --out$`),
    );
    expect(lastJson(mnist(...base, '--classes', '5', '--epochs', '2', '--resume', '--out', out, '--json')).epochs).toBe(2);
  });
});
