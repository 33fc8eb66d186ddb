// `mnist export`: a checkpoint as an ONNX model file (the only format, so `--onnx` may be left out),
// written atomically into its folder (made if missing), with the checkpoint's test accuracy in its metadata.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_OPSET } from '@mnist/core';
import { Option, type Command } from 'commander';
import { printResult, type CliIo } from '../cli-io.js';
import { CliError } from '../errors.js';
import { checkpointOption, DEFAULT_CHECKPOINT_DIR, jsonOption, positiveInteger, requireCheckpointDirectory } from '../options.js';

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
    .addOption(new Option('--onnx', 'export as ONNX (the default, and the only format so far)'))
    .addOption(checkpointOption('checkpoint directory to export').default(DEFAULT_CHECKPOINT_DIR))
    .addOption(new Option('--out <file>', 'output file (default: <checkpoint>/model.onnx)'))
    .addOption(new Option('--opset <n>', 'ONNX opset version (default: 17)').argParser(positiveInteger('--opset')))
    .addOption(jsonOption())
    .action(async (_options: unknown, cmd: Command) => {
      const flags = cmd.opts<ExportFlags>();
      requireCheckpointDirectory(cmd, flags.checkpoint);
      const result = await exportModel(flags);
      printResult(io, flags.json, result, result.model);
    });
}

async function exportModel(flags: ExportFlags): Promise<{ model: string; opset: number; bytes: number }> {
  const [{ loadCheckpoint }, { writeFileAtomic }, { exportOnnx }] = await Promise.all([import('@mnist/trainer'), import('@mnist/trainer/internal'), import('@mnist/export')]);
  const out = flags.out ?? join(flags.checkpoint, 'model.onnx');
  if (flags.out !== undefined) checkOut(out);
  const checkpoint = await loadCheckpoint(flags.checkpoint);
  const bytes = exportOnnx(checkpoint, {
    opset: flags.opset,
    source: flags.checkpoint,
    testAccuracy: checkpoint.modelJson.training.testAccuracy,
  });
  // Folders are made only once there is a model to put in them; then the trainer's crash-safe write:
  // temp file beside `out`, fsync, rename.
  mkdirSync(dirname(out), { recursive: true });
  await writeFileAtomic(out, bytes);
  return { model: out, opset: flags.opset ?? DEFAULT_OPSET, bytes: bytes.byteLength };
}

// A file standing where one of `--out`'s folders would go is refused at once, rather than after the
// checkpoint has been read (a folder as `--out` itself is refused by the atomic write).
function checkOut(out: string): void {
  for (let dir = dirname(out); ; dir = dirname(dir)) {
    const kind = pathKind(dir);
    if (kind === 'directory') return;
    if (kind === 'file') throw new CliError(`--out: ${JSON.stringify(dir)} is a file, expected a directory to write ${JSON.stringify(out)} in`);
    if (dirname(dir) === dir) return;
  }
}

function pathKind(path: string): 'directory' | 'file' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}
