import { describe, expect, it } from 'vitest';
import { builtInMnistRecord } from './mnist-files.js';
import { readRecordedTestSplit } from './recorded-test-split.js';

const HEX = 'ab'.repeat(32);

describe('readRecordedTestSplit', () => {
  it('refuses a record with no folder whose files are not MNIST (trained from a URL), rather than scoring MNIST', async () => {
    const record = { name: 'fashion', sha256: { trainImages: HEX, trainLabels: HEX, testImages: HEX, testLabels: HEX } };
    await expect(readRecordedTestSplit(record, 'page-run')).rejects.toThrow(
      'page-run was trained on fashion, which has no folder here (read over HTTP?); pass --data with the folder of its test files',
    );
  });

  it("reads the built-in MNIST for MNIST's own record, which has no folder", async () => {
    const { test, dataDir } = await readRecordedTestSplit(builtInMnistRecord(), 'checkpoints/dnn');
    expect([test.count, dataDir]).toEqual([10000, undefined]);
  });
});
