// `mnist serve`: the reference HTTP server (@mnist/serve) for an exported ONNX model.
import { Option, type Command } from 'commander';
import {
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
} from '@mnist/serve';
import type { CliIo } from '../cli-io.js';
import { CliError, UsageError } from '../errors.js';
import { addModelLoadOptions, DEFAULT_MODEL_FILE, modelLoadOptions, portNumber, positiveInteger, requireDefaultModel, type ModelLoadFlags } from '../options.js';

interface ServeFlags extends ModelLoadFlags {
  model: string;
  host: string;
  port: number;
  requestTimeout?: number;
  headersTimeout?: number;
  keepAliveTimeout?: number;
  shutdownTimeout?: number;
  maxConnections?: number;
  decodeWorkers?: number;
}

/** Adds the flags and action of `mnist serve` to `command`. */
export function configure(command: Command, io: CliIo): void {
  addModelLoadOptions(command.addOption(new Option('--model <file>', 'ONNX model to serve (from `mnist export`, or a PyTorch/Keras classifier)').default(DEFAULT_MODEL_FILE)))
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1'))
    .addOption(new Option('--port <n>', 'port (0 picks a free one)').argParser(portNumber('--port')).default(8080))
    .addOption(secondsOption('--request-timeout', 'time for a whole request to arrive, else 408; 0 = none', DEFAULT_REQUEST_TIMEOUT_MS))
    .addOption(secondsOption('--headers-timeout', 'time for the request headers to arrive, else 408; 0 = none', DEFAULT_HEADERS_TIMEOUT_MS))
    .addOption(secondsOption('--keep-alive-timeout', 'how long an idle keep-alive connection stays open', DEFAULT_KEEP_ALIVE_TIMEOUT_MS, 0.001))
    .addOption(secondsOption('--shutdown-timeout', 'on SIGTERM/SIGINT, how long requests in flight may take before their connections are cut', DEFAULT_SHUTDOWN_TIMEOUT_MS))
    .addOption(new Option('--max-connections <n>', `most open connections; more are closed when accepted (default: ${DEFAULT_MAX_CONNECTIONS})`).argParser(positiveInteger('--max-connections')))
    .addOption(new Option('--decode-workers <n>', 'threads decoding PNG/JPEG bodies (default: min(cores, 2))').argParser(positiveInteger('--decode-workers')))
    .action(async (_options: unknown, cmd: Command) => {
      const flags = cmd.opts<ServeFlags>();
      requireDefaultModel(flags.model, cmd.getOptionValueSource('model') === 'default');
      await serve(flags, io);
    });
}

async function serve(flags: ServeFlags, io: CliIo): Promise<void> {
  const { startServer } = await import('@mnist/serve');
  // The bin exits as soon as the action returns, so the action waits for the server to close: the
  // first SIGINT/SIGTERM closes it gracefully (bounded by --shutdown-timeout), a second at once.
  const server = await startServer({
    model: flags.model,
    modelOptions: modelLoadOptions(flags),
    host: flags.host,
    port: flags.port,
    requestTimeoutMs: flags.requestTimeout,
    headersTimeoutMs: flags.headersTimeout,
    keepAliveTimeoutMs: flags.keepAliveTimeout,
    shutdownTimeoutMs: flags.shutdownTimeout,
    maxConnections: flags.maxConnections,
    decodeWorkers: flags.decodeWorkers,
    notify: (line) => io.stderr.write(`${line}\n`),
  });
  io.stdout.write(`${server.url}\n`);
  io.stderr.write(`Serving ${flags.model} (POST /v1/predict, GET /v1/model, GET /healthz); Ctrl-C to stop\n`);
  const summary = await server.closed;
  if (summary.how === 'forced') throw new CliError(`stopped at once on a second signal; ${summary.cutConnections} connection(s) were cut`);
}

// A duration flag in seconds (fractions allowed), handed to the server in whole milliseconds.
function secondsOption(flag: string, description: string, defaultMs: number, min = 0): Option {
  return new Option(`${flag} <seconds>`, `${description} (default: ${defaultMs / 1000})`).argParser((value) => {
    const seconds = value.trim() === '' ? NaN : Number(value);
    if (!Number.isFinite(seconds) || seconds < min || seconds * 1000 > 2 ** 31 - 1) throw new UsageError(flag, `a number of seconds in [${min}, 2147483]`, value);
    return Math.round(seconds * 1000);
  });
}
