// The shared training flags: value parsing, choices in any letter case, --lr, --momentum only where it
// means something, early stopping.
import { Command } from 'commander';
import { engineNames } from '@mnist/trainer';
import { describe, expect, it } from 'vitest';
import { CliError, UsageError } from './errors.js';
import { addModelLoadOptions, choice, runtimeOption } from './options.js';
import {
  addLearningRateOptions,
  addTrainingFlags,
  DEFAULT_PATIENCE,
  earlyStoppingFrom,
  engineOption,
  ENGINES,
  learningRateFrom,
  optimizerFrom,
  unitRate,
  validationSizeError,
} from './training-flags.js';

// A command with the shared flags, parsed like the bin parses argv (errors thrown, nothing printed).
function parsed(...args: string[]): Command {
  const command = new Command('train').exitOverride().configureOutput({ writeErr: () => undefined });
  addLearningRateOptions(addModelLoadOptions(addTrainingFlags(command)), 'learning rate', 0.01).addOption(engineOption()).addOption(runtimeOption());
  return command.parse(args, { from: 'user' });
}

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

  it('choice flags take any letter case and keep the canonical value', () => {
    const opts = parsed('--optimizer', 'Adam', '--activation', 'ReLU', '--initializer', 'He', '--engine', 'ONNX', '--runtime', 'Web', '--output-kind', 'Logits').opts();
    expect(opts).toMatchObject({ optimizer: 'adam', activation: 'relu', initializer: 'he', engine: 'onnx', runtime: 'web', outputKind: 'logits' });
    expect(parsed('--activation', 'LEAKY_RELU').opts().activation).toBe('leaky_relu');
  });

  it('an unknown choice is one line naming the flag, the value and every choice', () => {
    expect(() => parsed('--optimizer', 'Adamw')).toThrow('--optimizer must be one of sgd, momentum, nesterov, adagrad, rmsprop, adam, got "Adamw"');
    expect(() => choice('--engine', ENGINES)('gpu')).toThrow(UsageError);
    expect(() => choice('--engine', ENGINES)('gpu')).toThrow('--engine must be one of auto, onnx, tfjs, got "gpu"');
  });

  it("--engine's choices are auto and the trainer's registered engines", () => {
    expect([...ENGINES].sort()).toEqual(['auto', ...engineNames()].sort());
  });

  it('--lr is --learning-rate; the default is not "given"; both at once are refused', () => {
    expect(learningRateFrom(parsed())).toEqual({ learningRate: 0.01, given: false });
    expect(learningRateFrom(parsed('--lr', '0.1'))).toEqual({ learningRate: 0.1, given: true });
    expect(learningRateFrom(parsed('--learning-rate', '0.2'))).toEqual({ learningRate: 0.2, given: true });
    expect(() => parsed('--lr', 'fast')).toThrow('--lr must be a finite positive number, got "fast"');
    expect(() => parsed('--lr', '0.1', '--learning-rate', '0.2')).toThrow(/--lr .*cannot be used with option '--learning-rate/);
  });

  it('validationSizeError: what to pass for a too-big default, the range for a given N, and a set too small for any', () => {
    expect(validationSizeError({ validationSize: 5000, trainingImages: 30 }, false).message).toBe(
      'the training set has 30 images, too few for the default --validation-size 5000; pass --validation-size N with N from 1 to 29 (e.g. 3, a tenth)',
    );
    expect(validationSizeError({ validationSize: 5, trainingImages: 5 }, true).message).toBe(
      '--validation-size must be at most 4 (the training set has 5 images and one at least must remain for training), got 5',
    );
    expect(validationSizeError({ validationSize: 1, trainingImages: 1 }, true).message).toBe(
      'the training set has 1 image: too few to hold out a validation set (--validation-size) and still train',
    );
  });
});
