// File-system failures as one line naming the path and what was being done, e.g.
// `checkpoints/dnn/model.onnx: cannot write (ENOSPC: no space left on device)`: Node's own message
// ("ENOSPC: no space left on device, write") names neither.
import { getSystemErrorMap } from 'node:util';
import { SourcedError } from '@mnist/core';

/**
 * A failed file-system operation: `file` (also `source`) is the path the user knows (the target, not a
 * temp file), `action` what was being done to it, `code` the system error (ENOSPC, EIO, ...) when there is one.
 * @example throw new FileSystemError('checkpoints/dnn/model.onnx', 'write', error);
 */
export class FileSystemError extends SourcedError {
  override readonly name = 'FileSystemError';
  readonly code: string | undefined;

  constructor(
    readonly file: string,
    readonly action: string,
    cause: unknown,
  ) {
    super(file, `cannot ${action} (${describeCause(cause)})`, { cause });
    this.code = typeof cause === 'object' && cause !== null && typeof (cause as { code?: unknown }).code === 'string' ? (cause as { code: string }).code : undefined;
  }
}

/**
 * Runs `operation`; a failure becomes a FileSystemError naming `file` and `action` (one already made is
 * passed on unchanged, so the innermost, most exact description wins).
 * @example await naming('data/mnist/t10k-labels-idx1-ubyte', 'write', () => handle.writeFile(bytes));
 */
export async function naming<T>(file: string, action: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw error instanceof FileSystemError ? error : new FileSystemError(file, action, error);
  }
}

// "ENOSPC: no space left on device" from a system error, the cause itself when it is a sentence.
function describeCause(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  const e = cause as { code?: unknown; errno?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string') {
    const known = typeof e.errno === 'number' ? getSystemErrorMap().get(e.errno) : undefined;
    if (known && known[0] === e.code) return `${e.code}: ${known[1]}`;
    // Not from the system table (an injected error, another platform): its message up to the syscall.
    if (typeof e.message === 'string') return e.message.replace(/, \w+( '.*)?$/, '');
    return e.code;
  }
  return typeof e?.message === 'string' ? e.message : String(cause);
}
