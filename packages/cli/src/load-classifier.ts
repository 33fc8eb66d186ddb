// Opens an .onnx model with the chosen runtime's MnistClassifier: both SDKs share one API, so the
// commands do not care which one answers.
import type { MnistClassifierBase } from '@mnist/core';
import type { Runtime } from './options.js';

/** Both runtimes' MnistClassifier extend the shared base class. */
export type Classifier = MnistClassifierBase;

/**
 * Loads `file` with onnxruntime-node (`node`) or onnxruntime-web (`web`); a missing or foreign file
 * throws an error naming it.
 * @example const model = await loadClassifier('checkpoints/dnn/model.onnx', 'node');
 */
export async function loadClassifier(file: string, runtime: Runtime): Promise<Classifier> {
  if (runtime === 'web') {
    const { MnistClassifier } = await import('@mnist/infer-web');
    return MnistClassifier.load(file);
  }
  const { MnistClassifier } = await import('@mnist/infer-node');
  return MnistClassifier.load(file);
}

/**
 * Loads `file` with `runtime`, runs `use` on the classifier and disposes of it however `use` ends, so
 * no command leaks an ONNX Runtime session on a failure.
 * @example const result = await withClassifier('checkpoints/dnn/model.onnx', 'node', (c) => c.predict(pixels));
 */
export async function withClassifier<T>(file: string, runtime: Runtime, use: (c: Classifier) => Promise<T>): Promise<T> {
  const classifier = await loadClassifier(file, runtime);
  try {
    return await use(classifier);
  } finally {
    await classifier.dispose();
  }
}
