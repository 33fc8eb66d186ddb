// The names of the training and logits graphs' inputs and outputs (weights keep their checkpoint
// names), shared by the MLP's graph, the layered network's and their callers.
import { ONNX_LOGITS } from '@mnist/core';

/** Graph inputs and outputs of the training and logits graphs (weights keep their checkpoint names). */
export const TRAINING_GRAPH_NAMES = Object.freeze({
  /** uint8 [steps, batch, inputSize]: the raw pixels of a block of batches. */
  images: 'images',
  /** uint8 [steps, batch]: the class of every image of the block. */
  labels: 'labels',
  /** float32 [steps]: the mean loss of each step, computed before that step's update. */
  losses: 'losses',
  /** uint8 [count, inputSize] input of the logits graph. */
  logitsImages: 'images',
  /** float32 [count, outputSize] output of the logits graph. */
  logits: ONNX_LOGITS,
});

/**
 * The name of the uint8 [steps, batch, units] dropout keep-mask input of hidden layer `scope`.
 * @example dropoutMaskName('dnn/hidden1') // 'dnn/hidden1/dropout_mask'
 */
export function dropoutMaskName(scope: string): string {
  return `${scope}/dropout_mask`;
}

/**
 * The name of the graph output that holds weight `name` after the block's updates.
 * @example updatedWeightName('dnn/hidden1/kernel') // 'dnn/hidden1/kernel/updated'
 */
export function updatedWeightName(name: string): string {
  return `${name}/updated`;
}
