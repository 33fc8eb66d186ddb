// The demo page: loads the ONNX model with @mnist/infer-web, classifies what is drawn on the pad,
// and shows the prediction, the ten probabilities, the model's metadata and the runtime's threads.
import { MnistClassifier, wasmThreads } from '@mnist/infer-web';
import { attachDrawingPad } from './drawing-pad.js';
import { predictionLoop } from './prediction-loop.js';
import { createProbabilityBars } from './probability-bars.js';
import { runtimeChoice } from './runtime-choice.js';
import { pageHook } from './test-hook.js';

const element = <T extends HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`the page lacks ${selector}`);
  return found;
};

const pad = element<HTMLCanvasElement>('#pad');
const prediction = element<HTMLOutputElement>('#prediction');
const modelInput = element<HTMLCanvasElement>('#model-input');
const modelInputFigure = element<HTMLElement>('.model-input');
const errorBox = element<HTMLParagraphElement>('#error');
const runtimeInfo = element<HTMLParagraphElement>('#runtime-info');

const choice = runtimeChoice(window);
let classifier: MnistClassifier | undefined;
const loading = MnistClassifier.load(choice.modelUrl, { ...choice.modelOptions, numThreads: choice.numThreads, wasmPaths: choice.wasmPaths });
const hook = pageHook(loading, () => classifier);
window.__mnist = hook;

// Digits until the model says otherwise (a Fashion-MNIST export carries its own labels).
let bars = createProbabilityBars(element('#probabilities'), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
const drawing = attachDrawingPad(pad, () => schedulePrediction());
element<HTMLButtonElement>('#clear').addEventListener('click', () => {
  drawing.clear();
  prediction.textContent = '–';
  bars.reset();
  modelInputFigure.classList.add('empty');
});

const schedulePrediction = predictionLoop(pad, drawing, () => classifier, {
  show(result) {
    prediction.textContent = result.label;
    errorBox.hidden = true;
    bars.show(result.probabilities);
    showModelInput(result.pixels);
    modelInputFigure.classList.remove('empty');
  },
  fail: (error) => showError(`Could not classify the drawing: ${message(error)}`),
});

function showModelInput(pixels: Uint8Array): void {
  const context = modelInput.getContext('2d');
  if (!context) return;
  const image = context.createImageData(28, 28);
  pixels.forEach((value, i) => image.data.set([value, value, value, 255], i * 4));
  context.putImageData(image, 0, 0);
}

function showError(text: string): void {
  errorBox.textContent = text;
  errorBox.hidden = false;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

loading.then(
  (loaded) => {
    classifier = loaded;
    const { metadata } = loaded;
    const threads = wasmThreads() ?? choice.numThreads;
    hook.classifier = loaded;
    bars = createProbabilityBars(element('#probabilities'), metadata.labels);
    hook.runtime = { ...choice, threads };
    element('#model-source').textContent = `${choice.modelUrl}${metadata.modelSpec ? ` · ${[784, ...metadata.modelSpec.hiddenUnits, 10].join('-')} MLP` : ''}`;
    element('#model-accuracy').textContent = metadata.testAccuracy === undefined ? 'not recorded' : `${(metadata.testAccuracy * 100).toFixed(2)}%`;
    element('#model-format').textContent = `opset ${metadata.opset}, IR ${metadata.irVersion}, by ${metadata.producer.name} ${metadata.producer.version}`;
    runtimeInfo.textContent =
      `onnxruntime-web (WebAssembly) · ${threads} ${threads === 1 ? 'thread' : 'threads'} · ` +
      (choice.crossOriginIsolated
        ? 'cross-origin isolated'
        : 'not cross-origin isolated, so one thread (serve with COOP: same-origin and COEP: require-corp for more)');
    runtimeInfo.dataset.threads = String(threads);
    document.body.dataset.state = 'ready';
  },
  (error: unknown) => {
    // The SDK's message names the URL and what was wrong with it.
    showError(`Could not load the model: ${message(error)}. Serve one with "mnist demo --model FILE", name another with ?model=URL, or train one on the training page (train.html).`);
    runtimeInfo.textContent = 'No model loaded.';
    document.body.dataset.state = 'error';
  },
);
