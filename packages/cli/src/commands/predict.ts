// `mnist predict`: the original program's "Predicted classes / Actual classes" for the first test
// images, from a checkpoint or an ONNX model; or, given image files, the class of each digit picture
// (a file that cannot be read is reported and skipped, and the command then exits 1).
import { IMAGE_PIXELS, preprocessDigitImage } from '@mnist/core';
import { Option, type Command } from 'commander';
import { printResult, type CliIo } from '../cli-io.js';
import { decodeImageFile } from '@mnist/infer-node';
import { CliError, oneLineMessage } from '../errors.js';
import { withClassifier } from '../load-classifier.js';
import {
  addModelLoadOptions,
  backendOption,
  checkpointOption,
  checkSourceFlags,
  dataOption,
  DEFAULT_CHECKPOINT_DIR,
  DEFAULT_MODEL_FILE,
  jsonOption,
  modelLoadOptions,
  modelOption,
  positiveInteger,
  requireCheckpointDirectory,
  requireDefaultModel,
  requireDirectory,
  runtimeOption,
  type ModelLoadFlags,
  type Runtime,
} from '../options.js';
import { loadTestSet } from '../test-set.js';

interface PredictFlags extends ModelLoadFlags {
  checkpoint: string;
  model?: string;
  runtime: Runtime;
  first: number;
  data?: string;
  backend?: string;
  json?: boolean;
}

/** One classified image file. */
interface FilePrediction {
  file: string;
  class: number;
  /** The class's label: the model's (metadata or --labels), else the class number. */
  label: string;
  probability: number;
}

/** Adds the flags, arguments and action of `mnist predict` to `command`. */
export function configure(command: Command, io: CliIo): void {
  addModelLoadOptions(
    command
      .argument('[images...]', `PNG or JPEG files of digits to classify (with --model, default: ${DEFAULT_MODEL_FILE})`)
      .addOption(checkpointOption().default(DEFAULT_CHECKPOINT_DIR))
      .addOption(modelOption())
      .addOption(runtimeOption()),
  )
    .addOption(new Option('--first <n>', 'number of leading test images to predict').argParser(positiveInteger('--first')).default(20))
    .addOption(dataOption())
    .addOption(backendOption())
    .addOption(jsonOption())
    .action(async (images: string[], _options: unknown, cmd: Command) => {
      const flags = cmd.opts<PredictFlags>();
      checkSourceFlags(cmd, flags.model !== undefined || images.length > 0);
      if (images.length > 0) await predictFiles(images, flags, cmd, io);
      else await predictTestImages(flags, cmd, io);
    });
}

async function predictTestImages(flags: PredictFlags, cmd: Command, io: CliIo): Promise<void> {
  if (flags.data !== undefined) requireDirectory('--data', flags.data);
  let predictions: number[];
  let labels: number[];
  if (flags.model !== undefined) {
    // The model first, as in eval: its export may record the dataset whose test images these are.
    const model = flags.model;
    ({ predictions, labels } = await withClassifier(model, flags.runtime, modelLoadOptions(flags), async (c) => {
      const test = await loadTestSet(flags.data, {
        source: model,
        dataset: c.metadata.dataset,
        classes: c.metadata.labels.length,
        onWarning: (line) => io.stderr.write(`${line}\n`),
      });
      if (flags.first > test.count) throw new CliError(`--first must be at most ${test.count} (the test set size), got ${flags.first}`);
      const result = await c.predict(test.images.subarray(0, flags.first * test.height * test.width));
      return { predictions: Array.from(result.classes, Number), labels: Array.from(test.labels.subarray(0, flags.first)) };
    }));
  } else {
    requireCheckpointDirectory(cmd, flags.checkpoint, '--model');
    const { predictCheckpoint } = await import('@mnist/trainer');
    const result = await predictCheckpoint(flags.checkpoint, {
      first: flags.first,
      dataDir: flags.data,
      backend: flags.backend,
      onWarning: (line) => io.stderr.write(`${line}\n`),
    });
    predictions = Array.from(result.predictions, Number);
    labels = Array.from(result.labels, Number);
  }
  // The original program printed two numpy arrays: `print("Predicted classes:", y_pred)`.
  printResult(io, flags.json, { predictions, labels }, [
    `Predicted classes: [${predictions.join(' ')}]`,
    `Actual classes:    [${labels.join(' ')}]`,
  ]);
}

async function predictFiles(files: string[], flags: PredictFlags, cmd: Command, io: CliIo): Promise<void> {
  if (flags.model === undefined && cmd.getOptionValueSource('checkpoint') !== 'default') {
    throw new CliError('classifying image files needs --model FILE.onnx, not --checkpoint');
  }
  const model = flags.model ?? DEFAULT_MODEL_FILE;
  requireDefaultModel(model, flags.model === undefined);
  // Decode everything first, before the model is loaded. One file alone fails the command as any bad
  // input does; among several, each bad file gets its own line and the rest are still classified.
  const readable: { file: string; pixels: Uint8Array }[] = [];
  const errors: { file: string; error: string }[] = [];
  for (const file of files) {
    try {
      readable.push({ file, pixels: digitPixels(file) });
    } catch (error) {
      if (files.length === 1) throw error;
      const message = oneLineMessage(error);
      errors.push({ file, error: message });
      io.stderr.write(`mnist: ${message}\n`);
    }
  }
  const failed = (): CliError => new CliError(`${errors.length} of ${files.length} image files could not be classified: ${errors.map((e) => e.file).join(', ')}`);
  if (readable.length === 0) throw failed();
  const batch = new Uint8Array(readable.length * IMAGE_PIXELS);
  readable.forEach((r, i) => batch.set(r.pixels, i * IMAGE_PIXELS));
  const { result, labels } = await withClassifier(model, flags.runtime, modelLoadOptions(flags), async (c) => ({
    result: await c.predict(batch),
    labels: c.metadata.labels,
  }));
  const numClasses = result.probabilities.length / readable.length;
  const predictions: FilePrediction[] = readable.map(({ file }, i) => {
    const cls = Number(result.classes[i]);
    return { file, class: cls, label: labels[cls] ?? String(cls), probability: result.probabilities[i * numClasses + cls] };
  });
  // Digits need no label column; a model with labels of its own (or --labels) shows them.
  const named = predictions.some((p) => p.label !== String(p.class));
  const width = Math.max(4, ...predictions.map((p) => p.file.length));
  const labelWidth = Math.max(5, ...predictions.map((p) => p.label.length));
  const label = (text: string): string => (named ? `  ${text.padEnd(labelWidth)}` : '');
  printResult(io, flags.json, errors.length > 0 ? { predictions, errors } : { predictions }, [
    `${'file'.padEnd(width)}  class${label('label')}  probability`,
    ...predictions.map((p) => `${p.file.padEnd(width)}  ${String(p.class).padStart(5)}${label(p.label)}  ${p.probability.toFixed(4).padStart(11)}`),
  ]);
  if (errors.length > 0) throw failed();
}

// A photo or drawing of one digit, made to look like an MNIST test image; the file's size is checked
// before it is read, the picture's before it is decoded.
function digitPixels(file: string): Uint8Array {
  const image = decodeImageFile(file);
  try {
    return preprocessDigitImage(image);
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`);
  }
}
