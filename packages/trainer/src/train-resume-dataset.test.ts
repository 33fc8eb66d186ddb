// train({ resume }) against the dataset the checkpoint records: other training files are refused in one
// line naming both datasets and pointing to initFrom; the same files in another folder resume (the
// record then says where they are now); a checkpoint without a record resumes as before.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint-io.js';
import { writeToyDataset } from './testing/toy-dataset.js';
import { train, type TrainOptions } from './train.js';

let root: string;
const folder = (name: string) => join(root, name);
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'train-resume-dataset-'));
  for (const [name, seed] of [['toy', 1], ['other', 5]] as const) {
    await mkdir(folder(name));
    await writeToyDataset(folder(name), 'train', 200, seed);
    await writeToyDataset(folder(name), 't10k', 40, 2);
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = (out: string, dataDir: string, extra: Partial<TrainOptions> = {}) =>
  train({ dataDir, out: folder(out), epochs: 1, batchSize: 20, learningRate: 0.1, hiddenUnits: [8], validationSize: 40, seed: 3, engine: 'tfjs', backend: 'cpu', ...extra });

describe('resume and the recorded dataset', () => {
  it('refuses other training files in one line naming both datasets and suggesting initFrom, changing nothing', async () => {
    await run('run', folder('toy'));
    const before = await readFile(join(folder('run'), 'model.json'), 'utf8');
    await expect(run('run', folder('other'), { resume: true, epochs: 2 })).rejects.toThrow(
      new Error(
        `cannot resume ${folder('run')}: it was trained on toy (${folder('toy')}), not on other (${folder('other')}) (other training files); resume with its data, or fine-tune on this data with --init-from ${folder('run')} --out <new folder>`,
      ),
    );
    expect(await readFile(join(folder('run'), 'model.json'), 'utf8')).toBe(before);
  });

  it('resumes on the same files in another folder (moved), recording the new folder', async () => {
    await cp(folder('toy'), folder('moved'), { recursive: true });
    await run('run', folder('moved'), { resume: true, epochs: 2 });
    const { training } = (await loadCheckpoint(folder('run'))).modelJson;
    expect(training.epoch).toBe(2);
    expect(training.dataset).toMatchObject({ name: 'moved', folder: folder('moved') });
  });

  it('resumes a checkpoint that records no dataset (made before the record) on any data, as before', async () => {
    await run('old', folder('toy'));
    const file = join(folder('old'), 'model.json');
    const json = JSON.parse(await readFile(file, 'utf8')) as { training: { dataset?: unknown } };
    delete json.training.dataset;
    await writeFile(file, JSON.stringify(json));
    await run('old', folder('other'), { resume: true, epochs: 2 });
    expect((await loadCheckpoint(folder('old'))).modelJson.training.epoch).toBe(2);
  });
});
