// Shared flag definitions and value parsers: every command builds its flags from these, so a flag
// means the same thing, with the same validation and message, everywhere.
import { statSync } from 'node:fs';
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

/** `--checkpoint DIR`. */
export const checkpointOption = (description = 'checkpoint directory (model.json + weights.bin)'): Option =>
  new Option('--checkpoint <dir>', description);

/** `--model FILE.onnx`, exclusive with `--checkpoint`. */
export const modelOption = (): Option =>
  new Option('--model <file>', 'ONNX model file (from `mnist export --onnx`)').conflicts('checkpoint');

/** `--runtime node|web`, for `--model`. */
export const runtimeOption = (): Option =>
  new Option('--runtime <name>', 'ONNX Runtime flavour for --model').choices(RUNTIMES).default('node');

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
}
