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
