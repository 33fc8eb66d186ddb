// Listening on a host and port, with SIGTERM/SIGINT ending the process gracefully: no new
// connections, requests in flight answered, then the model released.
import { createServer, type MnistServer, type ServerOptions } from './create-server.js';

export interface StartServerOptions extends ServerOptions {
  /** Address to listen on. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Close gracefully on SIGTERM and SIGINT. Default true; tests pass false. */
  handleSignals?: boolean;
}

/** A listening server. */
export interface RunningServer extends MnistServer {
  /** Where it listens, e.g. http://127.0.0.1:8080. */
  url: string;
}

/**
 * Loads the model and listens. On SIGTERM or SIGINT (when `handleSignals` is not false) it stops
 * accepting, finishes requests in flight, releases the model and lets the process exit.
 * @example
 * const { url, close } = await startServer({ model: 'model.onnx', port: 8080 });
 * console.error(`serving on ${url}`);
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`options.port must be an integer in [0, 65535], got ${port}`);
  const server = await createServer(options);
  try {
    await server.app.listen({ host, port });
  } catch (error) {
    await server.close();
    throw new Error(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
  }
  const address = server.app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
  const close = (): Promise<void> => {
    if (onSignal) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      onSignal = undefined;
    }
    return server.close();
  };
  if (options.handleSignals !== false) {
    onSignal = (signal) => {
      server.app.log.info(`${signal}: finishing requests in flight, then exiting`);
      close().catch((error: unknown) => {
        console.error(`error while closing the server: ${(error as Error).message}`);
        process.exitCode = 1;
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { ...server, url, close };
}
