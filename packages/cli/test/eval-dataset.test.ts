// `mnist eval` and `predict` with a checkpoint that records its dataset, through the compiled bin: the
// recorded test files by default (not MNIST), another --data scored with one warning, a folder of only
// test files enough, a recorded folder that is gone refused in one line, an older checkpoint on MNIST.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeIdx } from '@mnist/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, expectOneLineError, lastJson, mnist, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-eval-dataset-');
const data = join(work, 'squares');
const run = join(work, 'run');

// `count` 28x28 images of a bright 4x4 square whose row (of 3) is the label, shifted by `shift`, into
// `dir` as `<set>-images/labels` for each of `sets`.
function writeSquares(dir: string, sets: string[], count: number, shift: number): void {
  mkdirSync(dir, { recursive: true });
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 3;
    const top = 2 + labels[i] * 9;
    const left = 2 + ((i * 7 + shift) % 20);
    for (let y = top; y < top + 4; y++) for (let x = left; x < left + 4; x++) images[i * 784 + y * 28 + x] = 255;
  }
  for (const set of sets) {
    writeFileSync(join(dir, `${set}-images-idx3-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count, 28, 28], data: images }));
    writeFileSync(join(dir, `${set}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count], data: labels }));
  }
}

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning:'));

beforeAll(() => {
  buildCli();
  writeSquares(data, ['train', 't10k'], 300, 0);
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
    writeSquares(other, ['t10k'], 60, 5);
    const r = mnist('eval', '--checkpoint', run, '--data', other, '--json');
    expect(lastJson(r).n).toBe(60);
    expect(warnings(r.stderr)).toEqual([`warning: ${run} was trained on squares (${data}); scoring on ${other}, whose test files differ`]);
    const p = mnist('predict', '--checkpoint', run, '--data', other, '--first', '3', '--json');
    expect(lastJson(p).labels).toEqual([0, 1, 2]);
    expect(warnings(p.stderr)).toHaveLength(1);
  });

  it('gives no warning for a copy of the recorded test files alone in a folder', () => {
    const copy = join(work, 'copy');
    writeSquares(copy, ['t10k'], 300, 0);
    const r = mnist('eval', '--checkpoint', run, '--data', copy, '--json');
    expect(lastJson(r).n).toBe(300);
    expect(warnings(r.stderr)).toEqual([]);
  });

  it('refuses a recorded folder that is gone in one line suggesting --data', () => {
    const gone = join(work, 'gone');
    writeSquares(gone, ['train', 't10k'], 300, 1);
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
