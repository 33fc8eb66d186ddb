// Shared flag definitions and value parsers: every command builds its flags from these, so a flag
// means the same thing, with the same validation and message, everywhere.
import { statSync } from 'node:fs';
import { OUTPUT_KINDS, type ClassifierLoadOptions, type Normalization, type OutputKind } from '@mnist/core';
import { Option, type Command } from 'commander';
import { CliError, UsageError } from './errors.js';

/**
 * Parses a positive integer flag value (digits only: "1e3", "2.0" and "-5" are refused).
 * @example positiveInteger('--epochs')('30') === 30
 */
export function positiveInteger(flag: string): (value: string) => number {
  return (value) => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(flag, 'a positive integer', value);
    return n;
  };
}

/**
 * Parses a non-negative integer flag value (a seed may be 0).
 * @example nonNegativeInteger('--seed')('0') === 0
 */
export function nonNegativeInteger(flag: string): (value: string) => number {
  return (value) => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n)) throw new UsageError(flag, 'a non-negative integer', value);
    return n;
  };
}

/**
 * Parses a TCP port flag value: a non-negative integer (0 lets the system pick a free port) no larger
 * than 65535, so an impossible port is refused by the flag's name before a server is started.
 * @example portNumber('--port')('8080') === 8080
 */
export function portNumber(flag: string): (value: string) => number {
  const integer = nonNegativeInteger(flag);
  return (value) => {
    const port = integer(value);
    if (port > 65535) throw new CliError(`${flag} must be at most 65535, got ${port}`);
    return port;
  };
}

/**
 * Parses a finite positive number (a learning rate).
 * @example positiveNumber('--learning-rate')('1e-2') === 0.01
 */
export function positiveNumber(flag: string): (value: string) => number {
  return (value) => {
    const n = value.trim() === '' ? NaN : Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(flag, 'a finite positive number', value);
    return n;
  };
}

/**
 * Parses a choice flag's value case-insensitively (`--optimizer Adam` is `adam`, as Keras takes
 * `optimizer='Adam'`) to the canonical spelling; anything else is one line listing the choices.
 * @example choice('--runtime', ['node', 'web'])('Web') === 'web'
 */
export function choice<T extends string>(flag: string, choices: readonly T[]): (value: string) => T {
  return (value) => {
    const wanted = value.trim().toLowerCase();
    const found = choices.find((c) => c.toLowerCase() === wanted);
    if (found === undefined) throw new UsageError(flag, `one of ${choices.join(', ')}`, value);
    return found;
  };
}

/**
 * A flag taking one of `choices` (listed in `--help`), parsed by {@link choice}: every choice flag is
 * built with this so they all take any letter case.
 * @example choiceOption('--runtime <name>', 'ONNX Runtime flavour', RUNTIMES).default('node')
 */
export function choiceOption(flags: string, description: string, choices: readonly string[]): Option {
  const flag = flags.split(/[\s,]/)[0];
  return new Option(flags, description).choices(choices).argParser(choice(flag, choices));
}

/**
 * Parses a comma-separated list of positive integers (hidden layer sizes).
 * @example positiveIntegerList('--hidden')('300,100') // [300, 100]
 */
export function positiveIntegerList(flag: string): (value: string) => number[] {
  return (value) => {
    const parts = value.split(',').map((p) => p.trim());
    const ok = parts.every((p) => /^\d+$/.test(p) && Number.isSafeInteger(Number(p)) && Number(p) > 0);
    if (!ok) throw new UsageError(flag, 'a comma-separated list of positive integers like "300,100"', value);
    return parts.map(Number);
  };
}

/**
 * Checks that a directory given by a flag exists, so a typo is reported by the flag's name before any
 * slow work starts.
 * @example requireDirectory('--data', 'data/fashion');
 */
export function requireDirectory(flag: string, dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new CliError(`${flag}: directory ${JSON.stringify(dir)} does not exist`);
  }
  if (!isDir) throw new CliError(`${flag}: ${JSON.stringify(dir)} is not a directory`);
}

/** Inference runtimes a .onnx model can run on. */
export const RUNTIMES = ['node', 'web'] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** The default checkpoint directory of `mnist train` and the commands that read its result. */
export const DEFAULT_CHECKPOINT_DIR = 'checkpoints/dnn';

/** `--data DIR`: an IDX dataset directory instead of the bundled MNIST. */
export const dataOption = (): Option =>
  new Option('--data <dir>', 'directory of IDX files (train/t10k images and labels, raw or .gz); default: MNIST, in data/mnist inside this repository, else the per-user cache ($MNIST_DATA_DIR overrides)');

/** `--json`: the last stdout line is one JSON object. */
export const jsonOption = (): Option => new Option('--json', 'print the result as one JSON object on the last stdout line');

/** The default model of `serve`, `demo` and `predict IMAGE...`: `mnist export`'s file beside the default checkpoint. */
export const DEFAULT_MODEL_FILE = `${DEFAULT_CHECKPOINT_DIR}/model.onnx`;

/** `--checkpoint DIR`. */
export const checkpointOption = (description = 'checkpoint directory (model.json + weights.bin)'): Option =>
  new Option('--checkpoint <dir>', description);

/**
 * Checks what `--checkpoint` names before it is read: a file (an .onnx model, most likely) is refused
 * with the flag that reads it, and a missing default says how to make one; another missing directory
 * is left to the checkpoint reader, which names the file it looked for.
 * @example requireCheckpointDirectory(cmd, flags.checkpoint, '--model');
 */
export function requireCheckpointDirectory(command: Command, dir: string, modelFlag?: string): void {
  let stats;
  try {
    stats = statSync(dir);
  } catch {
    if (command.getOptionValueSource('checkpoint') === 'default') {
      throw new CliError(`no checkpoint in ${dir} (the default --checkpoint): train one with \`mnist train\`, or give --checkpoint DIR${modelFlag ? ` or ${modelFlag} FILE.onnx` : ''}`);
    }
    return;
  }
  if (stats.isDirectory()) return;
  const use = modelFlag ? `; use ${modelFlag} ${dir}` : '';
  if (/\.onnx$/i.test(dir)) throw new CliError(`--checkpoint: ${JSON.stringify(dir)} is an ONNX model file, not a checkpoint directory${use}`);
  throw new CliError(`--checkpoint: ${JSON.stringify(dir)} is a file, expected a checkpoint directory (model.json + weights.bin)${modelFlag ? `; for an ONNX model use ${modelFlag} FILE.onnx` : ''}`);
}

/**
 * Checks that the default model file exists when no `--model` was given, so a new user is told how to
 * make it rather than that a file is missing; a file given with the flag is left to the model loader.
 * @example requireDefaultModel(model, cmd.getOptionValueSource('model') === 'default');
 */
export function requireDefaultModel(file: string, isDefault: boolean): void {
  if (!isDefault) return;
  let found: boolean;
  try {
    found = statSync(file).isFile();
  } catch {
    found = false;
  }
  if (!found) throw new CliError(`no model at ${file} (the default --model): make one with \`mnist train\` then \`mnist export\`, or give --model FILE.onnx`);
}

/** `--model FILE.onnx`, exclusive with `--checkpoint`. */
export const modelOption = (): Option =>
  new Option('--model <file>', 'ONNX model file (from `mnist export --onnx`, or any 28x28 digit classifier, e.g. a PyTorch export)').conflicts('checkpoint');

/** `--runtime node|web`, for `--model`. */
export const runtimeOption = (): Option =>
  choiceOption('--runtime <name>', 'ONNX Runtime flavour for --model', RUNTIMES).default('node');

/** `--backend NAME`: TensorFlow.js backend, resolved by the trainer when omitted. */
export const backendOption = (): Option =>
  new Option('--backend <name>', 'TensorFlow.js backend: tensorflow, wasm or cpu (default: the first that loads)');

/** `--verbose`: stack traces on failure. */
export const verboseOption = (): Option => new Option('--verbose', 'show stack traces on failure');

/**
 * `--runtime` picks ONNX Runtime for `--model`, `--backend` picks TensorFlow.js for `--checkpoint`:
 * a flag given for the other source is refused rather than silently ignored.
 * @example checkSourceFlags(cmd, flags.model !== undefined);
 */
export function checkSourceFlags(command: Command, usesModel: boolean): void {
  if (usesModel && command.getOptionValueSource('backend') === 'cli') {
    throw new CliError('--backend applies to --checkpoint (TensorFlow.js); with --model choose --runtime node|web');
  }
  if (!usesModel && command.getOptionValueSource('runtime') === 'cli') {
    throw new CliError('--runtime applies to --model FILE.onnx; with --checkpoint choose --backend');
  }
  for (const [key, flag] of MODEL_LOAD_FLAGS) {
    if (!usesModel && command.getOptionValueSource(key) === 'cli') throw new CliError(`${flag} applies to --model FILE.onnx, not to --checkpoint`);
  }
}

// The option keys and flags of addModelLoadOptions, for checkSourceFlags.
const MODEL_LOAD_FLAGS = [['normalize', '--normalize'], ['input', '--input'], ['output', '--output'], ['outputKind', '--output-kind'], ['labels', '--labels']] as const;

/**
 * Parses `--normalize MEAN,STD`: the normalization a foreign model was trained with, e.g. PyTorch's
 * MNIST examples' `0.1307,0.3081`; both finite, the deviation above 0.
 * @example normalization('--normalize')('0.1307,0.3081') // { mean: 0.1307, std: 0.3081 }
 */
export function normalization(flag: string): (value: string) => Normalization {
  return (value) => {
    const parts = value.split(',').map((p) => (p.trim() === '' ? NaN : Number(p)));
    if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[1] > 0)) {
      throw new UsageError(flag, 'MEAN,STD: two numbers, the second above 0, like "0.1307,0.3081"', value);
    }
    return { mean: parts[0], std: parts[1] };
  };
}

/**
 * Parses a comma-separated list of class labels: at least two, none empty, no two alike.
 * @example labelList('--labels')('cat,dog') // ['cat', 'dog']
 */
export function labelList(flag: string): (value: string) => string[] {
  return (value) => {
    const labels = value.split(',').map((l) => l.trim());
    if (labels.length < 2 || labels.some((l) => l === '') || new Set(labels).size !== labels.length) {
      throw new UsageError(flag, 'a comma-separated list of at least 2 distinct, non-empty labels like "0,1,2"', value);
    }
    return labels;
  };
}

/** What the flags of {@link addModelLoadOptions} give, before they become load options. */
export interface ModelLoadFlags {
  normalize?: Normalization;
  input?: string;
  output?: string;
  outputKind?: OutputKind;
  labels?: string[];
}

/**
 * Adds the flags that say how to read a model exported elsewhere (PyTorch, Keras): `--normalize`,
 * `--input`, `--output`, `--output-kind` and `--labels`. Our own exports need none of them.
 * @example addModelLoadOptions(command.addOption(modelOption()));
 */
export function addModelLoadOptions(command: Command): Command {
  return command
    .addOption(new Option('--normalize <mean,std>', "the model's input normalization, (pixel/255 - MEAN) / STD, e.g. 0.1307,0.3081 (default: the model's metadata, else none)").argParser(normalization('--normalize')))
    .addOption(new Option('--input <name>', "the model's image input, when it has several"))
    .addOption(new Option('--output <name>', "the model's class-score output, when it has several"))
    .addOption(choiceOption('--output-kind <kind>', 'what the output holds, instead of detecting it', OUTPUT_KINDS))
    .addOption(new Option('--labels <a,b,...>', "class labels, one per output (default: the model's metadata, else 0..K-1)").argParser(labelList('--labels')));
}

/**
 * The classifier load options the flags of {@link addModelLoadOptions} ask for (only those given).
 * @example await MnistClassifier.load(file, modelLoadOptions(cmd.opts()));
 */
export function modelLoadOptions(flags: ModelLoadFlags): ClassifierLoadOptions {
  return {
    ...(flags.normalize && { normalization: flags.normalize }),
    ...(flags.input !== undefined && { input: flags.input }),
    ...(flags.output !== undefined && { output: flags.output }),
    ...(flags.outputKind !== undefined && { outputKind: flags.outputKind }),
    ...(flags.labels && { labels: flags.labels }),
  };
}
