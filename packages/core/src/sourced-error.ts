// The base of the SDK's errors about a source (a file, a URL, a named input): one line `<source>: <detail>`.
import { oneLine } from './one-line.js';

/**
 * An error about something the user named, not about an argument (those are TypeError/RangeError):
 * `source` is the file, URL or input it is about, `detail` what is wrong with it and what was expected,
 * and `message` is `<source>: <detail>` on one line. Line breaks in either (a library's multi-line
 * message passed on as the detail, a file name holding a newline) are folded into single spaces, so
 * the message stays one line on a terminal or in a JSON log; `detail` is kept folded too, for front
 * ends that word the message their own way. Each subclass sets its `name`; `instanceof SourcedError`
 * tells these errors from bugs and argument errors.
 * @example
 * class IdxError extends SourcedError { override readonly name = 'IdxError'; }
 * new IdxError('train-labels-idx1-ubyte', 'is 3 bytes, expected at least 8').message
 * // 'train-labels-idx1-ubyte: is 3 bytes, expected at least 8'
 */
export abstract class SourcedError extends Error {
  abstract override readonly name: string;
  /** What is wrong with the source and what was expected, on one line. */
  readonly detail: string;

  constructor(
    /** The file, URL or input the error is about, as the user named it. */
    readonly source: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    const folded = oneLine(detail);
    super(`${oneLine(source)}: ${folded}`, options);
    this.detail = folded;
  }
}
