// Names shared by the ONNX exporter and the inference SDKs: what makes an .onnx file "ours".

/** Graph input: float32 [batch, inputSize] (784 for MNIST), pixels already scaled to [0, 1]. */
export const ONNX_INPUT = 'X';
/** Graph outputs. */
export const ONNX_LOGITS = 'logits';
export const ONNX_PROBABILITIES = 'probabilities';
export const ONNX_CLASSES = 'classes';

export const DEFAULT_OPSET = 17;
export const DEFAULT_IR_VERSION = 8;
export const ONNX_PRODUCER_NAME = 'mnist-onnx-sdk';

/** Keys of the model's `metadata_props`. Values are strings; JSON where noted. */
export const METADATA_KEYS = Object.freeze({
  /**
   * JSON Preprocessing, e.g. {"pixelScale":0.00392156862745098}; a model trained on normalized pixels
   * adds its mean and std: {"pixelScale":0.00392156862745098,"mean":0.1307,"std":0.3081}.
   */
  preprocessing: 'mnist.preprocessing',
  /** JSON string[] of class labels, one per output class. */
  labels: 'mnist.labels',
  /** JSON ModelSpec. */
  modelSpec: 'mnist.model_spec',
  /** Path or name of the source checkpoint. */
  sourceCheckpoint: 'mnist.source_checkpoint',
  /** Test accuracy measured when exported, as a decimal string; absent if unknown. */
  testAccuracy: 'mnist.test_accuracy',
  /** The images' rows and columns the model was trained on, JSON [rows, cols]: [28, 28] for MNIST. */
  imageShape: 'mnist.image_shape',
  /**
   * JSON DatasetRecord: the dataset the checkpoint was trained on (its training.dataset: name, folder,
   * SHA-256 of its files), so `mnist eval --model` scores on it by default; absent when none is recorded.
   */
  dataset: 'mnist.dataset',
});
