// The training page: the form, Train and Stop, the epoch's progress bar with its ETA, live loss and
// accuracy charts, then the test accuracy, a drawing pad reading digits with the freshly trained model,
// and the downloads. The training itself runs in a module Web Worker (train-worker.ts), so this thread
// stays free for the page. `?limit=N` trains on only N images (quick runs and tests; documented in the README);
// `?provider=wasm|webgpu` trains on that execution provider instead of the faster one measured (tests).
import { zipCheckpoint } from '@mnist/core';
import type { EpochEndLog } from '@mnist/trainer/browser';
import { MnistClassifier } from '@mnist/infer-web';
import { attachDrawingPad } from './drawing-pad.js';
import { predictionLoop } from './prediction-loop.js';
import { createProbabilityBars } from './probability-bars.js';
import { providerRequest, type ProviderRequest } from './provider-choice.js';
import { runtimeChoice } from './runtime-choice.js';
import { etaSeconds, errorLine, ownBuffer, parseTrainForm, type PageMessage, type TrainedFiles, type TrainSettings, type WorkerMessage } from './train-protocol.js';
import { trainingCharts } from './training-charts.js';

const element = <T extends HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`the page lacks ${selector}`);
  return found;
};

/** The states of #train-status[data-state], the page's stable test hook (issue 16). */
type TrainState = 'idle' | 'training' | 'done' | 'stopped' | 'error';

const form = element<HTMLFormElement>('#train-form');
const inputs = {
  hidden: element<HTMLInputElement>('#hidden'),
  epochs: element<HTMLInputElement>('#epochs'),
  learningRate: element<HTMLInputElement>('#learning-rate'),
  optimizer: element<HTMLSelectElement>('#optimizer'),
  seed: element<HTMLInputElement>('#seed'),
};
const trainButton = element<HTMLButtonElement>('#train');
const stopButton = element<HTMLButtonElement>('#stop');
const status = element<HTMLParagraphElement>('#train-status');
const progress = element<HTMLProgressElement>('#epoch-progress');
const eta = element<HTMLSpanElement>('#eta');
const provider = element<HTMLParagraphElement>('#provider');
const lossChart = element<HTMLElement>('#loss-chart');
const accuracyChart = element<HTMLElement>('#accuracy-chart');
const pad = element<HTMLCanvasElement>('#pad');
const padHint = element<HTMLSpanElement>('#pad-hint');
const prediction = element<HTMLOutputElement>('#prediction');
const downloadOnnx = element<HTMLButtonElement>('#download-onnx');
const downloadCheckpoint = element<HTMLButtonElement>('#download-checkpoint');

const choice = runtimeChoice(window);
const query = new URL(location.href).searchParams;
const limit = query.get('limit');
const threadsText = `wasm, ${choice.numThreads} ${choice.numThreads === 1 ? 'thread' : 'threads'}`;

let history: EpochEndLog[] = [];
let epochsWanted = 1;
let epochStarted = { epoch: -1, at: 0 };
let files: TrainedFiles | undefined;
let classifier: MnistClassifier | undefined;
let optimizers: string[] = [];
let stopping = false;
let webgpu = false;

function setState(state: TrainState, text: string, accuracy?: number): void {
  status.dataset.state = state;
  status.textContent = text;
  stopping = false;
  if (accuracy === undefined) delete status.dataset.accuracy;
  else status.dataset.accuracy = String(accuracy);
  const training = state === 'training';
  trainButton.disabled = training || optimizers.length === 0;
  stopButton.disabled = !training;
  for (const input of Object.values(inputs)) input.disabled = training;
}

function drawCharts(): void {
  const { loss, accuracy } = trainingCharts(history);
  lossChart.innerHTML = loss;
  accuracyChart.innerHTML = accuracy;
}

const worker = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' });
const send = (message: PageMessage): void => worker.postMessage(message);
worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => void onWorkerMessage(event.data));
// A worker that fails to load or throws outside a run (its runs post their own errors).
worker.addEventListener('error', (event) => {
  event.preventDefault();
  setState('error', `The training worker failed: ${event.message || 'it could not be loaded'}`);
});

async function onWorkerMessage(message: WorkerMessage): Promise<void> {
  switch (message.type) {
    case 'ready':
      optimizers = message.optimizers;
      inputs.optimizer.replaceChildren(...optimizers.map((name) => new Option(name, name, name === 'sgd', name === 'sgd')));
      // wasm until a run measures WebGPU against it (the worker's provider-choice); wasm alone gives
      // bit parity with Node, WebGPU's float math does not.
      webgpu = message.webgpu;
      provider.textContent = message.webgpu
        ? `${threadsText} (WebGPU is available, measured against wasm when Train is pressed)`
        : `${threadsText} (no WebGPU in this browser)`;
      provider.dataset.provider = 'wasm';
      status.dataset.provider = 'wasm';
      provider.dataset.threads = String(choice.numThreads);
      setState('idle', 'Ready: choose the settings and press Train.');
      break;
    case 'provider-choice':
      provider.textContent = `${message.provider === 'wasm' ? threadsText : 'webgpu'} (${message.reason})`;
      provider.dataset.provider = message.provider;
      status.dataset.provider = message.provider;
      for (const [key, value] of [['wasmMsPerStep', message.wasmMsPerStep], ['webgpuMsPerStep', message.webgpuMsPerStep]] as const) {
        if (value === undefined) delete provider.dataset[key];
        else provider.dataset[key] = value.toFixed(2);
      }
      if (!stopping) status.textContent = 'Reading MNIST and building the training graph…';
      break;
    case 'provider':
      provider.title = message.line;
      break;
    case 'progress': {
      if (message.epoch !== epochStarted.epoch) epochStarted = { epoch: message.epoch, at: performance.now() };
      progress.max = message.total;
      progress.value = message.done;
      const left = etaSeconds(message.done, message.total, (performance.now() - epochStarted.at) / 1000);
      eta.textContent = `epoch ${message.epoch + 1}/${epochsWanted} · ${message.done}/${message.total} steps${left === undefined ? '' : ` · ETA ${Math.ceil(left)} s`}`;
      if (!stopping) status.textContent = `Training epoch ${message.epoch + 1} of ${epochsWanted}…`;
      break;
    }
    case 'epoch':
      history = [...history, message.log];
      // The next epoch's clock starts now (epoch 0's at its first progress, after MNIST is read).
      epochStarted = { epoch: message.log.epoch + 1, at: performance.now() };
      drawCharts();
      status.dataset.epochs = String(history.length);
      break;
    case 'done':
      if (!(await finished(message.files))) break;
      setState('done', `Done: ${message.epochs} ${message.epochs === 1 ? 'epoch' : 'epochs'} in ${message.seconds.toFixed(1)} s, test accuracy ${(message.testAccuracy * 100).toFixed(2)}%.`, message.testAccuracy);
      break;
    case 'stopped':
      if (message.files && !(await finished(message.files))) break;
      setState('stopped', message.files ? `Stopped after epoch ${message.epochs}; its checkpoint can be downloaded.` : 'Stopped before the first epoch ended; nothing was saved.');
      break;
    case 'error':
      setState('error', `Training failed: ${message.message}`);
      break;
  }
}

// The run's files: offered for download, and the ONNX model loaded for the drawing pad; false (and the
// error state) when the exported model does not load.
async function finished(trained: TrainedFiles): Promise<boolean> {
  files = trained;
  downloadOnnx.disabled = false;
  downloadCheckpoint.disabled = false;
  try {
    // Out of the pad's reach before it is disposed: a stroke meanwhile must not use a closed session.
    const previous = classifier;
    classifier = undefined;
    await previous?.dispose();
    classifier = await MnistClassifier.load(new Uint8Array(trained.onnx).slice(), { numThreads: choice.numThreads, wasmPaths: choice.wasmPaths });
  } catch (error) {
    setState('error', `The trained model could not be loaded for the drawing pad: ${errorLine(error)}`);
    return false;
  }
  pad.dataset.ready = 'true';
  padHint.textContent = 'Draw a digit: the model you just trained reads it.';
  drawing.clear();
  prediction.textContent = '–';
  bars.reset();
  return true;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  let settings: TrainSettings;
  let requested: ProviderRequest;
  try {
    requested = providerRequest(query.get('provider'));
    settings = parseTrainForm(
      { hidden: inputs.hidden.value, epochs: inputs.epochs.value, learningRate: inputs.learningRate.value, optimizer: inputs.optimizer.value, seed: inputs.seed.value, limit },
      optimizers,
    );
  } catch (error) {
    setState('error', errorLine(error));
    return;
  }
  epochsWanted = settings.epochs;
  history = [];
  epochStarted = { epoch: -1, at: 0 };
  drawCharts();
  progress.value = 0;
  eta.textContent = 'reading MNIST…';
  setState('training', webgpu && requested !== 'wasm' ? 'Measuring WebGPU against wasm (a few steps each)…' : 'Reading MNIST and building the training graph…');
  delete status.dataset.epochs;
  send({
    type: 'start',
    settings,
    datasetUrl: new URL('./data/mnist/', document.baseURI).href,
    wasmPaths: choice.wasmPaths,
    numThreads: choice.numThreads,
    provider: requested,
  });
});
stopButton.addEventListener('click', () => {
  stopButton.disabled = true;
  stopping = true;
  status.textContent = 'Stopping at the end of this epoch…';
  send({ type: 'stop' });
});

function download(bytes: ArrayBuffer, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
downloadOnnx.addEventListener('click', () => {
  if (files) download(files.onnx, 'model.onnx', 'application/octet-stream');
});
downloadCheckpoint.addEventListener('click', () => {
  if (files) download(ownBuffer(zipCheckpoint({ modelJson: new Uint8Array(files.modelJson), weightsBin: new Uint8Array(files.weightsBin) })), 'checkpoint.zip', 'application/zip');
});

// The pad: as on the drawing page (prediction-loop.ts), reading digits with the model just trained.
const bars = createProbabilityBars(element('#probabilities'), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
const drawing = attachDrawingPad(pad, () => schedulePrediction());
element<HTMLButtonElement>('#clear').addEventListener('click', () => {
  drawing.clear();
  prediction.textContent = '–';
  bars.reset();
});
const schedulePrediction = predictionLoop(pad, drawing, () => classifier, {
  show(result) {
    prediction.textContent = result.label;
    bars.show(result.probabilities);
  },
  fail: (error) => (padHint.textContent = `Could not classify the drawing: ${errorLine(error)}`),
});
drawCharts();
