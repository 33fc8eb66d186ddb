// Where a command writes: results to stdout, progress and diagnostics to stderr.

/** The streams a command writes to, and whether stderr is a live terminal (for progress bars). */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** True on a terminal outside CI: progress bars are drawn only then. */
  interactive: boolean;
}

/**
 * The process's own streams. CI logs get no progress bar even when they emulate a terminal.
 * @example const io = processIo(); io.stdout.write('done\n');
 */
export function processIo(): CliIo {
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  return { stdout: process.stdout, stderr: process.stderr, interactive: process.stderr.isTTY === true && !ci };
}

/**
 * Prints a command's result: the human text, or with `json` exactly one JSON object as the last line.
 * @example printResult(io, json, { accuracy: 0.97, n: 10000 }, 'Test accuracy: 0.9700');
 */
export function printResult(io: CliIo, json: boolean | undefined, result: object, human: string | string[]): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const lines = Array.isArray(human) ? human : [human];
    io.stdout.write(lines.map((l) => `${l}\n`).join(''));
  }
}
