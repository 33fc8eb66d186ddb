// The model and optimizer flags that `mnist train` and `mnist tune` share: activation, initializer,
// optimizer and its momentum, dropout, early stopping; parsed and checked in one place.
import { Option, type Command } from 'commander';
import { ACTIVATIONS, DEFAULT_VALIDATION_SIZE, INITIALIZERS, type Activation, type Initializer } from '@mnist/core';
import { CliError, UsageError } from './errors.js';
import { choiceOption, positiveInteger, positiveNumber } from './options.js';

/** The optimizers of the trainer (kept here so `--help` needs no TensorFlow.js import). */
export const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'] as const;
export type OptimizerFlag = (typeof OPTIMIZERS)[number];

/** Default patience of `--early-stopping` without `--patience`. */
export const DEFAULT_PATIENCE = 5;

/**
 * Parses a rate in [0, 1) (a dropout rate).
 * @example unitRate('--dropout')('0.5') === 0.5
 */
export function unitRate(flag: string): (value: string) => number {
  return (value) => {
    const n = value.trim() === '' ? NaN : Number(value);
    if (!Number.isFinite(n) || n < 0 || n >= 1) throw new UsageError(flag, 'a number in [0, 1)', value);
    return n;
  };
}

/** `--activation`. */
export const activationOption = (): Option => choiceOption('--activation <name>', 'hidden-layer activation', ACTIVATIONS);

/** `--initializer`. */
export const initializerOption = (): Option =>
  choiceOption('--initializer <name>', 'kernel initializer (truncated_normal: the original stddev 2/sqrt(fan_in))', INITIALIZERS);

/** `--optimizer`. */
export const optimizerOption = (): Option => choiceOption('--optimizer <name>', 'optimizer, with TensorFlow 1 update rules', OPTIMIZERS);

/** The training engines (kept here so `--help` needs no trainer import; a test checks them against the trainer's registry). */
export const ENGINES = ['auto', 'onnx', 'tfjs'] as const;

/** `--engine`: the trainer picks the fastest that loads unless given. */
export const engineOption = (description = 'training engine (default auto: the fastest that loads)'): Option => choiceOption('--engine <name>', description, ENGINES);

/**
 * `--learning-rate` and its short alias `--lr` (as PyTorch and Keras scripts spell it); giving both is
 * refused. Read the value with {@link learningRateFrom}.
 * @example addLearningRateOptions(command, 'learning rate', 0.01);
 */
export function addLearningRateOptions(command: Command, description: string, fallback: number): Command {
  return command
    .addOption(new Option('--learning-rate <x>', `${description} (alias --lr)`).argParser(positiveNumber('--learning-rate')).default(fallback))
    .addOption(new Option('--lr <x>', 'same as --learning-rate').argParser(positiveNumber('--lr')).conflicts('learningRate'));
}

/**
 * The learning rate `--learning-rate` or `--lr` gave, and whether either was on the command line.
 * @example const { learningRate, given } = learningRateFrom(cmd);
 */
export function learningRateFrom(command: Command): { learningRate: number; given: boolean } {
  if (command.getOptionValueSource('lr') === 'cli') return { learningRate: command.getOptionValue('lr') as number, given: true };
  return { learningRate: command.getOptionValue('learningRate') as number, given: command.getOptionValueSource('learningRate') === 'cli' };
}

/** `--momentum`. */
export const momentumOption = (): Option =>
  new Option('--momentum <x>', 'momentum of --optimizer momentum, nesterov (default 0.9) or rmsprop (default 0)').argParser(unitRate('--momentum'));

/** `--dropout`. */
export const dropoutOption = (): Option => new Option('--dropout <rate>', 'dropout rate on hidden layers while training (default 0)').argParser(unitRate('--dropout'));

/** `--early-stopping`. */
export const earlyStoppingOption = (): Option =>
  new Option('--early-stopping', `stop when validation accuracy has not improved for --patience epochs (default ${DEFAULT_PATIENCE}); keep the best epoch`);

/** `--patience N` (implies --early-stopping). */
export const patienceOption = (): Option =>
  new Option('--patience <n>', 'epochs without improvement before early stopping (implies --early-stopping)').argParser(positiveInteger('--patience'));

/** `--validation-size N`: the leading training images held out and scored every epoch. */
export const validationSizeOption = (): Option =>
  new Option('--validation-size <n>', 'leading training images held out for validation, scored every epoch').argParser(positiveInteger('--validation-size')).default(DEFAULT_VALIDATION_SIZE);

/**
 * The one-line message for a `--validation-size` that leaves no training image, once the trainer knows
 * the training set's size; when the user gave no flag (the default is too big for a small dataset),
 * it says what to pass.
 * @example validationSizeError({ validationSize: 5000, trainingImages: 1000 }, false).message
 * // 'the training set has 1000 images, too few for the default --validation-size 5000; pass --validation-size N with N from 1 to 999 (e.g. 100, a tenth)'
 */
export function validationSizeError(error: { validationSize: number; trainingImages: number }, given: boolean): CliError {
  const n = error.trainingImages;
  if (n < 2) return new CliError(`the training set has ${n} image${n === 1 ? '' : 's'}: too few to hold out a validation set (--validation-size) and still train`);
  if (!given) {
    return new CliError(
      `the training set has ${n} images, too few for the default --validation-size ${error.validationSize}; pass --validation-size N with N from 1 to ${n - 1} (e.g. ${Math.max(1, Math.floor(n / 10))}, a tenth)`,
    );
  }
  return new CliError(`--validation-size must be at most ${n - 1} (the training set has ${n} images and one at least must remain for training), got ${error.validationSize}`);
}

/** The flags above as parsed by commander. */
export interface TrainingFlags {
  activation?: Activation;
  initializer?: Initializer;
  optimizer?: OptimizerFlag;
  momentum?: number;
  dropout?: number;
  earlyStopping?: boolean;
  patience?: number;
}

/** Adds every shared training flag to `command`. */
export function addTrainingFlags(command: Command): Command {
  return command
    .addOption(activationOption())
    .addOption(initializerOption())
    .addOption(optimizerOption())
    .addOption(momentumOption())
    .addOption(dropoutOption())
    .addOption(earlyStoppingOption())
    .addOption(patienceOption());
}

/**
 * The optimizer option for the trainer: `--optimizer` with `--momentum` where it applies. A momentum
 * for an optimizer without one is refused rather than ignored.
 * @example optimizerFrom({ optimizer: 'nesterov', momentum: 0.95 }, 'sgd') // { name: 'nesterov', momentum: 0.95 }
 */
export function optimizerFrom(flags: TrainingFlags, fallback: OptimizerFlag): { name: OptimizerFlag; momentum?: number } {
  const name = flags.optimizer ?? fallback;
  if (flags.momentum !== undefined) {
    if (name !== 'momentum' && name !== 'nesterov' && name !== 'rmsprop') {
      throw new CliError(`--momentum applies to --optimizer momentum, nesterov or rmsprop, not ${name}`);
    }
    return { name, momentum: flags.momentum };
  }
  return { name };
}

/**
 * `{ patience }` when `--early-stopping` or `--patience` was given.
 * @example earlyStoppingFrom({ patience: 3 }) // { patience: 3 }
 */
export function earlyStoppingFrom(flags: TrainingFlags): { patience: number } | undefined {
  if (flags.patience !== undefined) return { patience: flags.patience };
  return flags.earlyStopping ? { patience: DEFAULT_PATIENCE } : undefined;
}
