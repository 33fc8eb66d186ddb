// `mnist train`: the chapter's low-level training run, with its per-epoch log, a checkpoint, and the
// final scores; `--estimator` runs the high-level DNNClassifier instead (fit for --steps steps).
import { Option, type Command } from 'commander';
import { printResult, type CliIo } from '../cli-io.js';
import type { CommandModule } from '../command-table.js';
import {
  backendOption,
  dataOption,
  DEFAULT_CHECKPOINT_DIR,
  jsonOption,
  nonNegativeInteger,
  positiveInteger,
  positiveIntegerList,
  positiveNumber,
  requireDirectory,
} from '../options.js';
import { CliError } from '../errors.js';
import { addTrainingFlags, earlyStoppingFrom, optimizerFrom, type TrainingFlags } from '../training-flags.js';
import { withTrainingProgress } from '../training-progress.js';

interface TrainFlags extends TrainingFlags {
  estimator?: boolean;
  steps?: number;
  data?: string;
  out: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  hidden: number[];
  seed: number;
  engine?: string;
  backend?: string;
  cores?: number;
  resume?: boolean;
  trainLimit?: number;
  json?: boolean;
}

/** Adds the flags and action of `mnist train` to `command`. */
export function configure(command: Command, io: CliIo): void {
  command
    .addOption(dataOption())
    .addOption(new Option('--out <dir>', 'checkpoint directory to write').default(DEFAULT_CHECKPOINT_DIR))
    .addOption(new Option('--epochs <n>', 'number of epochs').argParser(positiveInteger('--epochs')).default(30))
    .addOption(new Option('--batch-size <n>', 'mini-batch size').argParser(positiveInteger('--batch-size')).default(50))
    .addOption(
      new Option('--learning-rate <x>', 'learning rate (with --estimator: 0.05 unless given)').argParser(positiveNumber('--learning-rate')).default(0.01),
    )
    .addOption(
      new Option('--hidden <list>', 'hidden layer sizes, comma-separated')
        .argParser(positiveIntegerList('--hidden'))
        .default([300, 100], '300,100'),
    )
    .addOption(new Option('--seed <n>', 'random seed (same seed, data, backend and cores: same checkpoint)').argParser(nonNegativeInteger('--seed')).default(42))
    .addOption(new Option('--estimator', "run the chapter's high-level DNNClassifier (Adagrad 0.05, Glorot; fit for --steps)"))
    .addOption(new Option('--steps <n>', 'optimizer steps (default: 40000 with --estimator; otherwise --epochs decides)').argParser(positiveInteger('--steps')))
    .addOption(new Option('--engine <name>', 'training engine (tfjs, onnx or auto; default: the trainer picks)'))
    .addOption(backendOption())
    .addOption(
      new Option('--cores <n>', 'cores each optimizer step is split across (default: 2 when the onnx engine can, else 1)').argParser(positiveInteger('--cores')),
    )
    .addOption(new Option('--resume', 'continue the run saved in --out from its last completed epoch'))
    .addOption(
      new Option('--train-limit <n>', 'train on only the first N training images after the validation set (for quick runs)').argParser(
        positiveInteger('--train-limit'),
      ),
    )
    .addOption(jsonOption());
  addTrainingFlags(command).action(async (_options: unknown, cmd: Command) => {
    const flags = cmd.opts<TrainFlags>();
    if (flags.estimator) await trainEstimator(flags, cmd, io);
    else await train(flags, io);
  });
}

async function train(flags: TrainFlags, io: CliIo): Promise<void> {
  if (flags.data !== undefined) requireDirectory('--data', flags.data);
  const { train: runTraining } = await import('@mnist/trainer');
  const result = await withTrainingProgress(io, (hooks) =>
    runTraining({
      dataDir: flags.data,
      out: flags.out,
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      learningRate: flags.learningRate,
      hiddenUnits: flags.hidden,
      seed: flags.seed,
      engine: flags.engine,
      backend: flags.backend,
      cores: flags.cores,
      resume: flags.resume ?? false,
      trainLimit: flags.trainLimit,
      activation: flags.activation,
      initializer: flags.initializer,
      optimizer: optimizerFrom(flags, 'sgd'),
      dropoutRate: flags.dropout,
      earlyStopping: earlyStoppingFrom(flags),
      maxSteps: flags.steps,
      ...hooks,
    }),
  );
  io.stderr.write(`Total time: ${result.seconds.toFixed(1)} s (optimizer steps ${result.trainingSeconds.toFixed(1)} s)\n`);
  printResult(
    io,
    flags.json,
    {
      epochs: result.epochs,
      seconds: result.seconds,
      trainingSeconds: result.trainingSeconds,
      validationAccuracy: result.validationAccuracy,
      testAccuracy: result.testAccuracy,
      checkpoint: result.checkpoint,
      backend: result.backend,
      engine: result.engine,
      steps: result.steps,
      ...(result.bestEpoch !== undefined ? { bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly } : {}),
    },
    [
      ...(result.bestEpoch !== undefined ? [`Best epoch: ${result.bestEpoch}${result.stoppedEarly ? ' (stopped early)' : ''}`] : []),
      `Validation accuracy: ${result.validationAccuracy.toFixed(4)}`,
      `Test accuracy: ${result.testAccuracy.toFixed(4)}`,
      `Checkpoint: ${result.checkpoint}`,
    ],
  );
}

// The chapter's `DNNClassifier(...).fit(X_train, y_train, batch_size=50, steps=40000)` on the training
// images after the validation split; TF's defaults unless a flag was given on the command line.
async function trainEstimator(flags: TrainFlags, cmd: Command, io: CliIo): Promise<void> {
  const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
  if (given('epochs')) throw new CliError('--epochs does not apply to --estimator; give --steps (default 40000)');
  if (flags.resume) throw new CliError('--resume does not apply to --estimator');
  if (flags.cores !== undefined) throw new CliError('--cores does not apply to --estimator (its Adagrad steps run on one core)');
  if (flags.data !== undefined) requireDirectory('--data', flags.data);
  const { trainEstimator: runEstimator } = await import('@mnist/trainer');
  const result = await withTrainingProgress(io, (hooks) =>
    runEstimator({
      dataDir: flags.data,
      out: flags.out,
      steps: flags.steps ?? 40000,
      batchSize: flags.batchSize,
      hiddenUnits: flags.hidden,
      activation: flags.activation,
      initializer: flags.initializer,
      optimizer: optimizerFrom(flags, 'adagrad'),
      learningRate: given('learningRate') ? flags.learningRate : undefined,
      dropoutRate: flags.dropout,
      earlyStopping: earlyStoppingFrom(flags),
      seed: flags.seed,
      engine: flags.engine,
      backend: flags.backend,
      trainLimit: flags.trainLimit,
      ...hooks,
    }),
  );
  io.stderr.write(`Total time: ${result.seconds.toFixed(1)} s\n`);
  printResult(io, flags.json, { estimator: true, ...result }, [
    `Steps: ${result.steps}`,
    `Validation accuracy: ${result.validationAccuracy.toFixed(4)}`,
    `Test accuracy: ${result.testAccuracy.toFixed(4)}`,
    `Checkpoint: ${result.checkpoint}`,
  ]);
}
