// Benchmark of the tfjs training engine: ms per step and s per epoch for every tfjs backend that
// loads (tensorflow, wasm, cpu), plus peak RSS. Build first: `npx tsc -b packages/trainer`.
// Usage: node bench/tfjs-train.mjs [--steps 200] [--no-epoch]
import {
  DEFAULT_MODEL_SPEC, deriveSeed, MNIST_PREPROCESSING, Rng, shuffleBatch, splitValidation,
} from '../packages/core/dist/index.js';
import { readDataset } from '../packages/trainer/dist/index.js';
import { initialWeights, TFJS_BACKENDS, TfjsEngine } from '../packages/trainer/dist/internal.js';
import { peakRssMb } from './peak-rss.mjs';

const args = process.argv.slice(2);
const steps = Number(args[args.indexOf('--steps') + 1] ?? 200) || 200;
const fullEpoch = !args.includes('--no-epoch');

const { train } = splitValidation((await readDataset()).train, 5000);
const pixelScale = MNIST_PREPROCESSING.pixelScale;
const epochBatches = shuffleBatch(train.count, 50, new Rng(deriveSeed(42, 0)));
const rows = [];
for (const backend of TFJS_BACKENDS) {
  let engine;
  try {
    engine = await TfjsEngine.create({ spec: DEFAULT_MODEL_SPEC, optimizer: { name: 'sgd', learningRate: 0.01 }, backend });
  } catch (e) {
    rows.push({ backend, note: `refused: ${e.message.split('\n')[0]}` });
    continue;
  }
  try {
    await engine.loadWeights(initialWeights(DEFAULT_MODEL_SPEC, 42));
    const data = (batches) => ({ images: train.images, labels: train.labels, batches, pixelScale });
    await engine.runEpoch(data(epochBatches.slice(0, 20))); // warm-up: kernels, buffers
    const n = Math.min(steps, epochBatches.length);
    let t = performance.now();
    await engine.runEpoch(data(epochBatches.slice(0, n)));
    const msPerStep = (performance.now() - t) / n;
    let epochSeconds;
    let epochSource = `estimated from ${n} steps`;
    if (fullEpoch && backend === 'wasm') {
      t = performance.now();
      await engine.runEpoch(data(epochBatches));
      epochSeconds = (performance.now() - t) / 1000;
      epochSource = 'measured';
    } else {
      epochSeconds = (msPerStep * epochBatches.length) / 1000;
    }
    rows.push({ backend, msPerStep, epochSeconds, epochSource });
  } finally {
    engine.dispose();
  }
}

console.log(`tfjs engine, 784-300-100-10, batch 50, ${epochBatches.length} steps per epoch`);
console.log('backend     ms/step   s/epoch   epoch');
for (const r of rows) {
  if (r.note) console.log(`${r.backend.padEnd(10)}  ${r.note}`);
  else console.log(`${r.backend.padEnd(10)}  ${r.msPerStep.toFixed(2).padStart(7)}   ${r.epochSeconds.toFixed(2).padStart(7)}   ${r.epochSource}`);
}
console.log(`peak RSS: ${peakRssMb().toFixed(0)} MB`);
