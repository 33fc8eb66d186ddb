// Labeled image sets as bytes (MNIST and any dataset in its IDX layout), their validation (each set, and
// training against test), and the original program's split: the first 5000 training images validate.
import type { IdxArray } from './idx.js';
import { SourcedError } from './sourced-error.js';

/** Images `[count, height, width]` as row-major bytes, with one byte label per image. */
export interface LabeledImages {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

/** A dataset in the MNIST layout: a training set and a test set. */
export interface MnistDataset {
  train: LabeledImages;
  test: LabeledImages;
}

/** The original program holds out this many leading training images for validation. */
export const DEFAULT_VALIDATION_SIZE = 5000;

/** Images and labels that do not fit together; the message names the file(s). */
export class DatasetError extends SourcedError {
  override readonly name = 'DatasetError';
}

/**
 * Builds a labeled set from decoded IDX images `[n, h, w]` and labels `[n]` (both uint8), checking
 * that the counts agree and every label is below `nClasses`. Errors name the offending file.
 * @example const train = labeledImagesFromIdx(decodeIdx(img, imgName), decodeIdx(lab, labName), { images: imgName, labels: labName });
 */
export function labeledImagesFromIdx(
  images: IdxArray,
  labels: IdxArray,
  sources: { images: string; labels: string },
  nClasses = 10,
): LabeledImages {
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new DatasetError(sources.images, `expected uint8 images [count, height, width], got ${images.dtype} [${images.shape.join(', ')}]`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new DatasetError(sources.labels, `expected uint8 labels [count], got ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  const [count, height, width] = images.shape;
  return checkLabeledImages(
    { images: images.data as Uint8Array, labels: labels.data as Uint8Array, count, height, width },
    sources,
    nClasses,
  );
}

/** One decoded file of a dataset and the name its errors give it (a path). */
export interface NamedIdx {
  idx: IdxArray;
  source: string;
}

/**
 * Builds a dataset from its four decoded files: each images/labels pair as `labeledImagesFromIdx`
 * checks it (counts agree, labels below `nClasses`), and the training and test images must have the
 * same size, rows x cols, else a model would train on one size and be scored on another. Errors name
 * the file, or the two files that disagree.
 * @example const { train, test } = datasetFromIdx({ trainImages, trainLabels, testImages, testLabels });
 */
export function datasetFromIdx(
  files: { trainImages: NamedIdx; trainLabels: NamedIdx; testImages: NamedIdx; testLabels: NamedIdx },
  nClasses = 10,
): MnistDataset {
  const pair = (images: NamedIdx, labels: NamedIdx) => labeledImagesFromIdx(images.idx, labels.idx, { images: images.source, labels: labels.source }, nClasses);
  const train = pair(files.trainImages, files.trainLabels);
  const test = pair(files.testImages, files.testLabels);
  checkSameImageSize(train, test, { first: files.trainImages.source, second: files.testImages.source });
  return { train, test };
}

/**
 * Throws a DatasetError naming both sources when two sets' images differ in rows x cols.
 * @example checkSameImageSize(train, test, { first: 'train-images-idx3-ubyte', second: 't10k-images-idx3-ubyte' });
 */
export function checkSameImageSize(
  first: Pick<LabeledImages, 'height' | 'width'>,
  second: Pick<LabeledImages, 'height' | 'width'>,
  sources: { first: string; second: string },
): void {
  if (first.height !== second.height || first.width !== second.width) {
    throw new DatasetError(
      `${sources.first} / ${sources.second}`,
      `expected images of the same size in both, got ${first.height}x${first.width} and ${second.height}x${second.width}`,
    );
  }
}

/**
 * Checks a labeled set's invariants: `count` images of `height * width` bytes, `count` labels, each
 * label in [0, nClasses). Returns the set; throws DatasetError naming the files otherwise.
 * @example checkLabeledImages(set, { images: 'train-images', labels: 'train-labels' });
 */
export function checkLabeledImages(
  set: LabeledImages,
  sources: { images: string; labels: string } = { images: 'images', labels: 'labels' },
  nClasses = 10,
): LabeledImages {
  if (!Number.isInteger(nClasses) || nClasses < 1 || nClasses > 256) {
    throw new RangeError(`nClasses must be an integer in [1, 256], got ${nClasses}`);
  }
  const { count, height, width } = set;
  if (![count, height, width].every((n) => Number.isInteger(n) && n >= 0)) {
    throw new DatasetError(sources.images, `expected non-negative integer count, height and width, got ${count}, ${height}, ${width}`);
  }
  if (set.images.length !== count * height * width) {
    throw new DatasetError(sources.images, `expected ${count} images of ${height}x${width} bytes, got ${set.images.length} bytes`);
  }
  if (set.labels.length !== count) {
    throw new DatasetError(
      `${sources.images} / ${sources.labels}`,
      `expected as many labels as images, got ${count} images and ${set.labels.length} labels`,
    );
  }
  for (let i = 0; i < count; i++) {
    if (set.labels[i] >= nClasses) {
      throw new DatasetError(sources.labels, `expected labels in [0, ${nClasses}), label ${i} is ${set.labels[i]}`);
    }
  }
  return set;
}

/**
 * The images `start` (inclusive) to `end` (exclusive), as views sharing the set's bytes.
 * @example const first20 = sliceImages(test, 0, 20);
 */
export function sliceImages(set: LabeledImages, start: number, end: number): LabeledImages {
  if (!Number.isInteger(start) || start < 0 || start > set.count) {
    throw new RangeError(`start must be an integer in [0, ${set.count}], got ${start}`);
  }
  if (!Number.isInteger(end) || end < start || end > set.count) {
    throw new RangeError(`end must be an integer in [${start}, ${set.count}], got ${end}`);
  }
  const pixels = set.height * set.width;
  return {
    images: set.images.subarray(start * pixels, end * pixels),
    labels: set.labels.subarray(start, end),
    count: end - start,
    height: set.height,
    width: set.width,
  };
}

/**
 * Splits off the FIRST `validationSize` training images as the validation set, as the original
 * program does (`X_valid, X_train = X_train[:5000], X_train[5000:]`).
 * @example const { train, validation } = splitValidation(mnist.train); // 55000 and 5000
 */
export function splitValidation(
  train: LabeledImages,
  validationSize = DEFAULT_VALIDATION_SIZE,
): { train: LabeledImages; validation: LabeledImages } {
  if (!Number.isInteger(validationSize) || validationSize < 1 || validationSize >= train.count) {
    throw new RangeError(`validationSize must be an integer in [1, ${train.count - 1}] (fewer than the ${train.count} training images), got ${validationSize}`);
  }
  return {
    validation: sliceImages(train, 0, validationSize),
    train: sliceImages(train, validationSize, train.count),
  };
}
