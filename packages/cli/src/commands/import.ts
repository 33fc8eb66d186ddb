// `mnist import MODEL.onnx --out CKPT`: a foreign ONNX MLP (PyTorch, Keras via tf2onnx) as a checkpoint
// of ours, to score with `mnist eval --checkpoint` and fine-tune with `mnist train --init-from`.
import { Option, type Command } from 'commander';
import { printResult, type CliIo } from '../cli-io.js';
import { jsonOption, labelList, normalization } from '../options.js';
import type { Normalization } from '@mnist/core';

interface ImportFlags {
  out: string;
  overwrite?: boolean;
  normalize?: Normalization;
  labels?: string[];
  output?: string;
  json?: boolean;
}

/** Adds the argument, flags and action of `mnist import` to `command`. */
export function configure(command: Command, io: CliIo): void {
  command
    .argument('<model>', 'the .onnx file of an MLP: Gemm (or MatMul + Add) layers with one activation between')
    .addOption(new Option('--out <dir>', 'checkpoint directory to write').makeOptionMandatory())
    .addOption(new Option('--overwrite', 'replace the checkpoint --out holds (its model.json and weights.bin; other files are kept)'))
    .addOption(
      new Option('--normalize <mean,std>', "the model's input normalization, (pixel/255 - MEAN) / STD, folded into its first layer (default: the model's metadata, else none)").argParser(
        normalization('--normalize'),
      ),
    )
    .addOption(new Option('--labels <a,b,...>', "class labels, one per output (default: the model's metadata, else 0..K-1)").argParser(labelList('--labels')))
    .addOption(new Option('--output <name>', "the model's class-score output, when it has several"))
    .addOption(jsonOption())
    .action(async (model: string, _options: unknown, cmd: Command) => {
      const flags = cmd.opts<ImportFlags>();
      const { importOnnx } = await import('@mnist/trainer');
      const r = await importOnnx(model, { out: flags.out, overwrite: flags.overwrite, normalization: flags.normalize, labels: flags.labels, output: flags.output });
      const { spec } = r;
      const network = [spec.inputSize, ...spec.hiddenUnits, spec.outputSize].join('-');
      const constant = spec.leakyReluAlpha ?? spec.eluAlpha;
      const p = r.preprocessing;
      const folded = p.mean === undefined && p.pixelScale === 1 / 255 ? 'none' : `pixelScale ${p.pixelScale}${p.mean === undefined ? '' : `, mean ${p.mean}, std ${p.std}`} (from ${p.from})`;
      printResult(
        io,
        flags.json,
        { checkpoint: r.checkpoint, spec, labels: r.labels, ops: r.ops, output: r.output, preprocessing: p, sha256: r.sha256 },
        [
          `Network: ${network} ${spec.hiddenUnits.length ? spec.activation + (constant === undefined ? '' : ` (alpha ${constant})`) : '(no hidden layers)'}`,
          `Read: ${r.ops.join(', ')}${r.output.head === 'logits' ? '' : ` (the final ${r.output.head === 'probabilities' ? 'Softmax' : 'LogSoftmax'} dropped: checkpoints give logits)`}`,
          `Normalization folded into the first layer: ${folded}`,
          `Labels: ${r.labels.join(',')}`,
          `Checkpoint: ${r.checkpoint}`,
        ],
      );
    });
}
