// The browser training bench's worker: times the trainer's engines on MNIST (ms per optimizer step over
// whole runEpoch calls, after a warm-up epoch), or runs the full train() job, as a page's worker would.
import { DEFAULT_MODEL_SPEC, MNIST_PREPROCESSING, Rng, deriveSeed, shuffleBatch } from '@mnist/core';
import { configureBrowserTrainer, createEngine, HttpDatasetSource, MemoryCheckpointStore, train } from '@mnist/trainer';
import { env } from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { initialWeights } from '../../packages/trainer/src/initializers.ts';
// The same module the trainer's tfjs engine resolves backends from (the build resolves @mnist/trainer to its sources).
import { registerTfjsBackend } from '../../packages/trainer/src/tfjs/backends.ts';

// tfjs-backend-webgl is the bench's own devDependency, not the trainer's: registered here, below cpu
// (priority 1) so that `auto` never picks it, and only run when a config asks for it by name. In this
// module worker it draws on an OffscreenCanvas; headless Chromium without a GPU gives it SwiftShader.
registerTfjsBackend({ name: 'webgl', priority: 0.5, load: () => import('@tensorflow/tfjs-backend-webgl') });

const SEED = 42;
// The worker's real navigator.hardwareConcurrency, when the tfjs config raised what tfjs sees (see onmessage).
let tfjsCores;
const VALIDATION_SIZE = 5000;

async function timeSteps({ engine: name, backend, provider, threads, batchSize, learningRate, warmupSteps, steps, repeats, datasetUrl, probeSteps, maxMsPerStep }) {
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
  // A slow backend (webgl on a software rasterizer) is first timed over a few steps after its warm-up
  // (which compiles its shaders): when that is over the config's limit the row says so instead of a number.
  if (maxMsPerStep !== undefined) {
    const t0 = performance.now();
    const probe = await engine.runEpoch({ ...data, batches: epochBatches(0, probeSteps) });
    const ms = (performance.now() - t0) / probe.steps;
    if (ms > maxMsPerStep) {
      self.bench = engine;
      return { note: `too slow to time: ${ms.toFixed(0)} ms/step over ${probe.steps} steps after ${warmupSteps} warm-up (limit ${maxMsPerStep} ms; ${message}${await backendDetail(name, backend)})` };
    }
  }
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
  return { message: `${message}${await backendDetail(name, backend)}${name === 'onnx' ? `, provider ${provider ?? 'wasm'}` : ''}`, msPerStep, meanLoss: loss };
}

// What ran under tfjs: for wasm, SIMD and threads as tfjs detected them and its pthread count; for
// webgl, the WebGL version tfjs chose and the renderer behind it.
async function backendDetail(name, backend) {
  if (name !== 'tfjs') return '';
  if (backend === 'webgl') return `, WebGL ${env().getNumber('WEBGL_VERSION')} on ${webglRenderer()}`;
  return `, simd ${await env().getAsync('WASM_HAS_SIMD_SUPPORT')}, threads ${(await env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? getThreadsCount() : 'off'} on ${tfjsCores} cores`;
}

function webglRenderer() {
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  if (!gl) return 'no WebGL 2 context';
  return gl.getParameter(gl.getExtension('WEBGL_debug_renderer_info')?.UNMASKED_RENDERER_WEBGL ?? gl.RENDERER);
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
    if (message.kind === 'steps' && message.engine === 'onnx') {
      // The webgpu config: onnxruntime-web's WebGPU build (the Loop runs on its CPU provider, the body's math on WebGPU).
      const provider = message.provider ?? 'wasm';
      configureBrowserTrainer({ ortWasmPaths: message.ortWasmPaths, numThreads: message.threads, executionProvider: provider, loadWebGpu: () => import('onnxruntime-web/webgpu') });
    }
    if (message.engine === 'tfjs' && message.backend === 'wasm') {
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
