// Long-running commands (demo, serve) end on SIGINT or SIGTERM with a clean close instead of a kill.

/**
 * Resolves on the first SIGINT or SIGTERM, with the signal's name; the handlers are then removed.
 * @example await untilSignal(); await server.close();
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(signal);
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
