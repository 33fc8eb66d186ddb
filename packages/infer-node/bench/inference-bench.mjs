// Measures MnistClassifier inference on the chapter's 784-300-100-10 network with random weights:
// one 10000-image batch (ms, images/s) and single-image latency p50/p99 over 2000 calls.
// Usage (after `npm run build`): node packages/infer-node/bench/inference-bench.mjs node|web [threads] [model.onnx]
// One runtime and thread count per process: onnxruntime-web's thread count is fixed at its first load.
import { readFile } from 'node:fs/promises';
import { DEFAULT_MODEL_SPEC, DIGIT_LABELS, MNIST_PREPROCESSING, layerNames } from '@mnist/core';

const [runtime = 'node', threadsArg = '1', modelPath] = process.argv.slice(2);
const threads = Number(threadsArg);

async function randomModelBytes() {
  const { exportOnnx } = await import('@mnist/export');
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const weights = new Map();
  for (const layer of layerNames(DEFAULT_MODEL_SPEC)) {
    const scale = 2 / Math.sqrt(layer.fanIn);
    weights.set(layer.kernel, { name: layer.kernel, shape: [layer.fanIn, layer.fanOut], values: Float32Array.from({ length: layer.fanIn * layer.fanOut }, () => (random() * 2 - 1) * scale) });
    weights.set(layer.bias, { name: layer.bias, shape: [layer.fanOut], values: new Float32Array(layer.fanOut) });
  }
  const training = { epoch: 0, step: 0, epochs: 0, batchSize: 50, seed: 1, validationSize: 5000, engine: 'none', backend: 'none', optimizer: { name: 'sgd', learningRate: 0.01 }, history: [] };
  const modelJson = { format: 'mnist-dnn-checkpoint', formatVersion: 1, modelSpec: DEFAULT_MODEL_SPEC, preprocessing: MNIST_PREPROCESSING, labels: [...DIGIT_LABELS], training, weightsManifest: [] };
  return exportOnnx({ modelJson, weights });
}

const bytes = modelPath ? new Uint8Array(await readFile(modelPath)) : await randomModelBytes();
const { MnistClassifier } = runtime === 'web' ? await import('@mnist/infer-web') : await import('@mnist/infer-node');
const options = runtime === 'web' ? { numThreads: threads } : { intraOpNumThreads: threads, interOpNumThreads: 1 };
const classifier = await MnistClassifier.load(bytes, options);

let state = 7;
const images = Float32Array.from({ length: 10000 * 784 }, () => ((state = (state * 48271) % 2147483647) % 256) / 255);

// Batch: warm up, then the best and median of 10 runs.
for (let i = 0; i < 3; i++) await classifier.predict(images);
const batchTimes = [];
for (let i = 0; i < 10; i++) {
  const t0 = performance.now();
  await classifier.predict(images);
  batchTimes.push(performance.now() - t0);
}
batchTimes.sort((a, b) => a - b);

const one = images.subarray(0, 784);
for (let i = 0; i < 500; i++) await classifier.predict(images.subarray((i % 1000) * 784, (i % 1000 + 1) * 784));
const latencies = [];
for (let i = 0; i < 2000; i++) {
  const image = images.subarray((i % 1000) * 784, (i % 1000 + 1) * 784);
  const t0 = performance.now();
  await classifier.predict(image);
  latencies.push(performance.now() - t0);
}
latencies.sort((a, b) => a - b);
void one;
const median = batchTimes[5];
const result = {
  runtime: `onnxruntime-${runtime}`,
  threads,
  batch10000: { bestMs: +batchTimes[0].toFixed(2), medianMs: +median.toFixed(2), imagesPerSecond: Math.round(10000 / (median / 1000)) },
  singleImage: { p50Ms: +latencies[1000].toFixed(4), p99Ms: +latencies[1980].toFixed(4) },
};
console.log(JSON.stringify(result));
await classifier.dispose();
