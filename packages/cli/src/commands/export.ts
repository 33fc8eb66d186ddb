// `mnist export --onnx`: a checkpoint as an ONNX model file, written atomically, with the checkpoint's
// test accuracy in its metadata.
import { dirname, join } from 'node:path';
import { DEFAULT_OPSET } from '@mnist/core';
import { Option, type Command } from 'commander';
import { printResult, type CliIo } from '../cli-io.js';
import { CliError } from '../errors.js';
import { checkpointOption, DEFAULT_CHECKPOINT_DIR, jsonOption, positiveInteger, requireDirectory } from '../options.js';

interface ExportFlags {
  onnx?: boolean;
  checkpoint: string;
  out?: string;
  opset?: number;
  json?: boolean;
}

/** Adds the flags and action of `mnist export` to `command`. */
export function configure(command: Command, io: CliIo): void {
  command
    .addOption(new Option('--onnx', 'export as ONNX (the only format so far)'))
    .addOption(checkpointOption('checkpoint directory to export').default(DEFAULT_CHECKPOINT_DIR))
    .addOption(new Option('--out <file>', 'output file (default: <checkpoint>/model.onnx)'))
    .addOption(new Option('--opset <n>', 'ONNX opset version (default: 17)').argParser(positiveInteger('--opset')))
    .addOption(jsonOption())
    .action(async (_options: unknown, cmd: Command) => {
      const flags = cmd.opts<ExportFlags>();
      if (!flags.onnx) throw new CliError('export needs a format: --onnx');
      const result = await exportModel(flags);
      printResult(io, flags.json, result, result.model);
    });
}

async function exportModel(flags: ExportFlags): Promise<{ model: string; opset: number; bytes: number }> {
  const [{ loadCheckpoint }, { writeFileAtomic }, { exportOnnx }] = await Promise.all([import('@mnist/trainer'), import('@mnist/trainer/internal'), import('@mnist/export')]);
  const out = flags.out ?? join(flags.checkpoint, 'model.onnx');
  if (flags.out !== undefined) requireDirectory('--out', dirname(out));
  const checkpoint = await loadCheckpoint(flags.checkpoint);
  const bytes = exportOnnx(checkpoint, {
    opset: flags.opset,
    source: flags.checkpoint,
    testAccuracy: checkpoint.modelJson.training.testAccuracy,
  });
  // The trainer's crash-safe write: temp file beside `out`, fsync, rename.
  await writeFileAtomic(out, bytes);
  return { model: out, opset: flags.opset ?? DEFAULT_OPSET, bytes: bytes.byteLength };
}
