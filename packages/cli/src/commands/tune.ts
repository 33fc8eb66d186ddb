// `mnist tune`: a random search over depth, width, learning rate, activation, dropout and optimizer,
// each trial an early-stopped training run; prints the table sorted by validation accuracy.
import { Option, type Command } from 'commander';
import { printResult, type CliIo } from '../cli-io.js';
import { CliError } from '../errors.js';
import { backendOption, dataOption, jsonOption, nonNegativeInteger, positiveInteger, positiveNumber, requireDirectory } from '../options.js';
import { engineOption, validationSizeError, validationSizeOption } from '../training-flags.js';
import { withTrainingProgress } from '../training-progress.js';

interface TuneFlags {
  data?: string;
  out: string;
  trials?: number;
  minutes?: number;
  epochs: number;
  patience: number;
  batchSize: number;
  seed: number;
  trainLimit?: number;
  validationSize: number;
  engine?: string;
  backend?: string;
  json?: boolean;
}

/** Adds the flags and action of `mnist tune` to `command`. */
export function configure(command: Command, io: CliIo): void {
  command
    .addOption(dataOption())
    .addOption(new Option('--out <dir>', "directory for the best trial's checkpoint").default('checkpoints/tuned'))
    .addOption(new Option('--trials <n>', 'number of trials (default 10; unbounded with --minutes alone)').argParser(positiveInteger('--trials')))
    .addOption(new Option('--minutes <m>', 'start no new trial after this many minutes').argParser(positiveNumber('--minutes')))
    .addOption(new Option('--epochs <n>', 'epoch budget of each trial').argParser(positiveInteger('--epochs')).default(10))
    .addOption(new Option('--patience <n>', 'early-stopping patience of each trial').argParser(positiveInteger('--patience')).default(2))
    .addOption(new Option('--batch-size <n>', 'mini-batch size').argParser(positiveInteger('--batch-size')).default(50))
    .addOption(new Option('--seed <n>', 'seed of the search and of every trial').argParser(nonNegativeInteger('--seed')).default(42))
    .addOption(
      new Option('--train-limit <n>', 'train each trial on only the first N training images after the validation set').argParser(
        positiveInteger('--train-limit'),
      ),
    )
    .addOption(validationSizeOption())
    .addOption(engineOption())
    .addOption(backendOption())
    .addOption(jsonOption())
    .action(async (_options: unknown, cmd: Command) => {
      await tune(cmd.opts<TuneFlags>(), cmd.getOptionValueSource('validationSize') === 'cli', io);
    });
}

async function tune(flags: TuneFlags, validationSizeGiven: boolean, io: CliIo): Promise<void> {
  if (flags.data !== undefined) requireDirectory('--data', flags.data);
  const { tune: runSearch, describeTrial, ValidationSizeError } = await import('@mnist/trainer');
  let result;
  try {
    result = await withTrainingProgress(io, (hooks) =>
      runSearch({
        dataDir: flags.data,
        out: flags.out,
        trials: flags.trials,
        minutes: flags.minutes,
        epochs: flags.epochs,
        patience: flags.patience,
        batchSize: flags.batchSize,
        seed: flags.seed,
        trainLimit: flags.trainLimit,
        validationSize: flags.validationSize,
        engine: flags.engine,
        backend: flags.backend,
        ...hooks,
      }),
      flags.epochs,
    );
  } catch (e) {
    if (e instanceof ValidationSizeError) throw validationSizeError(e, validationSizeGiven);
    if (e instanceof RangeError && /trainLimit/.test(e.message)) throw new CliError(`--train-limit: ${e.message}`);
    throw e;
  }
  io.stderr.write(`Total time: ${result.seconds.toFixed(1)} s\n`);
  const header = ['rank', 'trial', 'val acc', 'best epoch', 'epochs', 'seconds', 'network'];
  const rows = result.trials.map((t, i) => [
    String(i + 1),
    String(t.trial),
    t.validationAccuracy.toFixed(4),
    String(t.bestEpoch + 1), // 1-based as in the epoch lines; --json keeps the 0-based index
    `${t.epochs}${t.stoppedEarly ? ' (stopped)' : ''}`,
    t.seconds.toFixed(1),
    describeTrial(t),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ').trimEnd();
  printResult(
    io,
    flags.json,
    { trials: result.trials, best: result.best, checkpoint: result.checkpoint, testAccuracy: result.testAccuracy, seconds: result.seconds },
    [
      line(header),
      ...rows.map(line),
      `Best: trial ${result.best.trial}, validation accuracy ${result.best.validationAccuracy.toFixed(4)}, test accuracy ${result.testAccuracy.toFixed(4)}`,
      `Checkpoint: ${result.checkpoint}`,
    ],
  );
}
