// `mnist train`: the chapter's low-level training run, with its per-epoch log, a checkpoint, and the
// final scores.
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
import { trainingProgress } from '../training-progress.js';

interface TrainFlags {
  data?: string;
  out: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  hidden: number[];
  seed: number;
  engine?: string;
  backend?: string;
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
      new Option('--learning-rate <x>', 'gradient descent learning rate').argParser(positiveNumber('--learning-rate')).default(0.01),
    )
    .addOption(
      new Option('--hidden <list>', 'hidden layer sizes, comma-separated')
        .argParser(positiveIntegerList('--hidden'))
        .default([300, 100], '300,100'),
    )
    .addOption(new Option('--seed <n>', 'random seed (same seed, data and backend: same checkpoint)').argParser(nonNegativeInteger('--seed')).default(42))
    .addOption(new Option('--engine <name>', 'training engine (tfjs, onnx or auto; default: the trainer picks)'))
    .addOption(backendOption())
    .addOption(new Option('--resume', 'continue the run saved in --out from its last completed epoch'))
    .addOption(
      new Option('--train-limit <n>', 'train on only the first N training images after the validation set (for quick runs)').argParser(
        positiveInteger('--train-limit'),
      ),
    )
    .addOption(jsonOption())
    .action(async (_options: unknown, cmd: Command) => {
      await train(cmd.opts<TrainFlags>(), io);
    });
}

async function train(flags: TrainFlags, io: CliIo): Promise<void> {
  if (flags.data !== undefined) requireDirectory('--data', flags.data);
  const { train: runTraining } = await import('@mnist/trainer');
  const progress = trainingProgress(io.stderr, io.interactive);
  let result;
  try {
    result = await runTraining({
      dataDir: flags.data,
      out: flags.out,
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      learningRate: flags.learningRate,
      hiddenUnits: flags.hidden,
      seed: flags.seed,
      engine: flags.engine,
      backend: flags.backend,
      resume: flags.resume ?? false,
      trainLimit: flags.trainLimit,
      onLog: (line) => progress.log(line),
      onProgress: (done, total, epoch) => progress.progress(done, total, epoch),
    });
  } finally {
    progress.stop();
  }
  io.stderr.write(`Total time: ${result.seconds.toFixed(1)} s\n`);
  printResult(
    io,
    flags.json,
    {
      epochs: result.epochs,
      seconds: result.seconds,
      validationAccuracy: result.validationAccuracy,
      testAccuracy: result.testAccuracy,
      checkpoint: result.checkpoint,
      backend: result.backend,
      engine: result.engine,
    },
    [
      `Validation accuracy: ${result.validationAccuracy.toFixed(4)}`,
      `Test accuracy: ${result.testAccuracy.toFixed(4)}`,
      `Checkpoint: ${result.checkpoint}`,
    ],
  );
}
