/**
 * @mnist/cli: the `mnist` command. `runCli(argv)` runs it in-process and resolves to the exit code.
 */
export { runCli } from './run-cli.js';
export type { CliIo } from './cli-io.js';
