// `mnist report`: a checkpoint's training curves, test results and most confident mistakes as one
// self-contained HTML page (opens from disk, fetches nothing), evaluated as `mnist eval --checkpoint` is.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { printResult, type CliIo } from '../cli-io.js';
import { confidentMistakes } from '../confident-mistakes.js';
import { digitPngDataUri } from '../digit-png.js';
import { CliError } from '../errors.js';
import { evalReport } from '../eval-report.js';
import {
  backendOption,
  checkpointOption,
  dataOption,
  DEFAULT_CHECKPOINT_DIR,
  jsonOption,
  nonNegativeInteger,
  requireCheckpointDirectory,
  requireDirectory,
} from '../options.js';
import { reportPage } from '../report-page.js';

interface ReportFlags {
  checkpoint: string;
  out?: string;
  data?: string;
  backend?: string;
  mistakes: number;
  json?: boolean;
}

/** What `mnist report` prints: the page written and the numbers on it. */
export interface ReportResult {
  out: string;
  accuracy: number;
  n: number;
  epochs: number;
  mistakes: number;
  bytes: number;
}

/** Adds the flags and action of `mnist report` to `command`. */
export function configure(command: Command, io: CliIo): void {
  command
    .addOption(checkpointOption('checkpoint directory to report on').default(DEFAULT_CHECKPOINT_DIR))
    .addOption(new Option('--out <file>', 'HTML file to write, folders made if missing (default: <checkpoint>/report.html)'))
    .addOption(dataOption())
    .addOption(backendOption())
    .addOption(new Option('--mistakes <n>', 'how many of the most confident mistakes to show').default(24).argParser(nonNegativeInteger('--mistakes')))
    .addOption(jsonOption())
    .action(async (_options: unknown, cmd: Command) => {
      const flags = cmd.opts<ReportFlags>();
      requireCheckpointDirectory(cmd, flags.checkpoint);
      if (flags.data !== undefined) requireDirectory('--data', flags.data);
      const out = flags.out ?? join(flags.checkpoint, 'report.html');
      checkOut(out);
      const result = await writeReport(flags, out, io);
      printResult(io, flags.json, result, out);
    });
}

async function writeReport(flags: ReportFlags, out: string, io: CliIo): Promise<ReportResult> {
  const [{ scoreCheckpoint }, { writeFileAtomic }] = await Promise.all([import('@mnist/trainer'), import('@mnist/trainer/internal')]);
  const scores = await scoreCheckpoint(flags.checkpoint, {
    dataDir: flags.data,
    backend: flags.backend,
    onWarning: (line) => io.stderr.write(`${line}\n`),
  });
  const { checkpoint, test, logits } = scores;
  const modelJson = checkpoint.modelJson;
  const evaluation = evalReport(scores.accuracy, scores.n, scores.confusionMatrix, scores.labels);
  const mistakes = confidentMistakes(logits, test.labels, modelJson.modelSpec.outputSize, flags.mistakes).map((m) => ({
    ...m,
    src: digitPngDataUri(test.images, m.index, test.height, test.width),
  }));
  const recorded = modelJson.training.dataset;
  const scoredOn = flags.data ?? (recorded ? (recorded.folder ?? recorded.name) : 'mnist');
  const html = reportPage({ checkpoint: flags.checkpoint, modelJson, scoredOn, evaluation, mistakes });
  // Folders only once the page exists; the atomic write never leaves half a page behind.
  mkdirSync(dirname(out), { recursive: true });
  await writeFileAtomic(out, html);
  return { out, accuracy: scores.accuracy, n: scores.n, epochs: modelJson.training.history.length, mistakes: mistakes.length, bytes: Buffer.byteLength(html) };
}

// Refused before the slow evaluation: --out a folder, or a file where one of its folders would go.
function checkOut(out: string): void {
  if (pathKind(out) === 'directory') throw new CliError(`--out: ${JSON.stringify(out)} is a directory, expected an .html file to write`);
  for (let dir = dirname(out); dirname(dir) !== dir; dir = dirname(dir)) {
    const kind = pathKind(dir);
    if (kind === 'directory') return;
    if (kind === 'file') throw new CliError(`--out: ${JSON.stringify(dir)} is a file, expected a directory to write ${JSON.stringify(out)} in`);
  }
}

function pathKind(path: string): 'directory' | 'file' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}
