// MnistClassifier for servers: the shared facade of @mnist/core on onnxruntime-node, loading from a
// file path (with external data read from the model's own folder) or from bytes.
import { checkMaxModelBytes, MnistClassifierBase, prepareModel, type ModelLoadContext } from '@mnist/core';
import { readExternalDataFile, readModelFile } from './model-file.js';
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
   * Loads a model from a file path or from the bytes of an .onnx file: our own exports, or any ONNX
   * classifier of 28x28 grayscale digits (one float input [N,784], [N,1,28,28], [N,28,28,1] or
   * [N,28,28]; an [N,K] output of logits, probabilities or log-probabilities), as PyTorch's
   * `torch.onnx.export` or tf2onnx write them. A missing file, a file over `options.maxModelBytes`
   * (checked before it is read), a file that is not ONNX, or a model that is no such classifier throws
   * an error naming it. External data is read from the model file's own folder (never the working
   * directory) and refused for bytes. `classifier.signature` says what was detected.
   * @example const classifier = await MnistClassifier.load(bytes, { executionProviders: ['cpu'] });
   * @example const torchModel = await MnistClassifier.load('mnist_cnn.onnx', { normalization: { mean: 0.1307, std: 0.3081 } });
   */
  static async load(model: string | Uint8Array, options: NodeClassifierOptions = {}): Promise<MnistClassifier> {
    const runtime = nodeRuntime(options);
    const maxModelBytes = checkMaxModelBytes(options.maxModelBytes);
    let bytes: Uint8Array;
    let source: string;
    const context: ModelLoadContext = { maxModelBytes };
    if (typeof model === 'string') {
      source = model;
      bytes = await readModelFile(model, { maxBytes: maxModelBytes });
      context.readExternalData = (location, maxBytes) => readExternalDataFile(model, location, maxBytes);
    } else if (model instanceof Uint8Array) {
      source = 'model bytes';
      bytes = model;
    } else {
      throw new TypeError('model must be a file path (string) or the bytes of an .onnx file (Uint8Array)');
    }
    return new MnistClassifier(await prepareModel(runtime, bytes, source, context, options));
  }
}
