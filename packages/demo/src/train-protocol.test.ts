// The training page's protocol helpers, in Node: the form read into settings (one-line errors naming the
// field), the ETA, transfer lists and buffers, and error lines.
import { describe, expect, it } from 'vitest';
import { OPTIMIZER_NAMES } from '@mnist/trainer/browser';
import { errorLine, etaSeconds, ownBuffer, parseTrainForm, transferList, type TrainForm } from '../page/train-protocol.ts';

const form = (overrides: Partial<TrainForm> = {}): TrainForm => ({ hidden: '300,100', epochs: '1', learningRate: '0.01', optimizer: 'sgd', seed: '42', ...overrides });

describe('parseTrainForm', () => {
  it("reads the page's defaults into the trainer's options, and ?limit= into trainLimit", () => {
    expect(parseTrainForm(form(), OPTIMIZER_NAMES)).toEqual({ hiddenUnits: [300, 100], epochs: 1, learningRate: 0.01, optimizer: 'sgd', seed: 42 });
    expect(parseTrainForm(form({ hidden: ' 64 ', epochs: '3', optimizer: 'adam', seed: '0', limit: '2000' }), OPTIMIZER_NAMES)).toEqual({
      hiddenUnits: [64],
      epochs: 3,
      learningRate: 0.01,
      optimizer: 'adam',
      seed: 0,
      trainLimit: 2000,
    });
    expect(parseTrainForm(form({ limit: null }), OPTIMIZER_NAMES)).not.toHaveProperty('trainLimit');
  });

  it('refuses bad fields in one line naming the field, what it holds and what is expected', () => {
    const cases: Array<[Partial<TrainForm>, string]> = [
      [{ hidden: '300,,100' }, 'hidden layers must be comma-separated unit counts from 1 to 4096 (e.g. 300,100), got "300,,100"'],
      [{ hidden: '' }, 'hidden layers must be comma-separated unit counts from 1 to 4096 (e.g. 300,100), got ""'],
      [{ hidden: '0' }, 'hidden layers must be comma-separated unit counts from 1 to 4096 (e.g. 300,100), got "0"'],
      [{ epochs: '1.5' }, 'epochs must be an integer from 1 to 1000, got "1.5"'],
      [{ epochs: '0' }, 'epochs must be an integer from 1 to 1000, got "0"'],
      [{ learningRate: 'fast' }, 'learning rate must be a positive number (e.g. 0.01), got "fast"'],
      [{ learningRate: '-1' }, 'learning rate must be a positive number (e.g. 0.01), got "-1"'],
      [{ optimizer: 'lbfgs' }, `optimizer must be one of ${OPTIMIZER_NAMES.join(', ')}, got "lbfgs"`],
      [{ seed: '-3' }, 'seed must be an integer from 0 to 2147483647, got "-3"'],
      [{ limit: 'ten' }, 'limit (the ?limit= query) must be an integer from 1 to 1000000, got "ten"'],
    ];
    for (const [overrides, message] of cases) expect(() => parseTrainForm(form(overrides), OPTIMIZER_NAMES)).toThrow(new RangeError(message));
  });
});

describe('etaSeconds', () => {
  it('extrapolates the pace so far over the steps left, and has no estimate before the first step', () => {
    expect(etaSeconds(250, 1100, 2.5)).toBeCloseTo(8.5, 10);
    expect(etaSeconds(1100, 1100, 11)).toBe(0);
    expect(etaSeconds(0, 1100, 1)).toBeUndefined();
  });
});

describe('transfer buffers', () => {
  it("gives a view's own bytes as a buffer, without copying a view that is its whole buffer", () => {
    const whole = Uint8Array.of(1, 2, 3);
    expect(ownBuffer(whole)).toBe(whole.buffer);
    const view = new Uint8Array(Uint8Array.of(9, 1, 2, 3, 9).buffer, 1, 3);
    expect([...new Uint8Array(ownBuffer(view))]).toEqual([1, 2, 3]);
    const files = { modelJson: new ArrayBuffer(1), weightsBin: new ArrayBuffer(2), onnx: new ArrayBuffer(3) };
    expect(transferList(files)).toEqual([files.modelJson, files.weightsBin, files.onnx]);
    expect(transferList(undefined)).toEqual([]);
  });

  it('keeps only the first line of an error', () => {
    expect(errorLine(new Error('dataset: HTTP 404\n    at fetch'))).toBe('dataset: HTTP 404');
    expect(errorLine('plain')).toBe('plain');
  });
});
