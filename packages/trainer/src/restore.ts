// Restoring a checkpoint for inference with the tfjs forward pass: the original program's
// `saver.restore` followed by `logits.eval` to predict and score (the CLI's eval and predict).
import { argmaxRows, confusionMatrix, imageShapeOf, topOneAccuracy, type Checkpoint, type LabeledImages } from '@mnist/core';
import { loadCheckpoint } from './checkpoint-io.js';
import { readRecordedTestSplit, type TestSplit } from './data/index.js';
import { forwardPassEngine } from './forward-pass.js';

/** A checkpoint's network, ready to classify images given as bytes. */
export interface RestoredClassifier {
  /** The tfjs backend it runs on. */
  readonly backend: string;
  /** One line on how the backend was chosen. */
  readonly selection: string;
  /** Logits `[count, classes]` of `count` images of `inputSize` bytes each. */
  predictLogits(images: Uint8Array, count: number): Promise<Float32Array>;
  /** The top-1 class of each image. */
  predictClasses(images: Uint8Array, count: number): Promise<Int32Array>;
  dispose(): void;
}

/**
 * Loads a checkpoint's model weights into a tfjs forward pass (optimizer slots are ignored).
 * Pixels are scaled by the checkpoint's own preprocessing.
 * @example const c = await restoreClassifier(await loadCheckpoint('checkpoints/dnn')); const classes = await c.predictClasses(bytes, 20);
 */
export async function restoreClassifier(checkpoint: Checkpoint, options: { backend?: string } = {}): Promise<RestoredClassifier> {
  const { modelSpec: spec, preprocessing } = checkpoint.modelJson;
  const engine = await forwardPassEngine(spec, checkpoint.weights, options.backend);
  const classes = spec.outputSize;
  return {
    backend: engine.backend,
    selection: engine.selection,
    predictLogits: (images, count) => engine.predictLogits(images, count, preprocessing.pixelScale),
    predictClasses: async (images, count) => argmaxRows(await engine.predictLogits(images, count, preprocessing.pixelScale), classes),
    dispose: () => engine.dispose(),
  };
}

/** A checkpoint's scores on a test set. */
export interface CheckpointEvaluation {
  /** The fraction of images whose label is the top-1 class (TensorFlow's `in_top_k`, as training reports it). */
  accuracy: number;
  /** `confusionMatrix[label][predicted]` counts, the predicted class being the argmax of the logits. */
  confusionMatrix: number[][];
  /** The checkpoint's class labels, one per class. */
  labels: string[];
  /** Number of images scored. */
  n: number;
}

/** Where `evaluateCheckpoint` and `predictCheckpoint` take their test images from. */
export interface TestSetOptions {
  /**
   * A dataset folder (only its test files are read); default: the one the checkpoint records it was
   * trained on (training.dataset), the built-in MNIST when it records none.
   */
  dataDir?: string;
  /** Told one line when `dataDir`'s test files are not those of the dataset the checkpoint was trained on. */
  onWarning?: (line: string) => void;
}

/**
 * Scores a checkpoint on the test set (the recorded dataset's test files, or `dataDir`'s): the fraction
 * whose label is the top-1 class, and the confusion matrix. The two agree unless a row of logits ties
 * for its maximum or holds NaN (`in_top_k` counts a tie for the label, argmax picks the first class).
 * @example const { accuracy, confusionMatrix, n } = await evaluateCheckpoint('checkpoints/dnn');
 */
export async function evaluateCheckpoint(checkpointDir: string, options: TestSetOptions & { backend?: string } = {}): Promise<CheckpointEvaluation> {
  const { accuracy, confusionMatrix, labels, n } = await scoreCheckpoint(checkpointDir, options);
  return { accuracy, confusionMatrix, labels, n };
}

/** `evaluateCheckpoint`'s scores with what they were computed from, for reports that show single images. */
export interface CheckpointScores extends CheckpointEvaluation {
  checkpoint: Checkpoint;
  /** The test images and labels scored. */
  test: LabeledImages;
  /** Logits `[n, classes]`, row i for test image i. */
  logits: Float32Array;
}

/**
 * Scores a checkpoint as `evaluateCheckpoint` does and keeps the checkpoint, the test set and its logits
 * (`mnist report` shows the most confident mistakes).
 * @example const { accuracy, logits, test } = await scoreCheckpoint('checkpoints/dnn');
 */
export async function scoreCheckpoint(checkpointDir: string, options: TestSetOptions & { backend?: string } = {}): Promise<CheckpointScores> {
  const checkpoint = await loadCheckpoint(checkpointDir);
  const { test } = await readMatchingTestSet(checkpoint, checkpointDir, options);
  const classifier = await restoreClassifier(checkpoint, options);
  try {
    const classes = checkpoint.modelJson.modelSpec.outputSize;
    const logits = await classifier.predictLogits(test.images, test.count);
    return {
      accuracy: topOneAccuracy(logits, test.labels, classes),
      confusionMatrix: confusionMatrix(argmaxRows(logits, classes), test.labels, classes),
      labels: [...checkpoint.modelJson.labels],
      n: test.count,
      checkpoint,
      test,
      logits,
    };
  } finally {
    classifier.dispose();
  }
}

/**
 * Predicted and actual classes of the first `first` (default 20) test images, as the original
 * program printed them.
 * @example const { predictions, labels } = await predictCheckpoint('checkpoints/dnn', { first: 20 });
 */
export async function predictCheckpoint(
  checkpointDir: string,
  options: TestSetOptions & { first?: number; backend?: string } = {},
): Promise<{ predictions: number[]; labels: number[] }> {
  const first = options.first ?? 20;
  const checkpoint = await loadCheckpoint(checkpointDir);
  const { test } = await readMatchingTestSet(checkpoint, checkpointDir, options);
  if (!Number.isInteger(first) || first < 1 || first > test.count) {
    throw new RangeError(`first must be an integer in [1, ${test.count}] (the test set size), got ${first}`);
  }
  const classifier = await restoreClassifier(checkpoint, options);
  try {
    const classes = await classifier.predictClasses(test.images, first);
    return { predictions: Array.from(classes), labels: Array.from(test.labels.subarray(0, first)) };
  } finally {
    classifier.dispose();
  }
}

// The recorded dataset by default, as Keras users expect `evaluate` to score on the data the model knows;
// another --data is scored as asked, with a warning, since a Fashion-MNIST model on MNIST scores noise.
async function readMatchingTestSet(checkpoint: Checkpoint, checkpointDir: string, options: TestSetOptions): Promise<TestSplit> {
  const nClasses = checkpoint.modelJson.modelSpec.outputSize;
  const { dataDir, ...split } = await readRecordedTestSplit(checkpoint.modelJson.training.dataset, checkpointDir, { ...options, nClasses });
  const { height, width } = split.test;
  const spec = checkpoint.modelJson.modelSpec;
  // The recorded image shape, not just the pixel count: 32x32 and 16x64 images both have 1024 pixels.
  const shape = imageShapeOf(spec);
  const matches = shape ? shape[0] === height && shape[1] === width : height * width === spec.inputSize;
  if (!matches) {
    const takes = shape ? `${shape[0]}x${shape[1]} images` : `${spec.inputSize} pixels`;
    throw new RangeError(`${dataDir ?? 'the MNIST data'} has ${height}x${width} images, the checkpoint's model takes ${takes}`);
  }
  return split;
}
