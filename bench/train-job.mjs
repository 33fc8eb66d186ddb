// One `mnist train`-equivalent job in its own process, for bench/run.mjs: train() into a temp
// directory, then print one JSON line with its result, seconds per epoch and peak RSS.
// Usage: node bench/train-job.mjs [--epochs 30] [--engine auto] [--cores N] [--data DIR]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../packages/trainer/dist/index.js';
import { peakRssMb } from './peak-rss.mjs';

const argv = process.argv.slice(2);
const flag = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const epochs = Number(flag('epochs', '30'));
const out = join(await mkdtemp(join(tmpdir(), 'mnist-bench-')), 'dnn');
try {
  const result = await train({
    out,
    epochs,
    engine: flag('engine', 'auto'),
    cores: flag('cores') === undefined ? undefined : Number(flag('cores')),
    dataDir: flag('data'),
    onLog: (line) => process.stderr.write(`  ${line}\n`),
  });
  console.log(JSON.stringify({
    ...result,
    secondsPerEpoch: result.seconds / epochs,
    stepsPerSecond: result.steps / result.trainingSeconds,
    peakRssMb: peakRssMb(),
    keep: argv.includes('--keep') ? out : undefined,
  }));
} finally {
  if (!argv.includes('--keep')) await rm(join(out, '..'), { recursive: true, force: true });
}
