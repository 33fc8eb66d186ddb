// Interprets an ONNX model's header (metadata_props, opsets, producer) for the classifier: labels,
// preprocessing (pixel scale and an optional normalization), test accuracy, image shape.
import { datasetRecordProblem, type DatasetRecord } from './checkpoint-format.js';
import { IMAGE_PIXELS } from './model-input.js';
import { ModelLoadError } from './model-load-error.js';
import { DIGIT_LABELS, MNIST_PREPROCESSING, type ModelSpec, type Preprocessing } from './model-spec.js';
import { METADATA_KEYS } from './onnx-contract.js';
import type { OnnxModelInfo } from './onnx-model-info.js';

/** What the model file says about itself. */
export interface ModelFileMetadata {
  /** Class labels: `mnist.labels`, else '0'..'K-1' (for a model read on its own, '0'..'9'). */
  labels: string[];
  /** `mnist.preprocessing`, else pixel scale 1/255 without normalization. */
  preprocessing: Preprocessing;
  /** Test accuracy recorded at export, if any. */
  testAccuracy?: number;
  /** The default-domain ONNX opset. */
  opset: number;
  irVersion: number;
  producer: { name: string; version: string };
  modelSpec?: ModelSpec;
  sourceCheckpoint?: string;
  imageShape: [number, number];
  /** `mnist.dataset`: the dataset the model was trained on, when its export recorded one. */
  dataset?: DatasetRecord;
  docString: string;
  /** All metadata_props as stored. */
  metadataProps: Record<string, string>;
}

/**
 * Interprets an ONNX model's header for the classifier: labels, preprocessing and test accuracy from
 * metadata_props (defaults: digits 0-9, pixel scale 1/255), opset, IR version and producer. A
 * `mnist.preprocessing` with `mean` must have `std` (> 0) too, and the other way round.
 * @example modelMetadata(readOnnxModelInfo(bytes), 'model.onnx').preprocessing.pixelScale
 */
export function modelMetadata(info: OnnxModelInfo, source: string): ModelFileMetadata {
  const props = info.metadataProps;
  const bad = (key: string, expected: string): never => {
    throw new ModelLoadError(source, `metadata ${key} is not ${expected}`);
  };
  const json = (key: string): unknown => {
    const text = props[key];
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return bad(key, 'valid JSON');
    }
  };
  const preprocessing = (json(METADATA_KEYS.preprocessing) ?? { ...MNIST_PREPROCESSING }) as Preprocessing;
  if (typeof preprocessing !== 'object' || preprocessing === null || !(typeof preprocessing.pixelScale === 'number' && preprocessing.pixelScale > 0)) {
    bad(METADATA_KEYS.preprocessing, 'an object with a positive pixelScale');
  }
  const { mean, std } = preprocessing;
  if (mean !== undefined || std !== undefined) {
    const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
    if (!finite(mean) || !finite(std) || !((std as number) > 0)) {
      bad(METADATA_KEYS.preprocessing, 'an object whose mean and std (if any) are both finite numbers with std > 0');
    }
  }
  const labels = (json(METADATA_KEYS.labels) ?? [...DIGIT_LABELS]) as string[];
  if (!Array.isArray(labels) || labels.length < 1 || !labels.every((l) => typeof l === 'string')) {
    bad(METADATA_KEYS.labels, 'a JSON array of strings');
  }
  const imageShape = (json(METADATA_KEYS.imageShape) ?? [28, 28]) as [number, number];
  if (!Array.isArray(imageShape) || imageShape.length !== 2 || imageShape[0] * imageShape[1] !== IMAGE_PIXELS) {
    bad(METADATA_KEYS.imageShape, `a JSON [height, width] of ${IMAGE_PIXELS} pixels`);
  }
  const metadata: ModelFileMetadata = {
    labels,
    preprocessing,
    opset: info.opsets[''] ?? info.opsets['ai.onnx'] ?? 0,
    irVersion: info.irVersion,
    producer: { name: info.producerName, version: info.producerVersion },
    imageShape,
    docString: info.docString,
    metadataProps: { ...props },
  };
  const accuracyText = props[METADATA_KEYS.testAccuracy];
  if (accuracyText !== undefined && accuracyText !== '') {
    const value = Number(accuracyText);
    if (!Number.isFinite(value)) bad(METADATA_KEYS.testAccuracy, 'a number');
    metadata.testAccuracy = value;
  }
  const spec = json(METADATA_KEYS.modelSpec);
  if (spec !== undefined) metadata.modelSpec = spec as ModelSpec;
  if (props[METADATA_KEYS.sourceCheckpoint] !== undefined) metadata.sourceCheckpoint = props[METADATA_KEYS.sourceCheckpoint];
  const dataset = json(METADATA_KEYS.dataset);
  if (dataset !== undefined) {
    const problem = datasetRecordProblem(dataset);
    if (problem) bad(METADATA_KEYS.dataset, `a JSON dataset record: it is one ${problem}`);
    metadata.dataset = dataset as DatasetRecord;
  }
  return metadata;
}
