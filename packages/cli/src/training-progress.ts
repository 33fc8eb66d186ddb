// Training feedback on stderr: log lines always, a per-epoch progress bar only on a live terminal.
import cliProgress from 'cli-progress';

/** Receives the trainer's callbacks and keeps the bar and the log lines from overwriting each other. */
export interface TrainingProgress {
  progress(done: number, total: number, epoch: number): void;
  log(line: string): void;
  stop(): void;
}

/**
 * A progress reporter writing to `stderr`; with `showBar` false (pipes, CI) only log lines appear.
 * @example const p = trainingProgress(process.stderr, true); p.progress(10, 1100, 1); p.log('0 Batch accuracy: ...');
 */
export function trainingProgress(stderr: NodeJS.WritableStream, showBar: boolean): TrainingProgress {
  let bar: cliProgress.SingleBar | undefined;
  let barEpoch = -1;
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
  };
  return {
    progress(done, total, epoch) {
      if (!showBar) return;
      if (!bar || barEpoch !== epoch) {
        stopBar();
        barEpoch = epoch;
        bar = new cliProgress.SingleBar({
          stream: stderr,
          format: `epoch ${epoch} [{bar}] {percentage}% | {value}/{total} batches | ETA {eta_formatted}`,
          clearOnComplete: true,
          hideCursor: true,
          barsize: 30,
          // The training step runs synchronously: redraw from update(), not from a timer.
          synchronousUpdate: true,
        });
        bar.start(total, done);
      } else {
        bar.update(done);
      }
    },
    log(line) {
      // Clear the bar before a log line; the next progress call redraws it below the line.
      stopBar();
      stderr.write(`${line}\n`);
    },
    stop: stopBar,
  };
}
