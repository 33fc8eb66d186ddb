// `mnist train`: the chapter's low-level training run, with its per-epoch log, a checkpoint, and the
// final scores; `--estimator` runs the high-level DNNClassifier instead (fit for --steps steps).
import { Option, type Command } from 'commander';
import { printResult, type CliIo } from '../cli-io.js';
import {
  backendOption,
  dataOption,
  DEFAULT_CHECKPOINT_DIR,
  jsonOption,
  nonNegativeInteger,
  positiveInteger,
  positiveIntegerList,
  requireDirectory,
} from '../options.js';
import { CliError, UsageError } from '../errors.js';
import {
  addLearningRateOptions,
  addTrainingFlags,
  earlyStoppingFrom,
  engineOption,
  learningRateFrom,
  optimizerFrom,
  validationSizeError,
  validationSizeOption,
  type TrainingFlags,
} from '../training-flags.js';
import { withTrainingProgress } from '../training-progress.js';
import { abortOnSignal, signalExitCode } from '../until-signal.js';

interface TrainFlags extends TrainingFlags {
  estimator?: boolean;
  steps?: number;
  data?: string;
  out: string;
  epochs: number;
  batchSize: number;
  hidden: number[];
  model?: 'mlp' | 'cnn' | 'simard';
  augment?: boolean;
  classes?: number;
  seed: number;
  engine?: string;
  backend?: string;
  cores?: number;
  resume?: boolean;
  initFrom?: string;
  freeze?: string[];
  overwrite?: boolean;
  trainLimit?: number;
  validationSize: number;
  logdir?: string;
  logEvery?: number;
  json?: boolean;
}

/** Adds the flags and action of `mnist train` to `command`. */
export function configure(command: Command, io: CliIo): void {
  command
    .addOption(dataOption())
    .addOption(new Option('--out <dir>', 'checkpoint directory to write').default(DEFAULT_CHECKPOINT_DIR))
    .addOption(
      new Option(
        '--model <name>',
        "model family and its recipe: mlp, the chapter's 784-300-100-10 MLP (SGD 0.01, 30 epochs); cnn, a convnet (conv 16x5x5, pool, conv 32x5x5, pool, dense 128; He init, Adam 0.001, augmented, 10 epochs); simard, a 784-800-10 MLP on augmented digits (SGD 0.05, 40 epochs); flags given win over the recipe",
      )
        .choices(['mlp', 'cnn', 'simard'])
        .default('mlp'),
    )
    .addOption(
      new Option('--augment', 'augment the training images every epoch: a random shift (1 px), rotation (8°), scale (0.95-1.05) and elastic distortion (Simard 2003; alpha 20, sigma 4) per image, from --seed; --no-augment turns off a recipe\'s'),
    )
    .addOption(new Option('--no-augment', 'train on the images as they are, even where the --model recipe augments them'))
    .addOption(new Option('--epochs <n>', 'number of epochs (default: the model\'s, 30 for mlp)').argParser(positiveInteger('--epochs')).default(30))
    .addOption(new Option('--batch-size <n>', 'mini-batch size').argParser(positiveInteger('--batch-size')).default(50));
  addLearningRateOptions(command, 'learning rate (with --estimator: 0.05 unless given)', 0.01)
    .addOption(
      new Option('--hidden <list>', 'hidden layer sizes, comma-separated')
        .argParser(positiveIntegerList('--hidden'))
        .default([300, 100], '300,100'),
    )
    .addOption(
      new Option('--classes <n>', "number of classes, the output layer's size (default: what the data implies; 10 for the MNIST layout)").argParser(classCount),
    )
    .addOption(new Option('--seed <n>', 'random seed (same seed, data, backend and cores: same checkpoint)').argParser(nonNegativeInteger('--seed')).default(42))
    .addOption(new Option('--estimator', "run the chapter's high-level DNNClassifier (Adagrad 0.05, Glorot; fit for --steps)"))
    .addOption(new Option('--steps <n>', 'optimizer steps (default: 40000 with --estimator; otherwise --epochs decides)').argParser(positiveInteger('--steps')))
    .addOption(engineOption())
    .addOption(backendOption())
    .addOption(
      new Option('--cores <n>', 'cores each optimizer step is split across (default: 2 when the onnx engine can, else 1)').argParser(positiveInteger('--cores')),
    )
    .addOption(new Option('--resume', 'continue the run saved in --out from its last completed epoch'))
    .addOption(
      new Option('--init-from <dir>', "start a new run from this checkpoint's weights (trained here or made by mnist import): its network and labels, a fresh optimizer; with other classes (--classes, or the data's), its hidden layers under a new output layer").conflicts(
        'resume',
      ),
    )
    .addOption(
      new Option(
        '--freeze <layers>',
        "with --init-from: layers kept as its checkpoint has them, never updated, comma-separated (hidden1,hidden2; the output layer is outputs); --resume keeps a run's",
      ).argParser(layerList),
    )
    .addOption(
      new Option('--overwrite', 'start a new run in --out although it holds a checkpoint (replaces its model.json and weights.bin, keeps other files)').conflicts(
        'resume',
      ),
    )
    .addOption(validationSizeOption())
    .addOption(
      new Option('--train-limit <n>', 'train on only the first N training images after the validation set (for quick runs)').argParser(
        positiveInteger('--train-limit'),
      ),
    )
    .addOption(new Option('--logdir <dir>', 'write TensorBoard logs into a new run folder in DIR (view: tensorboard --logdir DIR)'))
    .addOption(new Option('--log-every <n>', 'steps between two batch/loss points in the TensorBoard log (default 100)').argParser(positiveInteger('--log-every')))
    .addOption(jsonOption());
  addTrainingFlags(command).action(async (_options: unknown, cmd: Command) => {
    const flags = cmd.opts<TrainFlags>();
    if (flags.estimator) await trainEstimator(flags, cmd, io);
    else await train(flags, cmd, io);
  });
}

async function train(flags: TrainFlags, cmd: Command, io: CliIo): Promise<void> {
  if (flags.data !== undefined) requireDirectory('--data', flags.data);
  if (flags.logEvery !== undefined && flags.logdir === undefined) throw new CliError('--log-every needs --logdir DIR (where the TensorBoard logs go)');
  const { train: runTraining, ValidationSizeError, MODEL_PRESETS } = await import('@mnist/trainer');
  // The model's recipe gives what the command line leaves out; the chapter's MLP keeps its flag defaults.
  const recipe = flags.model !== undefined && flags.model !== 'mlp' ? MODEL_PRESETS[flags.model] : undefined;
  if (recipe?.network.layers && cmd.getOptionValueSource('hidden') === 'cli') throw new CliError(`--hidden shapes the MLP; --model ${flags.model} has its own layers`);
  if (recipe && cmd.getOptionValueSource('epochs') !== 'cli') flags.epochs = recipe.epochs;
  if (recipe && cmd.getOptionValueSource('batchSize') !== 'cli') flags.batchSize = recipe.batchSize;
  // Ctrl-C (or SIGTERM) ends the run after the current epoch, whose checkpoint is saved; a second one
  // exits at once, which is safe too: a save is atomic at every moment (see checkpoint-io.ts).
  let savedEpochs: number | undefined;
  const interrupted = (signal: NodeJS.Signals, epochs: number | undefined, atOnce: boolean) =>
    new CliError(interruptedLine(cmd, flags, epochs, atOnce), { exitCode: signalExitCode(signal) });
  const stop = abortOnSignal((signal) => {
    // On a terminal the progress bar may hold the line: start a new one.
    const line = `${io.interactive ? '\n' : ''}mnist: ${interruptedLine(cmd, flags, savedEpochs, true)}\n`;
    io.stderr.write(line, () => process.exit(signalExitCode(signal)));
  });
  let result;
  try {
    result = await withTrainingProgress(io, (hooks) =>
      runTraining({
        dataDir: flags.data,
        out: flags.out,
        model: flags.model,
        epochs: flags.epochs,
        batchSize: flags.batchSize,
        learningRate: !recipe || learningRateFrom(cmd).given ? learningRateFrom(cmd).learningRate : undefined,
        // Only when given: with --init-from (or resuming a warm start) the network is the checkpoint's.
        hiddenUnits: cmd.getOptionValueSource('hidden') === 'cli' ? flags.hidden : undefined,
        augment: flags.augment,
        classes: flags.classes,
        seed: flags.seed,
        engine: flags.engine,
        backend: flags.backend,
        cores: flags.cores,
        resume: flags.resume ?? false,
        initFrom: flags.initFrom,
        freeze: flags.freeze,
        overwrite: flags.overwrite ?? false,
        trainLimit: flags.trainLimit,
        validationSize: flags.validationSize,
        activation: flags.activation,
        initializer: flags.initializer,
        optimizer: recipe && flags.optimizer === undefined && flags.momentum === undefined ? undefined : optimizerFrom(flags, 'sgd'),
        dropoutRate: flags.dropout,
        earlyStopping: earlyStoppingFrom(flags),
        maxSteps: flags.steps,
        logdir: flags.logdir,
        logEvery: flags.logEvery,
        signal: stop.signal,
        onEpoch: (record) => (savedEpochs = record.epoch + 1),
        ...hooks,
      }),
      flags.epochs,
    );
  } catch (error) {
    const signal = stop.received();
    // Aborted before the first epoch started: nothing was written.
    if (signal && (error as Error | undefined)?.name === 'AbortError') throw interrupted(signal, undefined, false);
    if (error instanceof ValidationSizeError) throw validationSizeError(error, cmd.getOptionValueSource('validationSize') === 'cli');
    throw error;
  } finally {
    stop.dispose();
  }
  if (result.aborted) throw interrupted(stop.received() ?? 'SIGINT', result.epochs, false);
  const testAccuracy = result.testAccuracy!;
  io.stderr.write(`Total time: ${result.seconds.toFixed(1)} s (optimizer steps ${result.trainingSeconds.toFixed(1)} s)\n`);
  printResult(
    io,
    flags.json,
    {
      epochs: result.epochs,
      seconds: result.seconds,
      trainingSeconds: result.trainingSeconds,
      validationAccuracy: result.validationAccuracy,
      testAccuracy,
      checkpoint: result.checkpoint,
      backend: result.backend,
      engine: result.engine,
      steps: result.steps,
      ...(result.bestEpoch !== undefined ? { bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly } : {}),
    },
    [
      ...(result.bestEpoch !== undefined ? [`Best epoch: ${result.bestEpoch + 1}${result.stoppedEarly ? ' (stopped early)' : ''}`] : []),
      `Validation accuracy: ${result.validationAccuracy.toFixed(4)}`,
      `Test accuracy: ${testAccuracy.toFixed(4)}`,
      `Checkpoint: ${result.checkpoint}`,
    ],
  );
}

// The one line an interrupted run ends with: what the checkpoint holds and the command that goes on.
// `epochs` is what the checkpoint holds when known (undefined: this run saved none).
function interruptedLine(cmd: Command, flags: TrainFlags, epochs: number | undefined, atOnce: boolean): string {
  const how = atOnce ? 'interrupted again, stopped at once' : 'interrupted';
  const total = `${flags.epochs}`;
  if (epochs === undefined && !flags.resume) {
    const unchanged = flags.overwrite ? 'its checkpoint is unchanged' : 'nothing was saved there';
    return `${how} before the first epoch ended: ${flags.out}: ${unchanged}; start again with: ${commandLine(cmd, {})}`;
  }
  const holds = epochs === undefined ? 'holds the run as it was' : atOnce ? `holds at least ${epochs} of ${total} epochs` : `holds ${epochs} of ${total} epochs`;
  return `${how}: checkpoint ${flags.out} ${holds}; resume with: ${commandLine(cmd, { resume: true })}`;
}

// `mnist train` with the flags given on the command line (their parsed values), --out always, and
// --resume instead of --overwrite when resuming.
function commandLine(cmd: Command, { resume = false }: { resume?: boolean }): string {
  const words = [cmd.parent?.name() ?? 'mnist', cmd.name()];
  if (resume) words.push('--resume');
  words.push('--out', shellWord(String(cmd.getOptionValue('out'))));
  for (const option of cmd.options) {
    const key = option.attributeName();
    if (key === 'out' || cmd.getOptionValueSource(key) !== 'cli') continue;
    // A warm-started run resumes from its own checkpoint, not from --init-from's again.
    // A resume keeps the layers the run froze.
    if (resume && (key === 'resume' || key === 'overwrite' || key === 'initFrom' || key === 'freeze')) continue;
    const value: unknown = cmd.getOptionValue(key);
    words.push(option.long!);
    if (value !== true) words.push(shellWord(Array.isArray(value) ? value.join(',') : String(value)));
  }
  return words.join(' ');
}

// `--classes`: labels are bytes, so at most 256; a classifier needs two at least.
function classCount(value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!(n >= 2 && n <= 256)) throw new UsageError('--classes', 'an integer from 2 to 256', value);
  return n;
}

// `--freeze`: layer names, comma-separated; which names the network has is the trainer's check.
function layerList(value: string): string[] {
  const names = value.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) throw new UsageError('--freeze', 'comma-separated layer names such as hidden1,hidden2', value);
  return names;
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

// The chapter's `DNNClassifier(...).fit(X_train, y_train, batch_size=50, steps=40000)` on the training
// images after the validation split; TF's defaults unless a flag was given on the command line.
async function trainEstimator(flags: TrainFlags, cmd: Command, io: CliIo): Promise<void> {
  const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
  if (given('epochs')) throw new CliError('--epochs does not apply to --estimator; give --steps (default 40000)');
  if (flags.resume) throw new CliError('--resume does not apply to --estimator');
  if (flags.initFrom !== undefined) throw new CliError('--init-from does not apply to --estimator');
  if (flags.freeze !== undefined) throw new CliError('--freeze does not apply to --estimator');
  if (flags.cores !== undefined) throw new CliError('--cores does not apply to --estimator (its Adagrad steps run on one core)');
  if (flags.model !== undefined && flags.model !== 'mlp') throw new CliError(`--model ${flags.model} does not apply to --estimator (the chapter's DNNClassifier); train without --estimator`);
  if (flags.augment) throw new CliError('--augment does not apply to --estimator yet; train without --estimator');
  if (flags.classes !== undefined) throw new CliError('--classes does not apply to --estimator (it trains the 10 digits); train without --estimator');
  if (flags.logdir !== undefined || flags.logEvery !== undefined) throw new CliError('--logdir and --log-every do not apply to --estimator yet; train without --estimator to log for TensorBoard');
  if (flags.data !== undefined) requireDirectory('--data', flags.data);
  const { trainEstimator: runEstimator, ValidationSizeError } = await import('@mnist/trainer');
  const result = await withTrainingProgress(io, (hooks) =>
    runEstimator({
      validationSize: flags.validationSize,
      dataDir: flags.data,
      out: flags.out,
      overwrite: flags.overwrite,
      steps: flags.steps ?? 40000,
      batchSize: flags.batchSize,
      hiddenUnits: flags.hidden,
      activation: flags.activation,
      initializer: flags.initializer,
      optimizer: optimizerFrom(flags, 'adagrad'),
      learningRate: learningRateFrom(cmd).given ? learningRateFrom(cmd).learningRate : undefined,
      dropoutRate: flags.dropout,
      earlyStopping: earlyStoppingFrom(flags),
      seed: flags.seed,
      engine: flags.engine,
      backend: flags.backend,
      trainLimit: flags.trainLimit,
      ...hooks,
    }),
  ).catch((error: unknown) => {
    throw error instanceof ValidationSizeError ? validationSizeError(error, given('validationSize')) : error;
  });
  io.stderr.write(`Total time: ${result.seconds.toFixed(1)} s\n`);
  printResult(io, flags.json, { estimator: true, ...result }, [
    `Steps: ${result.steps}`,
    `Validation accuracy: ${result.validationAccuracy.toFixed(4)}`,
    `Test accuracy: ${result.testAccuracy.toFixed(4)}`,
    `Checkpoint: ${result.checkpoint}`,
  ]);
}
