// EMNIST as shipped: its file names (`emnist-letters-train-images-idx3-ubyte.gz`), its transposed images
// and its label sets (letters 1..26 become classes 0..25 named 'a'..'z'), turned into MNIST's layout.
import { DatasetError, type IdxArray } from '@mnist/core';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IdxFileRole } from './mnist-files.js';

// `emnist-<split>-<train|test>-<images-idx3|labels-idx1>-ubyte`, raw or gzipped.
const EMNIST_NAME = /^emnist-([a-z]+)-(train|test)-(images-idx3|labels-idx1)-ubyte(\.gz)?$/;

/** The letters split's 26 class names: EMNIST labels a letter 1..26 (upper and lower case merged). */
export const EMNIST_LETTERS = Object.freeze(Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i)));

/**
 * The EMNIST split (`letters`, `digits`, `balanced`, ...) whose files `dir` holds, or undefined when it
 * holds none. Two splits in one folder are refused in one line (which one to train on is not clear).
 * @example emnistSplit('data/emnist', ['emnist-letters-train-images-idx3-ubyte.gz']) === 'letters'
 */
export function emnistSplit(dir: string, entries: readonly string[]): string | undefined {
  const splits = [...new Set(entries.flatMap((e) => EMNIST_NAME.exec(e)?.[1] ?? []))].sort();
  if (splits.length > 1) {
    throw new DatasetError(dir, `holds EMNIST files of ${splits.length} splits (${splits.join(', ')}), expected one; put each split in its own folder`);
  }
  return splits[0];
}

/**
 * The EMNIST file name of `role` in `split`, without `.gz` (EMNIST says `test` where MNIST says `t10k`).
 * @example emnistFileName('letters', 'testLabels') === 'emnist-letters-test-labels-idx1-ubyte'
 */
export function emnistFileName(split: string, role: IdxFileRole): string {
  const part = { trainImages: 'train-images-idx3', trainLabels: 'train-labels-idx1', testImages: 'test-images-idx3', testLabels: 'test-labels-idx1' }[role];
  return `emnist-${split}-${part}-ubyte`;
}

/**
 * The path of `role`'s EMNIST file in `dir`, raw (preferred) or gzipped, or undefined.
 * @example findEmnistFile('data/emnist', 'letters', 'trainImages', entries) // '.../emnist-letters-train-images-idx3-ubyte.gz'
 */
export function findEmnistFile(dir: string, split: string, role: IdxFileRole, entries: readonly string[]): string | undefined {
  const name = emnistFileName(split, role);
  for (const candidate of [name, `${name}.gz`]) if (entries.includes(candidate)) return join(dir, candidate);
  return undefined;
}

/**
 * Turns an EMNIST images file into MNIST's orientation, in place: EMNIST stores each image transposed
 * (column-major), so a model trained on it and fed upright drawings would see them mirrored and rotated.
 * @example transposeImages(array) // array.data now row-major
 */
export function transposeImages(array: IdxArray): void {
  const [count, height, width] = array.shape;
  if (array.shape.length !== 3 || !(array.data instanceof Uint8Array)) return; // labeledImagesFromIdx refuses it, naming the file
  const image = new Uint8Array(height * width);
  for (let n = 0; n < count; n++) {
    const offset = n * height * width;
    image.set(array.data.subarray(offset, offset + height * width));
    // Stored [width][height]: pixel (row r, column c) is at c * height + r.
    for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) array.data[offset + r * width + c] = image[c * height + r];
  }
}

/**
 * The class names in `emnist-<split>-mapping.txt` when `dir` holds it (EMNIST ships one per split: lines
 * `label ascii-code [ascii-code]`), else undefined. A malformed line is refused in one line naming the file.
 * @example await emnistMapping('data/balanced', 'balanced', entries) // ['0', ..., '9', 'A', ..., 't']
 */
export async function emnistMapping(dir: string, split: string, entries: readonly string[]): Promise<string[] | undefined> {
  const name = `emnist-${split}-mapping.txt`;
  if (!entries.includes(name)) return undefined;
  const path = join(dir, name);
  const names: string[] = [];
  for (const [i, line] of (await readFile(path, 'utf8')).split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const m = /^\s*(\d+)\s+(\d+)(\s+\d+)*\s*$/.exec(line);
    if (!m || Number(m[1]) > 255) throw new DatasetError(path, `expected lines "label ascii-code" with labels below 256, line ${i + 1} is ${JSON.stringify(line)}`);
    names[Number(m[1])] = String.fromCharCode(Number(m[2]));
  }
  return Array.from(names, (n, i) => n ?? String(i));
}

/**
 * The labels of EMNIST `split` as classes from 0, in place, and their names: letters' 1..26 become 0..25
 * named 'a'..'z' (a label 0 is refused, naming the file); any other split keeps its labels. There are
 * `classes` classes (default: 26 for letters, else as many as `mapping` names or the largest label + 1),
 * named by the letters or `mapping` (emnistMapping), else by their index '0', '1', ...; the caller checks
 * the labels against that count.
 * @example emnistClasses('letters', labels, path) // ['a', ..., 'z'], labels now 0..25
 */
export function emnistClasses(split: string, labels: IdxArray, path: string, classes?: number, mapping?: readonly string[]): readonly string[] {
  const data = labels.data;
  if (split === 'letters') {
    for (let i = 0; i < data.length; i++) {
      if (data[i] < 1 || data[i] > 26) throw new DatasetError(path, `expected EMNIST letters labels in [1, 26], label ${i} is ${data[i]}`);
      data[i] -= 1;
    }
    return classes === undefined ? EMNIST_LETTERS : Array.from({ length: classes }, (_, i) => EMNIST_LETTERS[i] ?? String(i));
  }
  let top = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > top) top = data[i];
  return Array.from({ length: classes ?? Math.max(mapping?.length ?? 0, top + 1) }, (_, i) => mapping?.[i] ?? String(i));
}
