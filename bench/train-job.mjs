// One `mnist train`-equivalent job in its own process, for bench/run.mjs: train() into a temp
// directory, then print one JSON line with its result, seconds per epoch and peak RSS.
// Usage: node bench/train-job.mjs [--model mlp|cnn] [--augment] [--epochs N] [--engine auto] [--cores N] [--data DIR]
//   --epochs defaults to the model's recipe (30 for mlp, 12 for cnn); --augment trains each epoch on
//   core's DEFAULT_AUGMENT distortion of the training images, as `mnist train --augment`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../packages/trainer/dist/index.js';
import { peakRssMb } from './peak-rss.mjs';

const argv = process.argv.slice(2);
const flag = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const epochs = flag('epochs') === undefined ? undefined : Number(flag('epochs'));
const augment = argv.includes('--augment') ? await defaultAugment() : undefined;
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
    augment: augment !== undefined,
    secondsPerEpoch: result.seconds / result.epochs,
    stepsPerSecond: result.steps / result.trainingSeconds,
    peakRssMb: peakRssMb(),
    keep: argv.includes('--keep') ? out : undefined,
  }));
} finally {
  if (!argv.includes('--keep')) await rm(join(out, '..'), { recursive: true, force: true });
}

// Read from core's build, so the bench (and bench/pytorch_cnn.py, given the same numbers by run.mjs)
// always distorts as the shipped default does.
async function defaultAugment() {
  const { DEFAULT_AUGMENT } = await import('../packages/core/dist/index.js');
  if (!DEFAULT_AUGMENT) throw new Error('--augment needs DEFAULT_AUGMENT exported by @mnist/core (packages/core/src/augment.ts); build core first');
  return DEFAULT_AUGMENT;
}
