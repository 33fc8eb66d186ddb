// `mnist predict`: the original program's "Predicted classes / Actual classes" for the first test
// images, from a checkpoint or an ONNX model; or, given image files, the class of each digit picture.
import { IMAGE_PIXELS, preprocessDigitImage } from '@mnist/core';
import { Option, type Command } from 'commander';
import { printResult, type CliIo } from '../cli-io.js';
import { decodeImageFile } from '@mnist/infer-node';
import { CliError } from '../errors.js';
import { withClassifier } from '../load-classifier.js';
import {
  addModelLoadOptions,
  backendOption,
  checkpointOption,
  checkSourceFlags,
  dataOption,
  jsonOption,
  modelLoadOptions,
  modelOption,
  positiveInteger,
  requireDirectory,
  runtimeOption,
  type ModelLoadFlags,
  type Runtime,
} from '../options.js';
import { loadTestSet } from '../test-set.js';

interface PredictFlags extends ModelLoadFlags {
  checkpoint?: string;
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
    command.argument('[images...]', 'PNG or JPEG files of digits to classify (needs --model)').addOption(checkpointOption()).addOption(modelOption()).addOption(runtimeOption()),
  )
    .addOption(new Option('--first <n>', 'number of leading test images to predict').argParser(positiveInteger('--first')).default(20))
    .addOption(dataOption())
    .addOption(backendOption())
    .addOption(jsonOption())
    .action(async (images: string[], _options: unknown, cmd: Command) => {
      const flags = cmd.opts<PredictFlags>();
      checkSourceFlags(cmd, flags.model !== undefined || images.length > 0);
      if (images.length > 0) await predictFiles(images, flags, io);
      else await predictTestImages(flags, io);
    });
}

async function predictTestImages(flags: PredictFlags, io: CliIo): Promise<void> {
  if (flags.data !== undefined) requireDirectory('--data', flags.data);
  let predictions: number[];
  let labels: number[];
  if (flags.model !== undefined) {
    const test = await loadTestSet(flags.data);
    if (flags.first > test.count) throw new CliError(`--first must be at most ${test.count} (the test set size), got ${flags.first}`);
    const pixels = test.height * test.width;
    const result = await withClassifier(flags.model, flags.runtime, modelLoadOptions(flags), (c) => c.predict(test.images.subarray(0, flags.first * pixels)));
    predictions = Array.from(result.classes, Number);
    labels = Array.from(test.labels.subarray(0, flags.first));
  } else if (flags.checkpoint !== undefined) {
    const { predictCheckpoint } = await import('@mnist/trainer');
    const result = await predictCheckpoint(flags.checkpoint, { first: flags.first, dataDir: flags.data, backend: flags.backend });
    predictions = Array.from(result.predictions, Number);
    labels = Array.from(result.labels, Number);
  } else {
    throw new CliError('predict needs --checkpoint DIR or --model FILE.onnx');
  }
  // The original program printed two numpy arrays: `print("Predicted classes:", y_pred)`.
  printResult(io, flags.json, { predictions, labels }, [
    `Predicted classes: [${predictions.join(' ')}]`,
    `Actual classes:    [${labels.join(' ')}]`,
  ]);
}

async function predictFiles(files: string[], flags: PredictFlags, io: CliIo): Promise<void> {
  if (flags.model === undefined) throw new CliError('classifying image files needs --model FILE.onnx');
  // Decode everything first: a bad file fails the command before the model is loaded.
  const batch = new Uint8Array(files.length * IMAGE_PIXELS);
  files.forEach((file, i) => batch.set(digitPixels(file), i * IMAGE_PIXELS));
  const { result, labels } = await withClassifier(flags.model, flags.runtime, modelLoadOptions(flags), async (c) => ({
    result: await c.predict(batch),
    labels: c.metadata.labels,
  }));
  const numClasses = result.probabilities.length / files.length;
  const predictions: FilePrediction[] = files.map((file, i) => {
    const cls = Number(result.classes[i]);
    return { file, class: cls, label: labels[cls] ?? String(cls), probability: result.probabilities[i * numClasses + cls] };
  });
  // Digits need no label column; a model with labels of its own (or --labels) shows them.
  const named = predictions.some((p) => p.label !== String(p.class));
  const width = Math.max(4, ...files.map((f) => f.length));
  const labelWidth = Math.max(5, ...predictions.map((p) => p.label.length));
  const label = (text: string): string => (named ? `  ${text.padEnd(labelWidth)}` : '');
  printResult(io, flags.json, { predictions }, [
    `${'file'.padEnd(width)}  class${label('label')}  probability`,
    ...predictions.map((p) => `${p.file.padEnd(width)}  ${String(p.class).padStart(5)}${label(p.label)}  ${p.probability.toFixed(4).padStart(11)}`),
  ]);
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
