// `mnist eval`: the accuracy, per-class scores and confusion matrix of a checkpoint (TensorFlow.js) or
// an ONNX model (ONNX Runtime) on the test set (the dataset the checkpoint or export records unless --data says otherwise).
import type { Command } from 'commander';
import { printResult, type CliIo } from '../cli-io.js';
import { evalLines, evalReport, type EvalReport } from '../eval-report.js';
import { withClassifier } from '../load-classifier.js';
import {
  addModelLoadOptions,
  backendOption,
  checkSourceFlags,
  checkpointOption,
  dataOption,
  DEFAULT_CHECKPOINT_DIR,
  jsonOption,
  modelLoadOptions,
  modelOption,
  requireCheckpointDirectory,
  requireDirectory,
  runtimeOption,
  type ModelLoadFlags,
  type Runtime,
} from '../options.js';
import { loadTestSet } from '../test-set.js';

interface EvalFlags extends ModelLoadFlags {
  checkpoint: string;
  model?: string;
  runtime: Runtime;
  data?: string;
  backend?: string;
  json?: boolean;
}

/** Adds the flags and action of `mnist eval` to `command`. */
export function configure(command: Command, io: CliIo): void {
  addModelLoadOptions(command.addOption(checkpointOption().default(DEFAULT_CHECKPOINT_DIR)).addOption(modelOption()).addOption(runtimeOption()))
    .addOption(dataOption())
    .addOption(backendOption())
    .addOption(jsonOption())
    .action(async (_options: unknown, cmd: Command) => {
      const flags = cmd.opts<EvalFlags>();
      checkSourceFlags(cmd, flags.model !== undefined);
      const result = await evaluate(flags, cmd, io);
      printResult(io, flags.json, result, evalLines(result));
    });
}

async function evaluate(flags: EvalFlags, cmd: Command, io: CliIo): Promise<EvalReport> {
  if (flags.data !== undefined) requireDirectory('--data', flags.data);
  if (flags.model !== undefined) {
    // The model first: a file that cannot be a model is refused before the test set is read, which is
    // the dataset its export records (mnist.dataset) unless --data says otherwise, as for a checkpoint.
    return withClassifier(flags.model, flags.runtime, modelLoadOptions(flags), async (c) => {
      const test = await loadTestSet(flags.data, {
        source: flags.model!,
        dataset: c.metadata.dataset,
        classes: c.metadata.labels.length,
        onWarning: (line) => io.stderr.write(`${line}\n`),
      });
      const { accuracy, n, confusionMatrix } = await c.evaluate(test.images, test.labels);
      return evalReport(accuracy, n, confusionMatrix, c.metadata.labels);
    });
  }
  requireCheckpointDirectory(cmd, flags.checkpoint, '--model');
  const { evaluateCheckpoint } = await import('@mnist/trainer');
  const { accuracy, n, confusionMatrix, labels } = await evaluateCheckpoint(flags.checkpoint, {
    dataDir: flags.data,
    backend: flags.backend,
    onWarning: (line) => io.stderr.write(`${line}\n`),
  });
  return evalReport(accuracy, n, confusionMatrix, labels);
}
