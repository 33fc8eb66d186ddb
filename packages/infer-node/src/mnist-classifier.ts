// MnistClassifier for servers: the shared facade of @mnist/core on onnxruntime-node, loading from a
// file path or from bytes.
import { readFile } from 'node:fs/promises';
import { MnistClassifierBase, modelFileReadError, prepareModel } from '@mnist/core';
import { nodeRuntime, type NodeClassifierOptions } from './node-runtime.js';

/**
 * Classifies MNIST digits with an exported ONNX model on onnxruntime-node.
 * @example
 * const classifier = await MnistClassifier.load('checkpoints/dnn/model.onnx', { intraOpNumThreads: 1 });
 * const { classes, probabilities } = await classifier.predict(rawBytes); // Uint8Array of N*784
 * await classifier.dispose();
 */
export class MnistClassifier extends MnistClassifierBase {
  /**
   * Loads a model from a file path or from the bytes of an .onnx file. A missing file, a file that
   * is not ONNX, or an ONNX model that is not an MNIST classifier of this SDK throws an error naming it.
   * @example const classifier = await MnistClassifier.load(bytes, { executionProviders: ['cpu'] });
   */
  static async load(model: string | Uint8Array, options: NodeClassifierOptions = {}): Promise<MnistClassifier> {
    const runtime = nodeRuntime(options);
    let bytes: Uint8Array;
    let source: string;
    if (typeof model === 'string') {
      source = model;
      bytes = await readModelFile(model);
    } else if (model instanceof Uint8Array) {
      source = 'model bytes';
      bytes = model;
    } else {
      throw new TypeError('model must be a file path (string) or the bytes of an .onnx file (Uint8Array)');
    }
    return new MnistClassifier(await prepareModel(runtime, bytes, source));
  }
}

async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw modelFileReadError(path, error);
  }
}
