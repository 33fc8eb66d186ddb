// One `mnist train`-equivalent job in its own process, for bench/run.mjs: train() into a temp
// directory, then print one JSON line with its result, seconds per epoch and peak RSS.
// Usage: node bench/train-job.mjs [--model mlp|cnn] [--augment] [--epochs N] [--engine auto] [--cores N] [--data DIR]
//   --epochs defaults to the model's recipe (30 for mlp, 12 for cnn); --augment trains each epoch on
//   core's DEFAULT_AUGMENT distortion of the training images, as `mnist train --augment` (without it, none).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../packages/trainer/dist/index.js';
import { peakRssMb } from './peak-rss.mjs';

const argv = process.argv.slice(2);
const flag = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const epochs = flag('epochs') === undefined ? undefined : Number(flag('epochs'));
// Explicit either way: the bench's peers never augment unless asked, whatever a preset's default.
const augment = argv.includes('--augment');
const out = join(await mkdtemp(join(tmpdir(), 'mnist-bench-')), 'dnn');
try {
  const result = await train({
    out,
    model: flag('model'),
    augment,
    epochs,
    engine: flag('engine', 'auto'),
    cores: flag('cores') === undefined ? undefined : Number(flag('cores')),
    dataDir: flag('data'),
    onLog: (line) => process.stderr.write(`  ${line}\n`),
  });
  console.log(JSON.stringify({
    ...result,
    model: flag('model') ?? 'mlp',
    augment,
    secondsPerEpoch: result.seconds / result.epochs,
    stepsPerSecond: result.steps / result.trainingSeconds,
    peakRssMb: peakRssMb(),
    keep: argv.includes('--keep') ? out : undefined,
  }));
} finally {
  if (!argv.includes('--keep')) await rm(join(out, '..'), { recursive: true, force: true });
}
