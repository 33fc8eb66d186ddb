// Opens an .onnx model with the chosen runtime's MnistClassifier: both SDKs share one API, so the
// commands do not care which one answers.
import type { ClassifierLoadOptions, MnistClassifierBase } from '@mnist/core';
import type { Runtime } from './options.js';

/** Both runtimes' MnistClassifier extend the shared base class. */
export type Classifier = MnistClassifierBase;

/**
 * Loads `file` with onnxruntime-node (`node`) or onnxruntime-web (`web`), reading a foreign model as
 * `options` say (the flags of `addModelLoadOptions`); a missing file, or one that is no 28x28 digit
 * classifier, throws an error naming it.
 * @example const model = await loadClassifier('model.onnx', 'node', { normalization: { mean: 0.1307, std: 0.3081 } });
 */
export async function loadClassifier(file: string, runtime: Runtime, options: ClassifierLoadOptions = {}): Promise<Classifier> {
  if (runtime === 'web') {
    const { MnistClassifier } = await import('@mnist/infer-web');
    return MnistClassifier.load(file, options);
  }
  const { MnistClassifier } = await import('@mnist/infer-node');
  return MnistClassifier.load(file, options);
}

/**
 * Loads `file` with `runtime` (and `options`), runs `use` on the classifier and disposes of it however
 * `use` ends, so no command leaks an ONNX Runtime session on a failure.
 * @example const result = await withClassifier('checkpoints/dnn/model.onnx', 'node', {}, (c) => c.predict(pixels));
 */
export async function withClassifier<T>(file: string, runtime: Runtime, options: ClassifierLoadOptions, use: (c: Classifier) => Promise<T>): Promise<T> {
  const classifier = await loadClassifier(file, runtime, options);
  try {
    return await use(classifier);
  } finally {
    await classifier.dispose();
  }
}
