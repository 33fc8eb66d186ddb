import { describe, expect, it } from 'vitest';
import { checkLabeledImages, checkSameImageSize, datasetFromIdx, DatasetError, labeledImagesFromIdx, sliceImages, splitValidation, type LabeledImages } from './dataset.js';
import { decodeIdx, encodeIdx } from './idx.js';

// n 1x2 images whose pixels are [i, i] and whose label is i % 10.
function tinySet(n: number): LabeledImages {
  const images = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) images.fill(i, 2 * i, 2 * i + 2);
  return { images, labels: Uint8Array.from({ length: n }, (_, i) => i % 10), count: n, height: 1, width: 2 };
}

describe('splitValidation', () => {
  it('holds out the FIRST images, as the original program', () => {
    const { train, validation } = splitValidation(tinySet(12), 5);
    expect(validation.count).toBe(5);
    expect(Array.from(validation.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(validation.images)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect(train.count).toBe(7);
    expect(Array.from(train.labels)).toEqual([5, 6, 7, 8, 9, 0, 1]);
    expect(train.images[0]).toBe(5);
  });
  it('defaults to 5000', () => {
    const { train, validation } = splitValidation(tinySet(6000));
    expect([validation.count, train.count]).toEqual([5000, 1000]);
  });
  it('refuses a validation set as large as the training set', () => {
    expect(() => splitValidation(tinySet(10))).toThrow(/validationSize must be an integer in \[1, 9\]/);
  });
});

describe('sliceImages', () => {
  it('views a range without copying', () => {
    const set = tinySet(4);
    const s = sliceImages(set, 1, 3);
    expect(s.count).toBe(2);
    expect(Array.from(s.images)).toEqual([1, 1, 2, 2]);
    expect(s.images.buffer).toBe(set.images.buffer);
    expect(() => sliceImages(set, 3, 2)).toThrow(RangeError);
  });
});

describe('checkLabeledImages / labeledImagesFromIdx', () => {
  it('builds a set from IDX arrays', () => {
    const imgs = decodeIdx(encodeIdx({ dtype: 'uint8', shape: [2, 2, 3], data: new Uint8Array(12) }), 'i');
    const labs = decodeIdx(encodeIdx({ dtype: 'uint8', shape: [2], data: new Uint8Array([3, 9]) }), 'l');
    const set = labeledImagesFromIdx(imgs, labs, { images: 'i', labels: 'l' });
    expect([set.count, set.height, set.width]).toEqual([2, 2, 3]);
  });
  it('names the files when counts disagree', () => {
    const imgs = { dtype: 'uint8' as const, shape: [2, 1, 1], data: new Uint8Array(2) };
    const labs = { dtype: 'uint8' as const, shape: [3], data: new Uint8Array(3) };
    expect(() => labeledImagesFromIdx(imgs, labs, { images: 'train-images', labels: 'train-labels' })).toThrow(
      'train-images / train-labels: expected as many labels as images, got 2 images and 3 labels',
    );
  });
  it('names the label file when a label is out of range', () => {
    const set = { ...tinySet(3), labels: new Uint8Array([1, 10, 2]) };
    expect(() => checkLabeledImages(set, { images: 'a', labels: 'b' })).toThrow(DatasetError);
    expect(() => checkLabeledImages(set, { images: 'a', labels: 'b' })).toThrow('b: expected labels in [0, 10), label 1 is 10');
  });
  it('refuses images that are not 3-d bytes', () => {
    const labs = { dtype: 'uint8' as const, shape: [2], data: new Uint8Array(2) };
    expect(() => labeledImagesFromIdx({ dtype: 'uint8', shape: [2, 4], data: new Uint8Array(8) }, labs, { images: 'x', labels: 'y' })).toThrow(
      'x: expected uint8 images [count, height, width], got uint8 [2, 4]',
    );
  });
});

describe('datasetFromIdx / checkSameImageSize', () => {
  const images = (n: number, h: number, w: number) => ({ dtype: 'uint8' as const, shape: [n, h, w], data: new Uint8Array(n * h * w) });
  const labels = (values: number[]) => ({ dtype: 'uint8' as const, shape: [values.length], data: Uint8Array.from(values) });
  const files = (train: [number, number], test: [number, number], testLabels = [1, 2]) => ({
    trainImages: { idx: images(3, ...train), source: 'train-images' },
    trainLabels: { idx: labels([0, 1, 2]), source: 'train-labels' },
    testImages: { idx: images(2, ...test), source: 't10k-images' },
    testLabels: { idx: labels(testLabels), source: 't10k-labels' },
  });

  it('builds both sets when they agree', () => {
    const { train, test } = datasetFromIdx(files([32, 32], [32, 32]));
    expect([train.count, train.height, train.width, test.count]).toEqual([3, 32, 32, 2]);
  });

  it('names both images files when the image sizes differ, even with the same pixel count', () => {
    expect(() => datasetFromIdx(files([1, 1], [28, 28]))).toThrow('train-images / t10k-images: expected images of the same size in both, got 1x1 and 28x28');
    expect(() => datasetFromIdx(files([4, 8], [8, 4]))).toThrow('got 4x8 and 8x4');
  });

  it('holds the test labels to the number of classes', () => {
    expect(() => datasetFromIdx(files([2, 2], [2, 2], [1, 3]), 3)).toThrow('t10k-labels: expected labels in [0, 3), label 1 is 3');
  });

  it('checkSameImageSize passes equal sizes', () => {
    expect(() => checkSameImageSize({ height: 5, width: 6 }, { height: 5, width: 6 }, { first: 'a', second: 'b' })).not.toThrow();
  });
});
