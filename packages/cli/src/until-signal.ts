// Long-running commands end on SIGINT or SIGTERM with a clean close instead of a kill: serve and demo
// wait for the signal, train aborts its run (and a second signal stops it at once).
import { constants } from 'node:os';

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

/** What `abortOnSignal` hands back. */
export interface SignalAbort {
  /** Aborted by the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** The first signal received, if any. */
  received(): NodeJS.Signals | undefined;
  /** Removes the handlers (the default action, exit, applies again). */
  dispose(): void;
}

/**
 * An AbortSignal for the first SIGINT or SIGTERM, so a run can stop at a safe point; a second signal
 * calls `onSecond`, which must end the process (its handler replaces the default exit).
 * @example const stop = abortOnSignal(() => process.exit(130)); try { await train({ signal: stop.signal }) } finally { stop.dispose() }
 */
export function abortOnSignal(onSecond: (signal: NodeJS.Signals) => void): SignalAbort {
  const controller = new AbortController();
  let first: NodeJS.Signals | undefined;
  const handle = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = signal;
      controller.abort(new DOMException(`interrupted by ${signal}`, 'AbortError'));
    } else {
      onSecond(signal);
    }
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  return {
    signal: controller.signal,
    received: () => first,
    dispose: () => {
      process.off('SIGINT', handle);
      process.off('SIGTERM', handle);
    },
  };
}

/**
 * The shell's exit code for a process ended by `signal`: 128 plus its number (SIGINT 130, SIGTERM 143).
 * @example signalExitCode('SIGINT') === 130
 */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}
