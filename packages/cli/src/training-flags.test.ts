// The shared training flags: value parsing, --momentum only where it means something, early stopping.
import { describe, expect, it } from 'vitest';
import { CliError, UsageError } from './errors.js';
import { DEFAULT_PATIENCE, earlyStoppingFrom, optimizerFrom, unitRate } from './training-flags.js';

describe('training flags', () => {
  it('unitRate takes [0, 1) and names the flag otherwise', () => {
    expect(unitRate('--dropout')('0')).toBe(0);
    expect(unitRate('--dropout')('0.5')).toBe(0.5);
    for (const bad of ['1', '-0.1', '', 'half', 'NaN']) expect(() => unitRate('--dropout')(bad)).toThrow(UsageError);
    expect(() => unitRate('--dropout')('1.5')).toThrow('--dropout must be a number in [0, 1), got "1.5"');
  });

  it('optimizerFrom applies --momentum to momentum, nesterov and rmsprop only', () => {
    expect(optimizerFrom({}, 'sgd')).toEqual({ name: 'sgd' });
    expect(optimizerFrom({}, 'adagrad')).toEqual({ name: 'adagrad' });
    expect(optimizerFrom({ optimizer: 'nesterov', momentum: 0.95 }, 'sgd')).toEqual({ name: 'nesterov', momentum: 0.95 });
    expect(optimizerFrom({ optimizer: 'rmsprop', momentum: 0.5 }, 'sgd')).toEqual({ name: 'rmsprop', momentum: 0.5 });
    expect(() => optimizerFrom({ momentum: 0.9 }, 'sgd')).toThrow(CliError);
    expect(() => optimizerFrom({ optimizer: 'adam', momentum: 0.9 }, 'sgd')).toThrow('--momentum applies to --optimizer momentum, nesterov or rmsprop, not adam');
  });

  it('earlyStoppingFrom: --patience alone enables it, --early-stopping alone takes the default patience', () => {
    expect(earlyStoppingFrom({})).toBeUndefined();
    expect(earlyStoppingFrom({ earlyStopping: true })).toEqual({ patience: DEFAULT_PATIENCE });
    expect(earlyStoppingFrom({ patience: 3 })).toEqual({ patience: 3 });
    expect(earlyStoppingFrom({ earlyStopping: true, patience: 2 })).toEqual({ patience: 2 });
  });
});
