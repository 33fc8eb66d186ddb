// The CLI's error policy: every failure becomes one line `mnist: <message>` on stderr and exit 1;
// the stack only with --verbose.
// The subpath, not the package's entry: this file loads on every run, --help included, before any command.
import { oneLine } from '@mnist/core/one-line';

/** A failure the user can fix (a bad flag, a missing file): shown as its message alone. */
export class CliError extends Error {
  /** The process's exit code (1 unless given, e.g. 130 for a run interrupted by SIGINT). */
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number } = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A flag whose value does not parse or is out of range. */
export class UsageError extends CliError {
  constructor(flag: string, expected: string, got: string) {
    super(`${flag} must be ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'UsageError';
  }
}

interface SystemErrorLike {
  code?: unknown;
  path?: unknown;
  syscall?: unknown;
  message?: unknown;
}

// Node's fs messages ("ENOENT: no such file or directory, open 'x'") are accurate but noisy; say the
// path first, like the SDKs' errors do.
const SYSTEM_ERROR_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'is not a directory',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on device',
};

/**
 * The one-line message for any thrown value: SDK errors (CheckpointError, IdxError, RangeError, ONNX
 * Runtime failures) already name their file or argument, so their message is kept; newlines are folded.
 * @example oneLineMessage(new RangeError('opset must be 7..26')) === 'opset must be 7..26'
 */
export function oneLineMessage(error: unknown): string {
  if (error instanceof Error || (typeof error === 'object' && error !== null)) {
    const e = error as SystemErrorLike;
    if (typeof e.code === 'string' && typeof e.path === 'string' && SYSTEM_ERROR_TEXT[e.code]) {
      return `${e.path}: ${SYSTEM_ERROR_TEXT[e.code]}`;
    }
    // Without a message an Error still says its name ("RangeError"); a thrown plain object has nothing better.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    const message = typeof e.message === 'string' && e.message.trim() !== '' ? e.message : String(error);
    return withoutPrefix(message);
  }
  return withoutPrefix(String(error));
}

/**
 * Writes the failure to `stderr` as `mnist: <message>`, plus the stack when `verbose`.
 * @example reportError(err, process.stderr, false); // "mnist: checkpoints/dnn/model.json: no such file or directory"
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream, verbose: boolean): void {
  stderr.write(`mnist: ${oneLineMessage(error)}\n`);
  if (verbose && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
}

// commander prefixes its messages with "error: "; the line already starts "mnist: ". The whole text is
// folded (and trimmed), not cut to its first line: it is the only account of the failure the user sees.
function withoutPrefix(text: string): string {
  return oneLine(text.replace(/^error:\s*/i, '')).trim();
}
