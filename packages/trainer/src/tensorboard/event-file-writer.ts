// A TensorBoard event file in a run folder of its own: `<logdir>/<run>/events.out.tfevents.<seconds>.<host>`,
// written record by record, so what was logged is on disk even if the process dies.
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileVersionEvent, scalarEvent, type ScalarValue } from './event-proto.js';
import { tfRecord } from './tfrecord.js';

/** A failure to create or write an event file: one line naming the file. */
export class EventFileError extends Error {
  constructor(file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    super(`cannot write TensorBoard log ${file}: ${code ?? (cause as Error | undefined)?.message ?? String(cause)}`, { cause });
    this.name = 'EventFileError';
  }
}

/**
 * A run folder name from the start time, `YYYY-MM-DD_HH-MM-SS` (UTC, sorts as it reads).
 * @example runName(new Date(0)) // '1970-01-01_00-00-00'
 */
export function runName(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', '_').replace(/:/g, '-');
}

/** Writes scalar summaries to one event file; opened with `EventFileWriter.create`. */
export class EventFileWriter {
  private fd: number | undefined;

  private constructor(
    /** The run folder (`<logdir>/<run>`). */
    readonly runDir: string,
    /** The event file. */
    readonly file: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /**
   * Makes a new run folder in `logdir` (made if missing) and the event file in it, starting with the
   * `brain.Event:2` header. A folder that exists is never reused: the name gains `-2`, `-3`, ...
   * @example const writer = EventFileWriter.create('runs'); writer.scalars(1, [{ tag: 'epoch/loss', value: 0.3 }]); writer.close();
   */
  static create(logdir: string, now: Date = new Date()): EventFileWriter {
    try {
      mkdirSync(logdir, { recursive: true });
    } catch (error) {
      throw new EventFileError(logdir, error);
    }
    const base = join(logdir, runName(now));
    let runDir = base;
    for (let n = 2; ; n++) {
      try {
        mkdirSync(runDir);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new EventFileError(runDir, error);
        runDir = `${base}-${n}`;
      }
    }
    const file = join(runDir, `events.out.tfevents.${Math.floor(now.getTime() / 1000)}.${hostname()}`);
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (error) {
      throw new EventFileError(file, error);
    }
    const writer = new EventFileWriter(runDir, file, fd);
    writer.write(fileVersionEvent(now.getTime() / 1000));
    return writer;
  }

  /**
   * Appends one event holding `values` at `step`.
   * @example writer.scalars(200, [{ tag: 'batch/loss', value: 0.25 }]);
   */
  scalars(step: number, values: readonly ScalarValue[], wallTime = Date.now() / 1000): void {
    if (values.length) this.write(scalarEvent(wallTime, step, values));
  }

  /**
   * Flushes to disk and closes the file; later calls do nothing.
   * @example writer.close();
   */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } catch (error) {
      throw new EventFileError(this.file, error);
    } finally {
      closeSync(fd);
    }
  }

  private write(event: Uint8Array): void {
    if (this.fd === undefined) throw new EventFileError(this.file, new Error('closed'));
    const record = tfRecord(event);
    try {
      for (let done = 0; done < record.length; ) done += writeSync(this.fd, record, done);
    } catch (error) {
      throw new EventFileError(this.file, error);
    }
  }
}
