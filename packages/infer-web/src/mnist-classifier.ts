// MnistClassifier for frontends: the shared facade of @mnist/core on onnxruntime-web, plus
// predictImage for ImageData and canvases (MNIST-style preprocessing from @mnist/core).
import { checkMaxModelBytes, MnistClassifierBase, prepareModel, preprocessDigitImage, type ImageDataLike } from '@mnist/core';
import { readModelSource, type ModelSource } from './model-source.js';
import { webRuntime, type WebClassifierOptions } from './web-runtime.js';

/** One drawn digit's prediction. */
export interface ImagePrediction {
  /** The predicted class index. */
  class: number;
  /** Its label (from the load options, the model's metadata, else the class index as text). */
  label: string;
  /** The class probabilities, one per class (ten for digits). */
  probabilities: Float32Array;
  /** The 28x28 image the model saw, as bytes (for showing what preprocessing did). */
  pixels: Uint8Array;
}

/** Sources of a drawn digit: ImageData (or anything shaped like it) or a canvas. */
export type DigitImageSource = ImageDataLike | HTMLCanvasElement | OffscreenCanvas;

/**
 * Classifies MNIST digits with an exported ONNX model on onnxruntime-web (WebAssembly).
 * @example
 * const classifier = await MnistClassifier.load('/model.onnx', { numThreads: 1 });
 * const { label } = await classifier.predictImage(document.querySelector('canvas')!);
 */
export class MnistClassifier extends MnistClassifierBase {
  /**
   * Loads a model from a URL (fetched; in Node also a file path) or from bytes. An HTTP error says
   * "could not load model from URL: HTTP 404"; bytes that are not ONNX say "is not an ONNX model"; a
   * model over `options.maxModelBytes` is refused before (or while) it is read. External data is read
   * from the model's own URL directory or folder, and refused for bytes. Besides our own exports, any
   * ONNX classifier of 28x28 grayscale digits loads (a PyTorch or Keras export: one float input
   * [N,784], [N,1,28,28], [N,28,28,1] or [N,28,28], an [N,K] output of logits, probabilities or
   * log-probabilities); `classifier.signature` says what was detected, and a model that is no such
   * classifier is refused in one line.
   * @example const classifier = await MnistClassifier.load(new URL('./model.onnx', import.meta.url));
   * @example const torchModel = await MnistClassifier.load('/mnist_cnn.onnx', { normalization: { mean: 0.1307, std: 0.3081 } });
   */
  static async load(model: ModelSource, options: WebClassifierOptions = {}): Promise<MnistClassifier> {
    const runtime = webRuntime(options);
    const maxModelBytes = checkMaxModelBytes(options.maxModelBytes);
    const { bytes, source, readExternalData } = await readModelSource(model, maxModelBytes);
    return new MnistClassifier(await prepareModel(runtime, bytes, source, { maxModelBytes, readExternalData }, options));
  }

  /**
   * Classifies one drawn or photographed digit: grayscale, inverted if dark-on-light, cropped, scaled
   * into 20x20 and centered by mass in 28x28, as MNIST was made. Throws if the image has no ink.
   * @example const { class: digit, probabilities } = await classifier.predictImage(ctx.getImageData(0, 0, w, h));
   */
  async predictImage(image: DigitImageSource): Promise<ImagePrediction> {
    const pixels = preprocessDigitImage(imageData(image));
    const { classes, probabilities } = await this.predict(pixels);
    const digit = classes[0];
    return { class: digit, label: this.metadata.labels[digit] ?? String(digit), probabilities, pixels };
  }
}

function imageData(image: DigitImageSource): ImageDataLike {
  if (typeof image === 'object' && image !== null && 'data' in image) return image;
  if (typeof image === 'object' && image !== null && 'getContext' in image) {
    const context = (image as OffscreenCanvas).getContext('2d');
    if (!context) throw new TypeError('image: the canvas has no 2d context (is it already used for WebGL?)');
    return context.getImageData(0, 0, image.width, image.height);
  }
  throw new TypeError('image must be ImageData, an HTMLCanvasElement or an OffscreenCanvas');
}
