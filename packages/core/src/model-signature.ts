// What the classifier found in a model (input layout, output kind, classes, preprocessing, labels) and
// the load options that steer it: the contract between the facade, the runtimes, serve and the CLI.
import type { Preprocessing } from './model-spec.js';

/** How a model takes a 28x28 image: `[N,784]`, `[N,1,28,28]`, `[N,28,28,1]` or `[N,28,28]`. One channel, so all share one row-major byte order; only the dims differ. */
export type InputLayout = 'flat' | 'nchw' | 'nhwc' | 'nhw';

/** What a model's `[N,K]` output holds per image. */
export type OutputKind = 'logits' | 'probabilities' | 'log-probabilities';

/** The valid layouts and output kinds, for messages and option checks. */
export const INPUT_LAYOUTS: readonly InputLayout[] = Object.freeze(['flat', 'nchw', 'nhwc', 'nhw']);
export const OUTPUT_KINDS: readonly OutputKind[] = Object.freeze(['logits', 'probabilities', 'log-probabilities']);

/** A per-pixel normalization applied after `pixelScale`: `(x - mean) / std`, as torchvision's `Normalize((0.1307,), (0.3081,))`. */
export interface Normalization {
  mean: number;
  std: number;
}

/** What the classifier found in the model, and where each part came from. */
export interface ModelSignature {
  /** 'sdk': our own export (input X; outputs logits, probabilities, classes); 'foreign': anything else. */
  contract: 'sdk' | 'foreign';
  input: {
    name: string;
    layout: InputLayout;
    /** The input's dims as the runtime reports them (a string is symbolic). */
    shape: (number | string)[];
    /** Set when the model takes exactly this many images per run; the facade then runs chunks of it, padding the last. */
    fixedBatch?: number;
  };
  output: {
    name: string;
    kind: OutputKind;
    /** 'contract': our export; 'graph': the node producing it is Softmax/LogSoftmax; 'probe': a run on fixed images; 'option': the outputKind option. */
    detectedBy: 'contract' | 'graph' | 'probe' | 'option';
    classes: number;
  };
  preprocessing: { pixelScale: number; normalization?: Normalization; from: 'default' | 'metadata' | 'option' };
  labels: string[];
  labelsFrom: 'metadata' | 'option' | 'default';
}

/**
 * Load options every runtime's `MnistClassifier.load` accepts (NodeClassifierOptions and
 * WebClassifierOptions extend it). Our own exports need none of them; they are for models exported by
 * PyTorch, Keras or others.
 */
export interface ClassifierLoadOptions {
  /** The image input's name, when the model has several inputs. */
  input?: string;
  /** The class-score output's name, when the model has several outputs. */
  output?: string;
  /** What the output holds, overriding detection. */
  outputKind?: OutputKind;
  /** Normalization the model was trained with (overrides the model's `mnist.preprocessing` metadata). */
  normalization?: Normalization;
  /** Class labels, one per output class (overrides the model's `mnist.labels` metadata). */
  labels?: readonly string[];
  /**
   * Refuse models whose file (plus external data) is larger than this many bytes, checked before
   * reading. Default MAX_MODEL_BYTES (256 MiB); at most protobuf's 2 GiB.
   */
  maxModelBytes?: number;
}

/**
 * Checks the classifier's own load options (types and ranges), throwing TypeError/RangeError naming
 * the option; runtime options beside them are left to the runtime.
 * @example checkLoadOptions({ normalization: { mean: 0.1307, std: 0.3081 } });
 */
export function checkLoadOptions(options: ClassifierLoadOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  for (const key of ['input', 'output'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new TypeError(`options.${key} must be a non-empty string (the model's ${key} name), got ${JSON.stringify(value)}`);
    }
  }
  if (options.outputKind !== undefined && !OUTPUT_KINDS.includes(options.outputKind)) {
    throw new RangeError(`options.outputKind must be one of ${OUTPUT_KINDS.join(', ')}, got ${JSON.stringify(options.outputKind)}`);
  }
  if (options.normalization !== undefined) checkNormalization(options.normalization, 'options.normalization');
  const labels = options.labels;
  if (labels !== undefined && (!Array.isArray(labels) || labels.length < 2 || !labels.every((l) => typeof l === 'string'))) {
    throw new TypeError('options.labels must be an array of at least 2 strings, one per class');
  }
}

/**
 * Throws a RangeError naming `name` unless `value` is `{ mean, std }` with finite numbers and std > 0.
 * @example checkNormalization({ mean: 0.1307, std: 0.3081 }, 'options.normalization');
 */
export function checkNormalization(value: unknown, name: string): asserts value is Normalization {
  const n = value as Partial<Normalization> | null;
  if (
    typeof n !== 'object' || n === null ||
    typeof n.mean !== 'number' || !Number.isFinite(n.mean) ||
    typeof n.std !== 'number' || !Number.isFinite(n.std) || !(n.std > 0)
  ) {
    throw new RangeError(`${name} must be { mean, std } with finite numbers and std > 0, e.g. { mean: 0.1307, std: 0.3081 }`);
  }
}

/**
 * The normalization a Preprocessing carries (`mean` and `std`), if any.
 * @example normalizationOf({ pixelScale: 1 / 255, mean: 0.1307, std: 0.3081 }) // { mean: 0.1307, std: 0.3081 }
 */
export function normalizationOf(preprocessing: Preprocessing): Normalization | undefined {
  return preprocessing.mean === undefined && preprocessing.std === undefined
    ? undefined
    : { mean: preprocessing.mean ?? 0, std: preprocessing.std ?? 1 };
}

/**
 * The labels '0'..'K-1', for models that carry none.
 * @example defaultLabels(3) // ['0', '1', '2']
 */
export function defaultLabels(classes: number): string[] {
  return Array.from({ length: classes }, (_, i) => String(i));
}
