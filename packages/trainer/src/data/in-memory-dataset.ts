// A dataset given to `train` as arrays in memory (Keras' `fit(x, y)`): its checks, with one-line errors
// naming the field, and the checkpoint record (training.dataset) that says it came from no folder.
import { checkLabeledImages, encodeIdx, type DatasetRecord, type LabeledImages, type MnistDataset } from '@mnist/core';
import { sha256Hex } from '../platform/sha256.js';

/** The name recorded for a dataset given as arrays (no folder is recorded, so eval needs --data). */
export const IN_MEMORY_DATASET = 'in-memory';

/** One set as arrays: row-major image bytes (count x rows x cols) and one integer label per image. */
export interface InMemorySet {
  images: LabeledImages['images'];
  labels: LabeledImages['labels'] | Int32Array;
}

/** `train`'s `data`: a training set (validation is cut from its head) and a test set, of one image shape. */
export interface InMemoryDataset {
  train: InMemorySet;
  test: InMemorySet;
  /** Rows x cols of every image, default [28, 28]. */
  imageShape?: [number, number];
}

/**
 * Checks `data` and returns it as the dataset a folder would give: images Uint8Array of whole
 * `imageShape` images, as many integer labels in [0, nClasses). Throws a one-line error naming the field.
 * @example const { train, test } = inMemoryDataset({ train: { images, labels }, test: { images: ti, labels: tl } });
 */
export function inMemoryDataset(data: InMemoryDataset, nClasses = 10): MnistDataset {
  if (typeof data !== 'object' || data === null) throw new TypeError(`data must be { train: { images, labels }, test: { images, labels } }, got ${String(data)}`);
  const shape = data.imageShape ?? [28, 28];
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new RangeError(`data.imageShape must be [rows, cols] of positive integers, got ${JSON.stringify(shape)}`);
  }
  const set = (field: 'train' | 'test'): LabeledImages => {
    const given = data[field];
    if (typeof given !== 'object' || given === null) throw new TypeError(`data.${field} must be { images, labels }, got ${String(given)}`);
    const { images, labels } = given;
    if (!(images instanceof Uint8Array)) {
      throw new TypeError(`data.${field}.images must be a Uint8Array of pixel bytes (0-255), got ${describe(images)}`);
    }
    if (!(labels instanceof Uint8Array || labels instanceof Int32Array)) {
      throw new TypeError(`data.${field}.labels must be a Uint8Array or Int32Array of class indices, got ${describe(labels)}`);
    }
    const pixels = shape[0] * shape[1];
    if (images.length === 0 || images.length % pixels !== 0) {
      throw new RangeError(`data.${field}.images has ${images.length} values, expected a non-zero multiple of ${pixels} (${shape[0]}x${shape[1]} images)`);
    }
    const count = images.length / pixels;
    if (labels.length !== count) throw new RangeError(`data.${field}.labels has ${labels.length} labels, expected ${count} (one per image of data.${field}.images)`);
    for (let i = 0; i < count; i++) {
      if (!(labels[i] >= 0 && labels[i] < nClasses)) throw new RangeError(`data.${field}.labels[${i}] is ${labels[i]}, expected a class in [0, ${nClasses})`);
    }
    // Checked above: the invariants hold, so this only normalizes the labels to bytes.
    const bytes = labels instanceof Uint8Array ? labels : Uint8Array.from(labels);
    return checkLabeledImages({ images, labels: bytes, count, height: shape[0], width: shape[1] }, { images: `data.${field}.images`, labels: `data.${field}.labels` }, nClasses);
  };
  // One imageShape for both sets: train and test cannot differ in size.
  return { train: set('train'), test: set('test') };
}

/**
 * The checkpoint's record of an in-memory dataset: name `in-memory`, no folder, and the SHA-256 of each
 * set as its IDX file would hold it, so `eval --data` on a folder of the same data finds it the same.
 * @example const record = await inMemoryRecord(inMemoryDataset(data)); record.folder === undefined
 */
export async function inMemoryRecord(dataset: MnistDataset): Promise<DatasetRecord> {
  const digest = async (set: LabeledImages) => ({
    images: await sha256Hex(encodeIdx({ dtype: 'uint8', shape: [set.count, set.height, set.width], data: set.images })),
    labels: await sha256Hex(encodeIdx({ dtype: 'uint8', shape: [set.count], data: set.labels })),
  });
  const train = await digest(dataset.train);
  const test = await digest(dataset.test);
  return { name: IN_MEMORY_DATASET, sha256: { trainImages: train.images, trainLabels: train.labels, testImages: test.images, testLabels: test.labels } };
}

/**
 * True when a checkpoint's record says it was trained on arrays in memory (nothing on disk to score on).
 * @example if (isInMemoryRecord(checkpoint.modelJson.training.dataset)) throw new Error('pass --data');
 */
export function isInMemoryRecord(record: DatasetRecord | undefined): boolean {
  return record !== undefined && record.name === IN_MEMORY_DATASET && record.folder === undefined;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return value.constructor?.name ?? 'an object';
  return typeof value;
}
