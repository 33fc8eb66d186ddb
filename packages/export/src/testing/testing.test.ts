// The shipped test support is deterministic and self-consistent: seeds give the same models and
// images, JSON rows are the raw images scaled, and the reference pass applies the spec's activation.
import { layerNames } from '@mnist/core';
import { describe, expect, it } from 'vitest';
import { argmaxRows10, randomCheckpoint, randomImageRows, randomImages, referenceLogits, rejection, scaled, seededRandom } from './index.js';

describe('@mnist/export/testing', () => {
  it('gives the same stream, weights and images for the same seed, and others for another', () => {
    expect(Array.from({ length: 5 }, seededRandom(3))).toEqual(Array.from({ length: 5 }, seededRandom(3)));
    expect(Array.from({ length: 5 }, seededRandom(3))).not.toEqual(Array.from({ length: 5 }, seededRandom(4)));
    const a = randomCheckpoint([4], 9);
    expect(a.weights.get('dnn/hidden1/kernel')!.values).toEqual(randomCheckpoint([4], 9).weights.get('dnn/hidden1/kernel')!.values);
    expect([...a.weights.keys()]).toEqual(layerNames(a.modelJson.modelSpec).flatMap((l) => [l.kernel, l.bias]));
    expect(randomImages(2, 1)).toEqual(randomImages(2, 1));
  });

  it('writes JSON rows as the raw images over 255', () => {
    const rows = randomImageRows(3, 5);
    const raw = randomImages(3, 5);
    expect(rows).toHaveLength(3);
    expect(rows.flat()).toEqual(Array.from(raw, (b) => b / 255));
    expect(rows.flat().some((v) => v > 0)).toBe(true);
  });

  it('applies the spec activation in the reference pass, so activations give different logits', () => {
    const x = scaled(randomImages(8, 2));
    const relu = referenceLogits(randomCheckpoint([6], 1), x);
    const tanh = referenceLogits(randomCheckpoint([6], 1, { activation: 'tanh' }), x);
    expect(relu).toHaveLength(80);
    expect(tanh).not.toEqual(relu);
    expect(new Set(argmaxRows10(relu)).size).toBeGreaterThan(1);
  });

  it('returns the error a promise rejects with, and fails when it resolves', async () => {
    expect((await rejection(Promise.reject(new RangeError('x must be 1')))).message).toBe('x must be 1');
    await expect(rejection(Promise.resolve(1))).rejects.toThrow('expected the promise to reject, it resolved');
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test: a rejection that is not an Error
    await expect(rejection(Promise.reject('text'))).rejects.toThrow(/rejected with text$/);
  });
});
