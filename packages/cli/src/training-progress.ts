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
 * The trainer's epochs are 0-based; the bar shows them 1-based, out of `epochs` when that is known,
 * as the trainer's epoch lines do (`epoch 3/30`).
 * @example const p = trainingProgress(process.stderr, true, 30); p.progress(10, 1100, 2); p.log('epoch 3/30: loss ...');
 */
export function trainingProgress(stderr: NodeJS.WritableStream, showBar: boolean, epochs?: number): TrainingProgress {
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
          format: `epoch ${epoch + 1}${epochs !== undefined ? `/${epochs}` : ''} [{bar}] {percentage}% | {value}/{total} batches | ETA {eta_formatted}`,
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
 * down however `run` ends. `epochs`: the epoch budget, for the bar's `epoch 3/30` (unknown: `epoch 3`).
 * @example const result = await withTrainingProgress(io, (hooks) => train({ epochs: 1, ...hooks }), 1);
 */
export async function withTrainingProgress<T>(io: Pick<CliIo, 'stderr' | 'interactive'>, run: (hooks: TrainingHooks) => Promise<T>, epochs?: number): Promise<T> {
  const progress = trainingProgress(io.stderr, io.interactive, epochs);
  try {
    return await run({
      onLog: (line) => progress.log(line),
      onProgress: (done, total, epoch) => progress.progress(done, total, epoch),
    });
  } finally {
    progress.stop();
  }
}
