// The messages between the training page (train.ts, the main thread) and its worker (train-worker.ts),
// and the form's text fields read into the settings a run is started with. No DOM here: tests run it in Node.
import type { EpochEndLog } from '@mnist/trainer/browser';
import type { ProviderRequest, TrainProvider } from './provider-choice.js';

/** What one run trains: the form's fields, checked. */
export interface TrainSettings {
  hiddenUnits: number[];
  epochs: number;
  learningRate: number;
  optimizer: string;
  seed: number;
  /** Train on only the first N training images (the page's `?limit=N`, for quick tests); default all. */
  trainLimit?: number;
}

/** Page -> worker: train with `settings`; the dataset and onnxruntime-web's files at these absolute URLs. */
export interface StartMessage {
  type: 'start';
  settings: TrainSettings;
  datasetUrl: string;
  wasmPaths: string;
  numThreads: number;
  /** The page's `?provider=`: auto (measure both where WebGPU exists, take the faster), wasm or webgpu. */
  provider: ProviderRequest;
}

/** Page -> worker: stop the run at the end of the epoch in progress (its checkpoint is kept). */
export interface StopMessage {
  type: 'stop';
}

export type PageMessage = StartMessage | StopMessage;

/** Worker -> page, once loaded: the trainer's optimizer names (the form's choices), and whether WebGPU exists. */
export interface ReadyMessage {
  type: 'ready';
  optimizers: string[];
  webgpu: boolean;
}

/** Worker -> page: what trains this run (the engine's selection line, e.g. `backend onnxruntime-web (...)`). */
export interface ProviderMessage {
  type: 'provider';
  line: string;
}

/**
 * Worker -> page, before training: the execution provider this run trains on and why, with the ms/step
 * measured on each (absent when not measured: no WebGPU adapter, or WebGPU failed).
 */
export interface ProviderChoiceMessage {
  type: 'provider-choice';
  provider: TrainProvider;
  reason: string;
  wasmMsPerStep?: number;
  webgpuMsPerStep?: number;
}

/** Worker -> page, at most every PROGRESS_INTERVAL_MS and at each epoch's end: steps done in epoch `epoch` (0-based). */
export interface ProgressMessage {
  type: 'progress';
  epoch: number;
  done: number;
  total: number;
}

/** Worker -> page after each epoch's validation (callbacks.onEpochEnd). */
export interface EpochMessage {
  type: 'epoch';
  log: EpochEndLog;
}

/** A run's files as transferable buffers: the checkpoint (Node's model.json + weights.bin bytes) and its ONNX export. */
export interface TrainedFiles {
  modelJson: ArrayBuffer;
  weightsBin: ArrayBuffer;
  onnx: ArrayBuffer;
}

/** Worker -> page: the run finished; its test accuracy (0..1) and files. */
export interface DoneMessage {
  type: 'done';
  testAccuracy: number;
  epochs: number;
  seconds: number;
  files: TrainedFiles;
}

/** Worker -> page: Stop ended the run; `files` hold the last finished epoch, absent when none had finished. */
export interface StoppedMessage {
  type: 'stopped';
  epochs: number;
  files?: TrainedFiles;
}

/** Worker -> page: the run failed; one line. */
export interface ErrorMessage {
  type: 'error';
  message: string;
}

export type WorkerMessage = ReadyMessage | ProviderMessage | ProviderChoiceMessage | ProgressMessage | EpochMessage | DoneMessage | StoppedMessage | ErrorMessage;

/** Progress messages are throttled to this (a step takes a few ms; the page redraws at most this often). */
export const PROGRESS_INTERVAL_MS = 100;

/**
 * The buffers of `files`, to pass as postMessage's transfer list (moved, not copied).
 * @example scope.postMessage({ type: 'done', testAccuracy, epochs, seconds, files }, transferList(files));
 */
export function transferList(files: TrainedFiles | undefined): ArrayBuffer[] {
  return files ? [files.modelJson, files.weightsBin, files.onnx] : [];
}

/**
 * The exact bytes of a Uint8Array as an ArrayBuffer of their own (a view may share a larger buffer).
 * @example const buffer = ownBuffer(store.files('page/run').weightsBin);
 */
export function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : bytes.slice().buffer;
}

/** The form's fields as text, as the inputs hold them. */
export interface TrainForm {
  hidden: string;
  epochs: string;
  learningRate: string;
  optimizer: string;
  seed: string;
  /** The page's `?limit=` query, when given. */
  limit?: string | null;
}

/**
 * Reads the form into settings, or throws a one-line RangeError naming the field, what it holds and
 * what is expected (the page shows it as the error state).
 * @example parseTrainForm({ hidden: '300,100', epochs: '1', learningRate: '0.01', optimizer: 'sgd', seed: '42' }, ['sgd'])
 */
export function parseTrainForm(form: TrainForm, optimizers: readonly string[]): TrainSettings {
  const hiddenText = form.hidden.trim();
  const hiddenUnits = hiddenText === '' ? [] : hiddenText.split(',').map((part) => part.trim());
  if (hiddenUnits.length === 0 || !hiddenUnits.every((part) => /^[1-9]\d*$/.test(part) && Number(part) <= 4096)) {
    throw new RangeError(`hidden layers must be comma-separated unit counts from 1 to 4096 (e.g. 300,100), got "${form.hidden}"`);
  }
  const epochs = integerField('epochs', form.epochs, 1, 1000);
  const learningRate = Number(form.learningRate.trim());
  if (form.learningRate.trim() === '' || !Number.isFinite(learningRate) || learningRate <= 0) {
    throw new RangeError(`learning rate must be a positive number (e.g. 0.01), got "${form.learningRate}"`);
  }
  if (!optimizers.includes(form.optimizer)) throw new RangeError(`optimizer must be one of ${optimizers.join(', ')}, got "${form.optimizer}"`);
  const seed = integerField('seed', form.seed, 0, 2 ** 31 - 1);
  const settings: TrainSettings = { hiddenUnits: hiddenUnits.map(Number), epochs, learningRate, optimizer: form.optimizer, seed };
  if (form.limit !== undefined && form.limit !== null) settings.trainLimit = integerField('limit (the ?limit= query)', form.limit, 1, 1_000_000);
  return settings;
}

function integerField(name: string, text: string, min: number, max: number): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
  return value;
}

/**
 * Seconds left in an epoch at a steady pace, or undefined before the first step.
 * @example etaSeconds(250, 1100, 2.5) // 8.5
 */
export function etaSeconds(done: number, total: number, elapsedSeconds: number): number | undefined {
  if (done <= 0 || elapsedSeconds <= 0) return undefined;
  return ((total - done) * elapsedSeconds) / done;
}

/**
 * An error as one line for the page's status (the first line of its message).
 * @example errorLine(new Error('a\nb')) // 'a'
 */
export function errorLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].trim() || (error instanceof Error ? error.name : 'unknown error');
}
