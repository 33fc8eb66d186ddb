import { describe, expect, it } from 'vitest';
import { evalLines, evalReport } from './eval-report.js';

describe('evalReport', () => {
  it('names each class by its label and scores it from the matrix', () => {
    const r = evalReport(0.6, 5, [[2, 1], [1, 1]], ['cat', 'dog']);
    expect(r.perClass).toEqual([
      { label: 'cat', accuracy: 2 / 3, precision: 2 / 3, recall: 2 / 3, support: 3 },
      { label: 'dog', accuracy: 0.5, precision: 0.5, recall: 0.5, support: 2 },
    ]);
  });
  it('falls back to the class number for a missing label', () => {
    expect(evalReport(1, 1, [[1, 0], [0, 0]], []).perClass.map((c) => c.label)).toEqual(['0', '1']);
  });
});

describe('evalLines', () => {
  it('prints the accuracy, a per-class table and the matrix headed by the labels', () => {
    const lines = evalLines(evalReport(0.6, 5, [[2, 1], [1, 1]], ['cat', 'zebra']));
    expect(lines[0]).toBe('Test accuracy: 0.6000 (5 images)');
    expect(lines).toContain('class  accuracy  precision  recall  support');
    expect(lines).toContain('cat      0.6667     0.6667  0.6667        3');
    expect(lines).toContain('true \\ predicted    cat zebra');
    expect(lines).toContain('cat                   2     1');
    expect(lines).toContain('zebra                 1     1');
  });
});
