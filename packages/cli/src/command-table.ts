// The commands of `mnist`, by name: each is loaded only when invoked, so `mnist predict` never pays
// for TensorFlow.js and `--help` stays instant.
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';

/** What a command file exports: it adds its flags and its action to a commander Command. */
export interface CommandModule {
  configure(command: Command, io: CliIo): void;
}

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CommandModule>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'train', summary: 'train the 784-300-100-10 network and save a checkpoint', load: () => import('./commands/train.js') },
  { name: 'eval', summary: 'score a checkpoint or an ONNX model on the test set', load: () => import('./commands/eval.js') },
  {
    name: 'predict',
    summary: 'predict the first test images, or classify PNG/JPEG images with an ONNX model',
    load: () => import('./commands/predict.js'),
  },
  {
    name: 'report',
    summary: "write an HTML page of a checkpoint's training curves, confusion matrix, per-class scores and worst mistakes",
    load: () => import('./commands/report.js'),
  },
  { name: 'export', summary: 'export a checkpoint as an ONNX model', load: () => import('./commands/export.js') },
  { name: 'import', summary: 'import an ONNX MLP (PyTorch, Keras) as a checkpoint, to eval and fine-tune', load: () => import('./commands/import.js') },
  { name: 'inspect', summary: "print an ONNX model's inputs, outputs, opset and metadata", load: () => import('./commands/inspect.js') },
  {
    name: 'tune',
    summary: 'random search over layers, units, learning rate, activation, dropout and optimizer; keep the best',
    load: () => import('./commands/tune.js'),
  },
  { name: 'demo', summary: 'serve the digit-drawing demo page with an ONNX model', load: () => import('./commands/demo.js') },
  { name: 'serve', summary: 'serve an ONNX model over HTTP (POST /v1/predict)', load: () => import('./commands/serve.js') },
];
