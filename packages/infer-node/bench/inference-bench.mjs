// Measures MnistClassifier inference on the chapter's 784-300-100-10 network with random weights:
// one 10000-image batch (median of 20 runs, ms, images/s) and single-image latency p50/p99 over 2000 calls.
// Usage (after `npm run build`): node packages/infer-node/bench/inference-bench.mjs node|web [threads] [model.onnx] [--images t10k-images-idx3-ubyte]
// One runtime and thread count per process: onnxruntime-web's thread count is fixed at its first load.
// With --images the batch is those images as [0, 1] floats made before the clock starts, as the PyTorch
// peer (bench/pytorch_infer.py) takes them, so both classify the same 10000 images the same way.
import { readFile } from 'node:fs/promises';
import { decodeIdx } from '@mnist/core';

const argv = process.argv.slice(2);
const imagesAt = argv.indexOf('--images');
const imagesPath = imagesAt >= 0 ? argv.splice(imagesAt, 2)[1] : undefined;
const [runtime = 'node', threadsArg = '1', modelPath] = argv;
const threads = Number(threadsArg);

const bytes = modelPath ? new Uint8Array(await readFile(modelPath)) : (await import('@mnist/export/testing')).randomOnnxModel([300, 100], 1).bytes;
const { MnistClassifier } = runtime === 'web' ? await import('@mnist/infer-web') : await import('@mnist/infer-node');
const options = runtime === 'web' ? { numThreads: threads } : { intraOpNumThreads: threads, interOpNumThreads: 1 };
const classifier = await MnistClassifier.load(bytes, options);

const images = imagesPath ? testImages(new Uint8Array(await readFile(imagesPath)), imagesPath) : pseudoImages(10000);

// Batch: warm up, then the best and median of 20 runs.
for (let i = 0; i < 3; i++) await classifier.predict(images);
const batchTimes = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  await classifier.predict(images);
  batchTimes.push(performance.now() - t0);
}
batchTimes.sort((a, b) => a - b);

for (let i = 0; i < 500; i++) await classifier.predict(images.subarray((i % 1000) * 784, (i % 1000 + 1) * 784));
const latencies = [];
for (let i = 0; i < 2000; i++) {
  const image = images.subarray((i % 1000) * 784, (i % 1000 + 1) * 784);
  const t0 = performance.now();
  await classifier.predict(image);
  latencies.push(performance.now() - t0);
}
latencies.sort((a, b) => a - b);
const median = (batchTimes[9] + batchTimes[10]) / 2;
const result = {
  runtime: `onnxruntime-${runtime}`,
  threads,
  batch10000: { bestMs: +batchTimes[0].toFixed(2), medianMs: +median.toFixed(2), imagesPerSecond: Math.round(10000 / (median / 1000)) },
  singleImage: { p50Ms: +latencies[1000].toFixed(4), p99Ms: +latencies[1980].toFixed(4) },
};
console.log(JSON.stringify(result));
await classifier.dispose();

function testImages(bytes, source) {
  const { data, shape } = decodeIdx(bytes, source);
  if (shape.length !== 3 || shape[1] * shape[2] !== 784) throw new RangeError(`${source}: expected 28x28 images, found shape [${shape}]`);
  return Float32Array.from(data, (b) => b / 255);
}

function pseudoImages(n) {
  let state = 7;
  return Float32Array.from({ length: n * 784 }, () => ((state = (state * 48271) % 2147483647) % 256) / 255);
}
