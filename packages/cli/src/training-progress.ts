// Training feedback on stderr: log lines always, a per-epoch progress bar only on a live terminal.
import cliProgress from 'cli-progress';
import type { CliIo } from './cli-io.js';

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

/** The trainer's feedback callbacks, as `train`, `trainEstimator` and `tune` take them. */
export interface TrainingHooks {
  onLog: (line: string) => void;
  onProgress: (done: number, total: number, epoch: number) => void;
}

/**
 * Runs `run` with hooks that report on `io.stderr` (a bar only when interactive), and takes the bar
 * down however `run` ends.
 * @example const result = await withTrainingProgress(io, (hooks) => train({ epochs: 1, ...hooks }));
 */
export async function withTrainingProgress<T>(io: Pick<CliIo, 'stderr' | 'interactive'>, run: (hooks: TrainingHooks) => Promise<T>): Promise<T> {
  const progress = trainingProgress(io.stderr, io.interactive);
  try {
    return await run({
      onLog: (line) => progress.log(line),
      onProgress: (done, total, epoch) => progress.progress(done, total, epoch),
    });
  } finally {
    progress.stop();
  }
}
