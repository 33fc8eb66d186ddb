// `mnist eval` and `predict` with a checkpoint that records its dataset, through the compiled bin: the
// recorded test files by default (not MNIST), another --data scored with one warning, a folder of only
// test files enough, a recorded folder that is gone refused in one line, an older checkpoint on MNIST.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSquaresDataset } from './squares-dataset.fixture.js';
import { buildCli, expectOneLineError, lastJson, mnist, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-eval-dataset-');
const data = join(work, 'squares');
const run = join(work, 'run');

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning:'));

beforeAll(() => {
  buildCli();
  writeSquaresDataset(data, ['train', 't10k'], 300, 0);
  lastJson(mnist('train', '--data', data, '--validation-size', '100', '--epochs', '1', '--hidden', '16', '--out', run, '--json'));
}, 300_000);

describe('eval --checkpoint and the dataset it was trained on', () => {
  it('scores on the recorded dataset without --data, with no warning', () => {
    const r = mnist('eval', '--checkpoint', run, '--json');
    expect(lastJson(r).n).toBe(300);
    expect(warnings(r.stderr)).toEqual([]);
  });

  it('scores another --data as asked, with one warning naming both; a folder of only test files will do', () => {
    const other = join(work, 'other');
    writeSquaresDataset(other, ['t10k'], 60, 5);
    const r = mnist('eval', '--checkpoint', run, '--data', other, '--json');
    expect(lastJson(r).n).toBe(60);
    expect(warnings(r.stderr)).toEqual([`warning: ${run} was trained on squares (${data}); scoring on ${other}, whose test files differ`]);
    const p = mnist('predict', '--checkpoint', run, '--data', other, '--first', '3', '--json');
    expect(lastJson(p).labels).toEqual([0, 1, 2]);
    expect(warnings(p.stderr)).toHaveLength(1);
  });

  it('gives no warning for a copy of the recorded test files alone in a folder', () => {
    const copy = join(work, 'copy');
    writeSquaresDataset(copy, ['t10k'], 300, 0);
    const r = mnist('eval', '--checkpoint', run, '--data', copy, '--json');
    expect(lastJson(r).n).toBe(300);
    expect(warnings(r.stderr)).toEqual([]);
  });

  it('refuses a recorded folder that is gone in one line suggesting --data', () => {
    const gone = join(work, 'gone');
    writeSquaresDataset(gone, ['train', 't10k'], 300, 1);
    const out = join(work, 'gone-run');
    lastJson(mnist('train', '--data', gone, '--validation-size', '100', '--epochs', '1', '--hidden', '16', '--out', out, '--json'));
    rmSync(gone, { recursive: true });
    expectOneLineError(mnist('eval', '--checkpoint', out), /was trained on gone \(.*gone\), which is not there; pass --data with the folder of its test files$/);
  });

  it('scores a checkpoint that records no dataset on MNIST', () => {
    const old = join(work, 'old');
    mkdirSync(old);
    const json = JSON.parse(readFileSync(join(run, 'model.json'), 'utf8'));
    delete json.training.dataset;
    writeFileSync(join(old, 'model.json'), JSON.stringify(json));
    copyFileSync(join(run, 'weights.bin'), join(old, 'weights.bin'));
    const r = mnist('eval', '--checkpoint', old, '--json');
    expect(lastJson(r).n).toBe(10000);
    expect(warnings(r.stderr)).toEqual([]);
  });
});
