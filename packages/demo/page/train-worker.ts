// The training page's module Web Worker: trains with @mnist/trainer's browser entry on onnxruntime-web,
// off the page's main thread, and posts the progress, each epoch's metrics and, at the end, the
// checkpoint and its ONNX export (exportOnnx, in here) back as transferables (see train-protocol.ts).
// Where WebGPU gives an adapter, each run first measures a few steps on wasm and on WebGPU
// (provider-probe.ts) and trains on the faster (provider-choice.ts); WebGPU's build of onnxruntime-web
// is imported only then.
import { exportOnnx } from '@mnist/export';
import { configureBrowserTrainer, MemoryCheckpointStore, OPTIMIZER_NAMES, train, type OptimizerName } from '@mnist/trainer/browser';
import { chooseProvider, type ProviderChoice, type ProviderProbe } from './provider-choice.js';
import { lossDisagreement, probeProvider, type ProbeSettings } from './provider-probe.js';
import {
  errorLine,
  ownBuffer,
  PROGRESS_INTERVAL_MS,
  transferList,
  type PageMessage,
  type StartMessage,
  type TrainedFiles,
  type WorkerMessage,
} from './train-protocol.js';

/** Where the run's checkpoint lives in this worker's store (what a Node run would call its out folder). */
const OUT = 'page/run';

// The page's DOM lib types `self` as a Window; this is the part of a worker's scope used here.
interface WorkerScope {
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<PageMessage>) => void): void;
  readonly navigator: { gpu?: { requestAdapter(): Promise<unknown> } };
}
const scope = self as unknown as WorkerScope;
const post = (message: WorkerMessage, transfer: Transferable[] = []): void => scope.postMessage(message, transfer);

let running: AbortController | undefined;

scope.addEventListener('message', (event) => {
  const message = event.data;
  if (message.type === 'stop') running?.abort(new DOMException('stopped from the page', 'AbortError'));
  else if (message.type === 'start') void run(message);
});

// Headless Chromium gives an adapter only with WebGPU flags (SwiftShader, on the CPU): see train-webgpu.test.ts.
const adapter = webGpuAdapter();
void adapter.then((webgpu) => post({ type: 'ready', optimizers: [...OPTIMIZER_NAMES], webgpu }));

// onnxruntime-web's WebGPU build (its own module and runtime files under ort/), loaded by the first WebGPU probe.
const loadWebGpu = () => import('onnxruntime-web/webgpu');

/** Losses of the two providers' probes may differ by float rounding, not more (relative, see lossDisagreement). */
const LOSS_TOLERANCE = 1e-3;

// navigator.gpu can exist without an adapter (no GPU, or GPU blocked): only an adapter counts.
async function webGpuAdapter(): Promise<boolean> {
  try {
    return (await scope.navigator.gpu?.requestAdapter()) != null;
  } catch {
    return false;
  }
}

async function run(start: StartMessage): Promise<void> {
  if (running) {
    post({ type: 'error', message: 'a run is already training in this page; stop it first' });
    return;
  }
  const stop = (running = new AbortController());
  // A fresh store per run: Train again starts a new run at epoch 0, as `mnist train --overwrite` would.
  const checkpoints = new MemoryCheckpointStore();
  const { settings } = start;
  let epochs = 0;
  try {
    const configure = (executionProvider: 'wasm' | 'webgpu') =>
      configureBrowserTrainer({ datasetUrl: start.datasetUrl, ortWasmPaths: start.wasmPaths, numThreads: start.numThreads, checkpoints, executionProvider, loadWebGpu });
    const choice = await chooseForRun(start, configure);
    configure(choice.provider);
    let lastProgress = 0;
    const result = await train({
      engine: 'onnx',
      backend: 'web',
      out: OUT,
      epochs: settings.epochs,
      hiddenUnits: settings.hiddenUnits,
      learningRate: settings.learningRate,
      optimizer: settings.optimizer as OptimizerName,
      seed: settings.seed,
      ...(settings.trainLimit === undefined ? {} : { trainLimit: settings.trainLimit }),
      signal: stop.signal,
      onLog: (line) => {
        if (line.startsWith('engine ')) post({ type: 'provider', line });
      },
      onProgress: (done, total, epoch) => {
        const now = performance.now();
        if (done < total && now - lastProgress < PROGRESS_INTERVAL_MS) return;
        lastProgress = now;
        post({ type: 'progress', epoch, done, total });
      },
      callbacks: {
        onEpochEnd: async (log) => {
          epochs = log.epoch + 1;
          post({ type: 'epoch', log });
          // onnxruntime-web's runs settle as microtasks, so a whole run can go by without this worker
          // taking a message: one macrotask turn per epoch lets a Stop sent meanwhile abort here,
          // which ends the run after this epoch.
          await new Promise((resolve) => setTimeout(resolve, 0));
        },
      },
    });
    const files = await trainedFiles(checkpoints, result.testAccuracy);
    if (result.aborted) post({ type: 'stopped', epochs: result.epochs, files }, transferList(files));
    else if (!files) post({ type: 'error', message: `the run ended without a checkpoint in ${OUT}` });
    else post({ type: 'done', testAccuracy: result.testAccuracy ?? Number.NaN, epochs: result.epochs, seconds: result.seconds, files }, transferList(files));
  } catch (error) {
    // Stopped before the first epoch finished: train rejects with the signal's reason and saves nothing.
    if (stop.signal.aborted && error instanceof Error && error.name === 'AbortError') post({ type: 'stopped', epochs });
    else post({ type: 'error', message: errorLine(error) });
  } finally {
    running = undefined;
  }
}

// Measures both providers where there is an adapter (and ?provider= is not wasm), posts the choice.
async function chooseForRun(start: StartMessage, configure: (provider: 'wasm' | 'webgpu') => void): Promise<ProviderChoice> {
  const probe: ProviderProbe = {};
  if ((await adapter) && start.provider !== 'wasm') {
    const { hiddenUnits, optimizer, learningRate, seed } = start.settings;
    const settings: ProbeSettings = { hiddenUnits, optimizer, learningRate, seed };
    configure('wasm');
    const wasm = await probeProvider(settings);
    probe.wasmMsPerStep = wasm.msPerStep;
    try {
      configure('webgpu');
      const webgpu = await probeProvider(settings);
      const disagreement = lossDisagreement(wasm.losses, webgpu.losses);
      if (!(disagreement <= LOSS_TOLERANCE)) throw new Error(`its losses differ from wasm's by ${disagreement.toExponential(1)} (relative)`);
      probe.webgpu = { msPerStep: webgpu.msPerStep };
    } catch (error) {
      probe.webgpu = { error: errorLine(error) };
    }
  }
  const choice = chooseProvider(probe, start.provider);
  const webgpuMsPerStep = probe.webgpu && 'msPerStep' in probe.webgpu ? probe.webgpu.msPerStep : undefined;
  post({
    type: 'provider-choice',
    ...choice,
    ...(probe.wasmMsPerStep === undefined ? {} : { wasmMsPerStep: probe.wasmMsPerStep }),
    ...(webgpuMsPerStep === undefined ? {} : { webgpuMsPerStep }),
  });
  return choice;
}

// The checkpoint's two files as Node writes them, and the model exported to ONNX with its test accuracy.
async function trainedFiles(checkpoints: MemoryCheckpointStore, testAccuracy: number | undefined): Promise<TrainedFiles | undefined> {
  if (!(await checkpoints.holds(OUT))) return undefined;
  const { modelJson, weightsBin } = checkpoints.files(OUT);
  const onnx = exportOnnx(await checkpoints.load(OUT), { source: OUT, ...(testAccuracy === undefined ? {} : { testAccuracy }) });
  return { modelJson: ownBuffer(modelJson), weightsBin: ownBuffer(weightsBin), onnx: ownBuffer(onnx) };
}
