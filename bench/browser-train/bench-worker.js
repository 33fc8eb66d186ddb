// The browser training bench's worker: times the trainer's engines on MNIST (ms per optimizer step over
// whole runEpoch calls, after a warm-up epoch), or runs the full train() job, as a page's worker would.
import { DEFAULT_MODEL_SPEC, MNIST_PREPROCESSING, Rng, deriveSeed, shuffleBatch } from '@mnist/core';
import { configureBrowserTrainer, createEngine, HttpDatasetSource, MemoryCheckpointStore, train } from '@mnist/trainer';
import { env } from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { initialWeights } from '../../packages/trainer/src/initializers.ts';

const SEED = 42;
// The worker's real navigator.hardwareConcurrency, when the tfjs config raised what tfjs sees (see onmessage).
let tfjsCores;
const VALIDATION_SIZE = 5000;

async function timeSteps({ engine: name, backend, threads, batchSize, learningRate, warmupSteps, steps, repeats, datasetUrl }) {
  const { train: images } = await new HttpDatasetSource().read(datasetUrl, {});
  const inputSize = DEFAULT_MODEL_SPEC.inputSize;
  const data = { images: images.images.subarray(VALIDATION_SIZE * inputSize), labels: images.labels.subarray(VALIDATION_SIZE), pixelScale: MNIST_PREPROCESSING.pixelScale };
  const count = data.labels.length;
  const { engine, message } = await createEngine(name, {
    spec: DEFAULT_MODEL_SPEC,
    optimizer: { name: 'sgd', learningRate },
    backend,
    cores: 1,
    ...(name === 'onnx' ? { threads } : {}),
  });
  await engine.loadWeights(initialWeights(DEFAULT_MODEL_SPEC, SEED));
  const epochBatches = (epoch, n) => shuffleBatch(count, batchSize, new Rng(deriveSeed(SEED, 1, epoch))).slice(0, n);
  await engine.runEpoch({ ...data, batches: epochBatches(0, warmupSteps) });
  const msPerStep = [];
  let loss;
  for (let r = 0; r < repeats; r++) {
    const batches = epochBatches(r + 1, steps);
    const t0 = performance.now();
    const stats = await engine.runEpoch({ ...data, batches });
    msPerStep.push((performance.now() - t0) / stats.steps);
    loss = stats.meanLoss;
  }
  // The engine stays alive: the page measures its memory before ending this worker.
  self.bench = engine;
  // Which tfjs-backend-wasm build ran: SIMD and threads as tfjs detected them, and its pthread count.
  const build = name === 'tfjs' ? `, simd ${await env().getAsync('WASM_HAS_SIMD_SUPPORT')}, threads ${(await env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? getThreadsCount() : 'off'} on ${tfjsCores} cores` : '';
  return { message: `${message}${build}`, msPerStep, meanLoss: loss };
}

async function fullJob({ epochs, threads, datasetUrl, ortWasmPaths }) {
  const checkpoints = new MemoryCheckpointStore();
  configureBrowserTrainer({ datasetUrl, ortWasmPaths, numThreads: threads, checkpoints });
  const t0 = performance.now();
  const result = await train({ engine: 'onnx', backend: 'web', epochs, out: 'bench/job' });
  return { seconds: (performance.now() - t0) / 1000, trainingSeconds: result.trainingSeconds, steps: result.steps, testAccuracy: result.testAccuracy, backend: result.backend };
}

self.onmessage = async ({ data: message }) => {
  try {
    if (message.kind === 'steps' && message.engine === 'onnx') configureBrowserTrainer({ ortWasmPaths: message.ortWasmPaths, numThreads: message.threads });
    if (message.engine === 'tfjs') {
      // The wasm files are served beside the page; tfjs picks its threaded SIMD build when the page is isolated.
      setWasmPaths(message.tfjsWasmPaths);
      setThreadsCount(message.threads);
      // tfjs-backend-wasm (4.x, init_with_threads_count in its C++) caps setThreadsCount at
      // navigator.hardwareConcurrency / 2 (it assumes two hardware threads per core), read once when its
      // wasm module starts: on a 2-core machine 2 threads would silently become 1. So this worker (one
      // config, tfjs only) shows tfjs a hardwareConcurrency of at least 2 x threads before the backend starts.
      const cores = navigator.hardwareConcurrency;
      if (cores < 2 * message.threads) Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * message.threads });
      tfjsCores = cores;
    }
    const result = message.kind === 'job' ? await fullJob(message) : await timeSteps(message);
    self.postMessage(result);
  } catch (error) {
    self.postMessage({ error: String((error && error.message) || error) });
  }
};
