// Listening on a host and port, with SIGTERM/SIGINT ending the process gracefully within a bounded
// time: no new connections, requests in flight answered (for up to shutdownTimeoutMs), then the
// decode workers stopped and the model released; a second signal cuts every connection at once.
import { createServer, type CloseSummary, type MnistServer, type ServerOptions } from './create-server.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './connection-limits.js';

export interface StartServerOptions extends ServerOptions {
  /** Address to listen on. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port; 0 picks a free one. Default 8080. */
  port?: number;
  /**
   * Close gracefully on the first SIGTERM or SIGINT and at once on the second. Default true; tests
   * pass false.
   */
  handleSignals?: boolean;
  /** Where the shutdown steps are told, one line each. Default: the fastify logger (silent unless `logger`). */
  notify?: (line: string) => void;
}

/** A listening server. */
export interface RunningServer extends MnistServer {
  /** Where it listens, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Settles when the server has closed, by close(), forceClose() or a signal. */
  readonly closed: Promise<CloseSummary>;
}

/**
 * Loads the model and listens. On SIGTERM or SIGINT (when `handleSignals` is not false) it stops
 * accepting, finishes requests in flight for up to `shutdownTimeoutMs` (then cuts the connections
 * left), stops the decode workers and releases the model, so the process exits; a second signal
 * cuts the connections at once.
 * @example
 * const { url, closed } = await startServer({ model: 'model.onnx', port: 8080 });
 * console.error(`serving on ${url}`);
 * await closed; // after SIGTERM
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
    throw new Error(`cannot listen on ${host}:${port}: ${(error as Error).message}`, { cause: error });
  }
  const address = server.app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  const notify = options.notify ?? ((line: string) => server.app.log.info(line));

  let settle!: { resolve: (summary: CloseSummary) => void; reject: (error: unknown) => void };
  const closed = new Promise<CloseSummary>((resolve, reject) => (settle = { resolve, reject }));
  // Whoever awaits `closed` sees a failure; nobody awaiting it is no crash.
  closed.catch(() => {});
  const track = (closing: Promise<CloseSummary>): Promise<CloseSummary> => {
    closing.then(settle.resolve, settle.reject);
    return closing;
  };

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      const seconds = (options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS) / 1000;
      notify(`${signal}: finishing requests in flight (at most ${seconds} s; ${signal} again stops at once)`);
      track(server.close()).then(
        (summary) => {
          if (summary.how === 'timeout') notify(`cut ${summary.cutConnections} connection(s) still open after ${seconds} s`);
        },
        (error: unknown) => {
          notify(`error while closing the server: ${(error as Error).message}`);
          process.exitCode = 1;
        },
      );
    } else if (signals === 2) {
      notify(`${signal} again: cutting the open connections now`);
      track(server.forceClose()).catch(() => {});
    }
  };
  if (options.handleSignals !== false) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // Until the close is over a signal means "stop"; afterwards Node's default applies again.
    const removeHandlers = (): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
    closed.then(removeHandlers, removeHandlers);
  }
  return {
    app: server.app,
    classifier: server.classifier,
    batchStats: server.batchStats,
    get decodeStats() {
      return server.decodeStats;
    },
    url,
    closed,
    close: () => track(server.close()),
    forceClose: () => track(server.forceClose()),
  };
}
