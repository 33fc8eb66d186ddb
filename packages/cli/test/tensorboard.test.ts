// `mnist train --epochs 2 --logdir DIR` through the compiled bin: one run folder per run, its event
// file read back by the independent Python reader (its own CRC-32C and protobuf decoding), which
// checks the framing and both CRCs of every record; tags, steps and values match the checkpoint.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeIdx } from '@mnist/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, expectOneLineError, lastJson, mnist, repoRoot, scratchDir } from './mnist-bin.fixture.js';

const work = scratchDir('mnist-tensorboard-');
const reader = join(repoRoot, 'packages', 'trainer', 'src', 'testing', 'read_tfevents.py');
beforeAll(buildCli, 300_000);

interface Event {
  step: number;
  file_version?: string;
  scalars: Record<string, number>;
}

function readEvents(file: string): { file_version: string; events: Event[] } {
  const r = spawnSync('/usr/bin/python3', [reader, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`reader: ${r.stderr}`);
  return JSON.parse(r.stdout) as { file_version: string; events: Event[] };
}

// 8x8 images, the row half (0 or 1) of a bright pixel as label: learnable in a few steps.
function writeSmallDataset(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  const images = new Uint8Array(count * 64);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const hot = (i * 37) % 64;
    images[i * 64 + hot] = 255;
    labels[i] = hot < 32 ? 0 : 1;
  }
  for (const set of ['train', 't10k']) {
    writeFileSync(join(dir, `${set}-images-idx3-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count, 8, 8], data: images }));
    writeFileSync(join(dir, `${set}-labels-idx1-ubyte`), encodeIdx({ dtype: 'uint8', shape: [count], data: labels }));
  }
}

describe('mnist train --logdir', () => {
  const data = join(work, 'data');
  const logdir = join(work, 'logs');
  beforeAll(() => writeSmallDataset(data, 300));
  // 200 training images after the 100 held out, batches of 20: 10 steps an epoch.
  const args = (out: string) => ['train', '--data', data, '--validation-size', '100', '--batch-size', '20', '--hidden', '8', '--epochs', '2', '--out', join(work, out), '--logdir', logdir, '--log-every', '3', '--lr', '0.1'];

  it('writes an event file the independent reader accepts, matching the checkpoint history; each run its own folder', () => {
    const r = mnist(...args('first'), '--json');
    expect(lastJson(r).epochs).toBe(2);
    expect(r.stderr).toMatch(/TensorBoard log: .*logs.*tensorboard --logdir/);
    const runs = readdirSync(logdir);
    expect(runs).toHaveLength(1);
    const files = readdirSync(join(logdir, runs[0]));
    expect(files).toEqual([expect.stringMatching(/^events\.out\.tfevents\.\d{10}\.[^.].*$/)]);
    const { file_version, events } = readEvents(join(logdir, runs[0], files[0]));
    expect(file_version).toBe('brain.Event:2');
    expect(events[0]).toMatchObject({ step: 0, file_version: 'brain.Event:2', scalars: {} });
    const batch = events.filter((e) => 'batch/loss' in e.scalars);
    expect(batch.map((e) => e.step)).toEqual([3, 6, 9, 12, 15, 18]);
    const history = (JSON.parse(readFileSync(join(work, 'first', 'model.json'), 'utf8')) as {
      training: { history: { loss: number; batchAccuracy: number; validationAccuracy: number; valLoss: number }[] };
    }).training.history;
    const epochs = events.filter((e) => 'epoch/loss' in e.scalars);
    expect(epochs.map((e) => e.step)).toEqual([1, 2]);
    epochs.forEach((e, i) =>
      expect(e.scalars).toEqual({
        'epoch/loss': Math.fround(history[i].loss),
        'epoch/batch_accuracy': Math.fround(history[i].batchAccuracy),
        'epoch/val_loss': Math.fround(history[i].valLoss),
        'epoch/val_accuracy': Math.fround(history[i].validationAccuracy),
        'epoch/learning_rate': Math.fround(0.1),
      }),
    );

    mnist(...args('second'));
    expect(readdirSync(logdir)).toHaveLength(2);
  });

  it('bad log flags are one line naming the flag or the file', () => {
    expectOneLineError(mnist('train', '--data', data, '--log-every', '5', '--out', join(work, 'never')), /^mnist: --log-every needs --logdir DIR/);
    expectOneLineError(mnist('train', '--data', data, '--logdir', logdir, '--log-every', '0', '--out', join(work, 'never')), /^mnist: --log-every must be a positive integer, got "0"$/);
    writeFileSync(join(work, 'a-file'), '');
    expectOneLineError(
      mnist('train', '--data', data, '--validation-size', '100', '--epochs', '1', '--logdir', join(work, 'a-file'), '--out', join(work, 'never')),
      /^mnist: cannot write TensorBoard log .*a-file: it is a file, and TensorBoard logs go into a folder$/,
    );
  });
});
