// `importOnnx`: a foreign ONNX MLP (PyTorch, Keras via tf2onnx) as a checkpoint of ours, its input
// normalization folded into the first layer so the checkpoint takes pixels / 255 like every other one.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import {
  defaultLabels,
  layerNames,
  MAX_MODEL_BYTES,
  METADATA_KEYS,
  MNIST_PREPROCESSING,
  modelMetadata,
  newCheckpoint,
  normalizationOf,
  readOnnxModelInfo,
  type ModelSpec,
  type NamedWeight,
  type Normalization,
  type Preprocessing,
  type TrainingState,
} from '@mnist/core';
import { readNodeModelFile } from '@mnist/core/node/model-file';
import { mlpModel, readOnnxMlp, type OnnxMlpHead } from '@mnist/export';
import { acquireRunLock, saveCheckpoint } from './checkpoint-io.js';
import { holdsCheckpoint } from './checkpoint-folder.js';

/** Options of `importOnnx`. */
export interface ImportOnnxOptions {
  /** The checkpoint folder to write. */
  out: string;
  /** Replace the checkpoint `out` holds (its model.json and weights.bin; other files are kept). */
  overwrite?: boolean;
  /** The mean and std the model was trained with, overriding its `mnist.preprocessing` metadata. */
  normalization?: Normalization;
  /** Class labels, overriding its `mnist.labels` metadata (default '0'..'K-1'). */
  labels?: readonly string[];
  /** The output to follow when the model has several. */
  output?: string;
  /** The largest model file read (default MAX_MODEL_BYTES, 256 MiB). */
  maxModelBytes?: number;
}

/** What `importOnnx` wrote. */
export interface ImportOnnxResult {
  checkpoint: string;
  spec: ModelSpec;
  labels: string[];
  /** The ops read, in order. */
  ops: string[];
  output: { name: string; head: OnnxMlpHead };
  /** The model's preprocessing (folded into the first layer) and where it was read from. */
  preprocessing: Preprocessing & { from: 'default' | 'metadata' | 'option' };
  sha256: string;
}

/**
 * Reads the ONNX MLP at `modelPath` (see @mnist/export's `readOnnxMlp` for what it takes) and saves it
 * as a checkpoint in `options.out`: epoch 0, no history, `training.importedFrom` naming the file and its
 * SHA-256. A model trained on normalized input ((x * pixelScale - mean) / std) gets that affine map
 * folded into its first layer (W' = a W, b' = b + c colsum(W) for u = a x + c), so the checkpoint on
 * pixels / 255 computes the same function. Refuses an `out` holding a checkpoint unless `overwrite`.
 * @example const { checkpoint } = await importOnnx('mlp.onnx', { out: 'checkpoints/imported', normalization: { mean: 0.1307, std: 0.3081 } });
 */
export async function importOnnx(modelPath: string, options: ImportOnnxOptions): Promise<ImportOnnxResult> {
  const out = options.out;
  if (typeof out !== 'string' || out === '') throw new TypeError(`out must be a non-empty path, got ${JSON.stringify(out)}`);
  const bytes = await readNodeModelFile(modelPath, modelPath, options.maxModelBytes ?? MAX_MODEL_BYTES);
  const mlp = readOnnxMlp(bytes, modelPath, { output: options.output });
  const metadata = modelMetadata(readOnnxModelInfo(bytes, modelPath), modelPath);
  const { spec, weights } = mlpModel(mlp);

  const labels = [...(options.labels ?? (metadata.metadataProps[METADATA_KEYS.labels] !== undefined ? metadata.labels : defaultLabels(spec.outputSize)))];
  if (labels.length !== spec.outputSize) {
    const from = options.labels ? 'labels' : `${modelPath}: metadata ${METADATA_KEYS.labels}`;
    throw new RangeError(`${from} has ${labels.length} labels, the model gives ${spec.outputSize} classes`);
  }
  const normalization = options.normalization ?? normalizationOf(metadata.preprocessing);
  const from = options.normalization ? 'option' : metadata.metadataProps[METADATA_KEYS.preprocessing] !== undefined ? 'metadata' : 'default';
  const preprocessing: Preprocessing = { pixelScale: metadata.preprocessing.pixelScale, ...(normalization ?? {}) };
  foldPreprocessing(spec, weights, preprocessing);

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const training: TrainingState = {
    epoch: 0,
    step: 0,
    epochs: 0,
    batchSize: 0,
    seed: 0,
    validationSize: 0,
    engine: 'none',
    backend: 'none',
    optimizer: { name: 'none', learningRate: 0 },
    history: [],
    importedFrom: {
      file: basename(modelPath),
      sha256,
      producer: [metadata.producer.name, metadata.producer.version].filter(Boolean).join(' '),
      output: mlp.output.head,
      preprocessing,
    },
  };
  const checkpoint = newCheckpoint(spec, labels, training, weights);
  // The run lock keeps a trainer off the folder while the pair is replaced.
  const release = await acquireRunLock(out);
  try {
    if (!options.overwrite && (await holdsCheckpoint(out))) {
      throw new Error(`${out} already holds a checkpoint; pass --overwrite to replace its model.json and weights.bin (other files in it are kept), or choose another --out`);
    }
    await saveCheckpoint(out, checkpoint);
  } finally {
    await release();
  }
  return { checkpoint: out, spec, labels, ops: mlp.ops, output: mlp.output, preprocessing: { ...preprocessing, from }, sha256 };
}

/**
 * Rewrites the first layer in place so that on MNIST's pixels (byte / 255) it computes what it did on
 * `preprocessing`'s input u = ((byte * pixelScale) - mean) / std = a x + c, x = byte / 255: kernel a W,
 * bias b + c colsum(W), in float64 before the one rounding to float32.
 */
function foldPreprocessing(spec: ModelSpec, weights: Map<string, NamedWeight>, preprocessing: Preprocessing): void {
  const first = layerNames(spec)[0];
  const std = preprocessing.std ?? 1;
  const mean = preprocessing.mean ?? 0;
  const a = (preprocessing.pixelScale / MNIST_PREPROCESSING.pixelScale) / std;
  const c = -mean / std;
  if (Math.abs(a - 1) < 1e-12 && c === 0) return;
  const kernel = weights.get(first.kernel)!;
  const bias = weights.get(first.bias)!;
  const [fanIn, fanOut] = kernel.shape;
  const w = kernel.values;
  const b = Float64Array.from(bias.values);
  for (let i = 0; i < fanIn; i++) {
    for (let j = 0; j < fanOut; j++) b[j] += c * w[i * fanOut + j];
  }
  for (let k = 0; k < w.length; k++) w[k] = a * w[k];
  bias.values.set(b);
}
