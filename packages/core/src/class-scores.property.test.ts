// classScores and outputKindOfScores on random rows: every kind gives the same probabilities and
// classes as the float64 softmax of the logits behind it, and the probe rule names each kind.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classScores, outputKindOfScores, softmaxRows } from './class-scores.js';

// Rows of K logits, spread wide enough that no row is close to summing to 1 by chance.
const logitRows = fc
  .record({ rows: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 2, max: 12 }) })
  .chain(({ rows, k }) =>
    fc.record({
      rows: fc.constant(rows),
      k: fc.constant(k),
      values: fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: rows * k, maxLength: rows * k }),
    }),
  );

function reference(values: number[], rows: number, k: number): { p: number[]; logp: number[]; classes: number[] } {
  const p: number[] = [];
  const logp: number[] = [];
  const classes: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = values.slice(r * k, (r + 1) * k).map(Math.fround);
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
    for (const v of row) {
      logp.push(v - logSum);
      p.push(Math.exp(v - logSum));
    }
    classes.push(row.indexOf(max));
  }
  return { p, logp, classes };
}

describe('classScores', () => {
  it('gives softmax probabilities and argmax classes for logits, probabilities and log-probabilities alike', () => {
    fc.assert(
      fc.property(logitRows, ({ rows, k, values }) => {
        const expected = reference(values, rows, k);
        const asLogits = classScores(Float32Array.from(values), rows, k, 'logits', true);
        const asProbabilities = classScores(Float32Array.from(expected.p), rows, k, 'probabilities', true);
        const asLogProbabilities = classScores(Float32Array.from(expected.logp), rows, k, 'log-probabilities', true);
        for (const got of [asLogits, asProbabilities, asLogProbabilities]) {
          got.probabilities.forEach((p, i) => expect(Math.abs(p - expected.p[i])).toBeLessThan(1e-6));
        }
        // Ties after rounding to float32 aside, all three pick the reference's class.
        expect([...asLogits.classes]).toEqual(expected.classes);
        // log(p) are valid logits: their softmax is p again.
        const again = softmaxRows(asProbabilities.logits!, rows, k);
        again.forEach((p, i) => expect(Math.abs(p - expected.p[i])).toBeLessThan(1e-6));
        expect(asLogProbabilities.logits).toEqual(Float32Array.from(expected.logp));
      }),
      { seed: 14, numRuns: 200 },
    );
  });

  it('keeps log(0) finite as the logit of a zero probability', () => {
    const { logits } = classScores(Float32Array.of(1, 0), 1, 2, 'probabilities', true);
    expect(logits![0]).toBe(0);
    expect(Number.isFinite(logits![1])).toBe(true);
    expect(softmaxRows(logits!, 1, 2)[1]).toBeLessThan(1e-37);
  });
});

describe('outputKindOfScores', () => {
  it('names probabilities, log-probabilities and logits from their values', () => {
    fc.assert(
      fc.property(logitRows, ({ rows, k, values }) => {
        const { p, logp } = reference(values, rows, k);
        expect(outputKindOfScores(Float32Array.from(p), rows, k)).toBe('probabilities');
        expect(outputKindOfScores(Float32Array.from(logp), rows, k)).toBe('log-probabilities');
        // Shifted off 0 so a row of logits never passes for either.
        expect(outputKindOfScores(Float32Array.from(values, (v) => v + 2 * k), rows, k)).toBe('logits');
      }),
      { seed: 14, numRuns: 200 },
    );
  });

  it('calls a row that fails on one image logits', () => {
    expect(outputKindOfScores(Float32Array.of(0.5, 0.5, 0.2, 0.2), 2, 2)).toBe('logits');
    expect(outputKindOfScores(Float32Array.of(0, -Infinity, -1, -1), 2, 2)).toBe('logits');
    expect(outputKindOfScores(Float32Array.of(0, -Infinity), 1, 2)).toBe('log-probabilities');
  });
});
