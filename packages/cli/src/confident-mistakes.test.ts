import { describe, expect, it } from 'vitest';
import { confidentMistakes } from './confident-mistakes.js';

describe('confidentMistakes', () => {
  it('keeps only misclassified images, surest first, ties by index, at most top', () => {
    // Rows of logits over 2 classes; labels all 0.
    const logits = new Float32Array([5, 0, 0, 3, 0, 1, 0, 3, 0, 1]);
    const labels = new Uint8Array([0, 0, 0, 0, 0]);
    const all = confidentMistakes(logits, labels, 2, 10);
    expect(all.map((m) => m.index)).toEqual([1, 3, 2, 4]);
    expect(all[0]).toMatchObject({ label: 0, predicted: 1 });
    expect(all[0].probability).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
    expect(confidentMistakes(logits, labels, 2, 2).map((m) => m.index)).toEqual([1, 3]);
    expect(confidentMistakes(logits, labels, 2, 0)).toEqual([]);
  });
});
