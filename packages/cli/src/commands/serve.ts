// `mnist serve`: the reference HTTP server (@mnist/serve) for an exported ONNX model.
import { Option, type Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { portNumber } from '../options.js';
import { untilSignal } from '../until-signal.js';

interface ServeFlags {
  model: string;
  host: string;
  port: number;
}

/** Adds the flags and action of `mnist serve` to `command`. */
export function configure(command: Command, io: CliIo): void {
  command
    .addOption(new Option('--model <file>', 'ONNX model to serve (from `mnist export --onnx`)').makeOptionMandatory())
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1'))
    .addOption(new Option('--port <n>', 'port (0 picks a free one)').argParser(portNumber('--port')).default(8080))
    .action(async (_options: unknown, cmd: Command) => {
      await serve(cmd.opts<ServeFlags>(), io);
    });
}

async function serve(flags: ServeFlags, io: CliIo): Promise<void> {
  const { startServer } = await import('@mnist/serve');
  // The command owns the signals: the bin exits as soon as the action returns, so the action waits for
  // SIGINT/SIGTERM and then for the graceful close (requests in flight answered).
  const server = await startServer({ model: flags.model, host: flags.host, port: flags.port, handleSignals: false });
  io.stdout.write(`${server.url}\n`);
  io.stderr.write(`Serving ${flags.model} (POST /v1/predict, GET /v1/model, GET /healthz); Ctrl-C to stop\n`);
  const signal = await untilSignal();
  io.stderr.write(`${signal}: finishing requests in flight\n`);
  await server.close();
}
