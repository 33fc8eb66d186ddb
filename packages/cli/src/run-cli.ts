// The `mnist` program: declares every command by name, loads only the invoked one, and turns every
// failure into one line on stderr and exit code 1.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { processIo, type CliIo } from './cli-io.js';
import { COMMANDS } from './command-table.js';
import { CliError, reportError } from './errors.js';
import { verboseOption } from './options.js';

/**
 * Runs `mnist` with the given arguments (without `node` and the script path) and resolves to the
 * exit code: 0 on success, 1 on any failure (already reported on `io.stderr`), or a CliError's own.
 * @example process.exitCode = await runCli(['eval', '--checkpoint', 'checkpoints/dnn', '--json']);
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const args = [...argv];
  const verbose = args.includes('--verbose');
  try {
    const program = await buildProgram(args, io);
    await program.parseAsync(args, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version were printed on request; a bare `mnist` printed its help on stderr.
      if (error.exitCode === 0) return 0;
      if (error.code === 'commander.help' || error.code === 'commander.helpDisplayed') return 1;
    }
    reportError(error, io.stderr, verbose);
    return error instanceof CliError ? error.exitCode : 1;
  }
}

async function buildProgram(args: string[], io: CliIo): Promise<Command> {
  const program = new Command('mnist')
    .description('Train the Hands-On ML chapter 10 MNIST network, export it as ONNX, and run it with ONNX Runtime.')
    .version(packageVersion(), '-V, --version')
    .addOption(verboseOption())
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Commander's own usage errors reach runCli's catch and are printed there, once, as one line.
      outputError: () => {},
    })
    .showSuggestionAfterError(true);
  const invoked = invokedCommand(args);
  for (const entry of COMMANDS) {
    const command = program.command(entry.name).summary(entry.summary).description(entry.summary);
    if (entry.name === invoked) (await entry.load()).configure(command, io);
  }
  return program;
}

// The first word that is not a flag names the command; `mnist help train` names it second.
function invokedCommand(args: string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

function packageVersion(): string {
  try {
    const json = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return json.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
