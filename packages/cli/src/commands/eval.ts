// `mnist eval`: the accuracy of a checkpoint (TensorFlow.js) or an ONNX model (ONNX Runtime) on the
// test set.
import type { Command } from 'commander';
import { printResult, type CliIo } from '../cli-io.js';
import { CliError } from '../errors.js';
import { withClassifier } from '../load-classifier.js';
import {
  addModelLoadOptions,
  backendOption,
  checkSourceFlags,
  checkpointOption,
  dataOption,
  jsonOption,
  modelLoadOptions,
  modelOption,
  requireDirectory,
  runtimeOption,
  type ModelLoadFlags,
  type Runtime,
} from '../options.js';
import { loadTestSet } from '../test-set.js';

interface EvalFlags extends ModelLoadFlags {
  checkpoint?: string;
  model?: string;
  runtime: Runtime;
  data?: string;
  backend?: string;
  json?: boolean;
}

/** Adds the flags and action of `mnist eval` to `command`. */
export function configure(command: Command, io: CliIo): void {
  addModelLoadOptions(command.addOption(checkpointOption()).addOption(modelOption()).addOption(runtimeOption()))
    .addOption(dataOption())
    .addOption(backendOption())
    .addOption(jsonOption())
    .action(async (_options: unknown, cmd: Command) => {
      const flags = cmd.opts<EvalFlags>();
      checkSourceFlags(cmd, flags.model !== undefined);
      const result = await evaluate(flags);
      printResult(io, flags.json, result, `Test accuracy: ${result.accuracy.toFixed(4)} (${result.n} images)`);
    });
}

async function evaluate(flags: EvalFlags): Promise<{ accuracy: number; n: number }> {
  if (flags.data !== undefined) requireDirectory('--data', flags.data);
  if (flags.model !== undefined) {
    // The model first: a file that cannot be a model is refused before the test set is read.
    const { accuracy, n } = await withClassifier(flags.model, flags.runtime, modelLoadOptions(flags), async (c) => {
      const test = await loadTestSet(flags.data);
      return c.evaluate(test.images, test.labels);
    });
    return { accuracy, n };
  }
  if (flags.checkpoint === undefined) throw new CliError('eval needs --checkpoint DIR or --model FILE.onnx');
  const { evaluateCheckpoint } = await import('@mnist/trainer');
  const { accuracy, n } = await evaluateCheckpoint(flags.checkpoint, { dataDir: flags.data, backend: flags.backend });
  return { accuracy, n };
}
