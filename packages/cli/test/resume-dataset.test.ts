// `mnist train --resume` against the dataset the checkpoint records, through the compiled bin: other
// training files are one line naming both and suggesting --init-from; the same files moved resume.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSquaresDataset } from './squares-dataset.fixture.js';
import { buildCli, expectOneLineError, lastJson, mnist, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-resume-dataset-');
beforeAll(buildCli, 300_000);

const escape = (s: string) => s.replace(/[.\\/()[\]]/g, '\\$&');

describe('train --resume and the recorded dataset', () => {
  const squares = join(work, 'squares');
  const shifted = join(work, 'shifted');
  const out = join(work, 'run');
  const flags = ['--validation-size', '60', '--hidden', '8', '--engine', 'tfjs', '--out', out];
  beforeAll(() => {
    writeSquaresDataset(squares, ['train', 't10k'], 300);
    writeSquaresDataset(shifted, ['train', 't10k'], 300, 5);
  });

  it('refuses --data with other training files in one line naming both datasets and suggesting --init-from', () => {
    lastJson(mnist('train', '--data', squares, '--epochs', '1', ...flags, '--json'));
    expectOneLineError(
      mnist('train', '--data', shifted, '--epochs', '2', '--resume', ...flags),
      new RegExp(
        `^mnist: cannot resume ${escape(out)}: it was trained on squares \\(${escape(squares)}\\), not on shifted \\(${escape(shifted)}\\) \\(other training files\\); ` +
          `resume with its data, or fine-tune on this data with --init-from ${escape(out)} --out <new folder>$`,
      ),
    );
  });

  it('resumes on the same files in another folder', () => {
    const moved = join(work, 'moved');
    cpSync(squares, moved, { recursive: true });
    expect(lastJson(mnist('train', '--data', moved, '--epochs', '2', '--resume', ...flags, '--json')).epochs).toBe(2);
  });
});
