// The layers of a network written once: what each layer of a spec is, its input and output shapes and
// its weights' names and shapes. Every graph (training step, logits, export), every engine and the
// initializers walk `networkLayers(spec)`, so the convolutional family and the MLP read the same list.
import { imageShapeOf, type ModelSpec } from './model-spec.js';

/** A 2-D convolution over [channels, rows, cols], kernel `[filters, channels, k, k]` (ONNX's and PyTorch's OIHW). */
export interface Conv2dLayerSpec {
  kind: 'conv2d';
  filters: number;
  kernelSize: number;
  /** Step of the kernel over rows and columns. */
  strides: number;
  /** 'valid': no padding; 'same': zeros around so that the output has ceil(size / strides) rows and cols (TensorFlow's SAME). */
  padding: 'valid' | 'same';
}

/** Max pooling over `poolSize` x `poolSize` windows, `strides` apart (floor: a partial window at the edge is dropped). */
export interface MaxPool2dLayerSpec {
  kind: 'maxPool2d';
  poolSize: number;
  strides: number;
}

/** [channels, rows, cols] to one vector per image, channel-major (ONNX Flatten of NCHW, PyTorch's view). */
export interface FlattenLayerSpec {
  kind: 'flatten';
}

/** A fully connected layer, kernel `[fan_in, units]`; the last layer of a network is the logits layer. */
export interface DenseLayerSpec {
  kind: 'dense';
  units: number;
}

/**
 * One layer of a sequential network (`ModelSpec.layers`). The spec's activation follows every conv2d and
 * every dense layer but the last, whose output is the logits.
 */
export type LayerSpec = Conv2dLayerSpec | MaxPool2dLayerSpec | FlattenLayerSpec | DenseLayerSpec;

export const LAYER_KINDS: readonly LayerSpec['kind'][] = Object.freeze(['conv2d', 'maxPool2d', 'flatten', 'dense'] as const);

/** A layer of a spec with its shapes resolved; conv2d and dense layers also carry their weights. */
export interface NetworkLayer {
  layer: LayerSpec;
  /** Per image: [channels, rows, cols] before the first flatten, [units] after. */
  inputShape: number[];
  outputShape: number[];
  /** Whether the spec's activation follows (conv2d and hidden dense layers). */
  activated: boolean;
  /** Only on conv2d and dense layers. */
  weights?: LayerNames;
  /** conv2d only: ONNX's pads [top, left, bottom, right]. */
  pads?: [number, number, number, number];
}

/** The names and shapes of a layer's kernel and bias (`<scope>/kernel`, `<scope>/bias`). */
export interface LayerNames {
  /** 'dnn/hidden1', 'cnn/conv1', ...: the name scope of the original TensorFlow program. */
  scope: string;
  kernel: string;
  bias: string;
  kernelShape: number[];
  biasShape: number[];
  /** The initializers' fan-in and fan-out (Keras': a conv kernel's fan-in is channels * k * k, its fan-out filters * k * k). */
  fanIn: number;
  fanOut: number;
  isOutput: boolean;
}

/**
 * True when `spec` is a sequential network of `layers` (the convolutional family) rather than the
 * MLP of `hiddenUnits`.
 * @example isLayeredSpec(DEFAULT_CNN_SPEC) // true
 */
export function isLayeredSpec(spec: Pick<ModelSpec, 'layers'>): spec is ModelSpec & { layers: LayerSpec[] } {
  return spec.layers !== undefined;
}

/**
 * The layers of `spec` in order, shapes resolved. An MLP is its dense layers (`dnn/hidden1`, ...,
 * `dnn/outputs`); a layered spec its `layers`, weights under `cnn/conv1`, `cnn/dense1`, ..., `cnn/outputs`.
 * Throws RangeError (see `layersProblem`) for layers that do not fit together.
 * @example networkLayers(DEFAULT_CNN_SPEC)[0].outputShape // [16, 24, 24]
 */
export function networkLayers(spec: ModelSpec): NetworkLayer[] {
  const resolved = resolveLayers(spec);
  if (typeof resolved === 'string') throw new RangeError(`modelSpec.layers ${resolved}`);
  return resolved;
}

/**
 * What is wrong with `spec.layers` (words after "modelSpec.layers"), or undefined when they fit
 * together: conv2d and maxPool2d on the image, one flatten, dense layers after it, the last dense
 * giving `outputSize` logits, every shape at least 1.
 * @example layersProblem({ ...DEFAULT_CNN_SPEC, layers: [{ kind: 'flatten' }] }) // 'ends with flatten, expected a dense layer of outputSize 10 units'
 */
export function layersProblem(spec: ModelSpec): string | undefined {
  const resolved = resolveLayers(spec);
  return typeof resolved === 'string' ? resolved : undefined;
}

function resolveLayers(spec: ModelSpec): NetworkLayer[] | string {
  if (!isLayeredSpec(spec)) {
    const sizes = [spec.inputSize, ...spec.hiddenUnits, spec.outputSize];
    return sizes.slice(1).map((units, i) => {
      const isOutput = i === spec.hiddenUnits.length;
      const scope = isOutput ? 'dnn/outputs' : `dnn/hidden${i + 1}`;
      return {
        layer: { kind: 'dense', units },
        inputShape: [sizes[i]],
        outputShape: [units],
        activated: !isOutput,
        weights: denseWeights(scope, sizes[i], units, isOutput),
      };
    });
  }
  const layers: unknown = spec.layers;
  if (!Array.isArray(layers) || layers.length === 0) return 'must be a non-empty list of layers';
  const image = imageShapeOf(spec);
  if (image === undefined) return `needs modelSpec.imageShape for ${spec.inputSize} inputs`;
  let shape = [1, image[0], image[1]];
  const out: NetworkLayer[] = [];
  const counts = { conv2d: 0, dense: 0 };
  for (const [i, layer] of (layers as LayerSpec[]).entries()) {
    const at = `[${i}]`;
    const problem = layerFieldProblem(layer);
    if (problem) return `${at} ${problem}`;
    const isLast = i === layers.length - 1;
    const flat = shape.length === 1;
    if (layer.kind === 'conv2d' || layer.kind === 'maxPool2d') {
      if (flat) return `${at} is ${layer.kind} after flatten, expected it on [channels, rows, cols]`;
      const [channels, rows, cols] = shape;
      if (layer.kind === 'conv2d') {
        const k = layer.kernelSize;
        const s = layer.strides;
        const [outRows, padRows] = convExtent(rows, k, s, layer.padding);
        const [outCols, padCols] = convExtent(cols, k, s, layer.padding);
        if (outRows < 1 || outCols < 1) return `${at} conv2d kernel ${k} does not fit ${rows}x${cols}`;
        counts.conv2d++;
        const scope = `cnn/conv${counts.conv2d}`;
        out.push({
          layer,
          inputShape: shape,
          outputShape: [layer.filters, outRows, outCols],
          activated: true,
          pads: [Math.floor(padRows / 2), Math.floor(padCols / 2), padRows - Math.floor(padRows / 2), padCols - Math.floor(padCols / 2)],
          weights: {
            scope,
            kernel: `${scope}/kernel`,
            bias: `${scope}/bias`,
            kernelShape: [layer.filters, channels, k, k],
            biasShape: [layer.filters],
            fanIn: channels * k * k,
            fanOut: layer.filters * k * k,
            isOutput: false,
          },
        });
        shape = [layer.filters, outRows, outCols];
      } else {
        const outRows = Math.floor((rows - layer.poolSize) / layer.strides) + 1;
        const outCols = Math.floor((cols - layer.poolSize) / layer.strides) + 1;
        if (outRows < 1 || outCols < 1) return `${at} maxPool2d of ${layer.poolSize} does not fit ${rows}x${cols}`;
        out.push({ layer, inputShape: shape, outputShape: [channels, outRows, outCols], activated: false });
        shape = [channels, outRows, outCols];
      }
    } else if (layer.kind === 'flatten') {
      if (flat) return `${at} is a second flatten`;
      const units = shape[0] * shape[1] * shape[2];
      out.push({ layer, inputShape: shape, outputShape: [units], activated: false });
      shape = [units];
    } else {
      if (!flat) return `${at} is dense on [${shape.join(', ')}], expected a flatten before it`;
      if (isLast && layer.units !== spec.outputSize) return `${at} is the logits layer of ${layer.units} units, expected outputSize ${spec.outputSize}`;
      counts.dense++;
      const scope = isLast ? 'cnn/outputs' : `cnn/dense${counts.dense}`;
      out.push({ layer, inputShape: shape, outputShape: [layer.units], activated: !isLast, weights: denseWeights(scope, shape[0], layer.units, isLast) });
      shape = [layer.units];
    }
  }
  const last = out.at(-1)!.layer;
  if (last.kind !== 'dense') return `ends with ${last.kind}, expected a dense layer of outputSize ${spec.outputSize} units`;
  return out;
}

function denseWeights(scope: string, fanIn: number, fanOut: number, isOutput: boolean): LayerNames {
  return { scope, kernel: `${scope}/kernel`, bias: `${scope}/bias`, kernelShape: [fanIn, fanOut], biasShape: [fanOut], fanIn, fanOut, isOutput };
}

/** Output size and total padding of a convolution along one axis (TensorFlow's SAME and VALID). */
function convExtent(size: number, kernel: number, strides: number, padding: 'valid' | 'same'): [number, number] {
  if (padding === 'valid') return [Math.floor((size - kernel) / strides) + 1, 0];
  const outSize = Math.ceil(size / strides);
  return [outSize, Math.max((outSize - 1) * strides + kernel - size, 0)];
}

const isCount = (n: unknown, max: number): boolean => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= max;

function layerFieldProblem(layer: unknown): string | undefined {
  if (typeof layer !== 'object' || layer === null) return `is ${JSON.stringify(layer)}, expected a layer object`;
  const l = layer as Record<string, unknown>;
  switch (l.kind) {
    case 'conv2d':
      if (!isCount(l.filters, 1024)) return `conv2d filters must be an integer in 1..1024, got ${JSON.stringify(l.filters)}`;
      if (!isCount(l.kernelSize, 15)) return `conv2d kernelSize must be an integer in 1..15, got ${JSON.stringify(l.kernelSize)}`;
      if (!isCount(l.strides, 15)) return `conv2d strides must be an integer in 1..15, got ${JSON.stringify(l.strides)}`;
      if (l.padding !== 'valid' && l.padding !== 'same') return `conv2d padding must be 'valid' or 'same', got ${JSON.stringify(l.padding)}`;
      return undefined;
    case 'maxPool2d':
      if (!isCount(l.poolSize, 15)) return `maxPool2d poolSize must be an integer in 1..15, got ${JSON.stringify(l.poolSize)}`;
      if (!isCount(l.strides, 15)) return `maxPool2d strides must be an integer in 1..15, got ${JSON.stringify(l.strides)}`;
      return undefined;
    case 'flatten':
      return undefined;
    case 'dense':
      if (!isCount(l.units, 65536)) return `dense units must be an integer in 1..65536, got ${JSON.stringify(l.units)}`;
      return undefined;
    default:
      return `has kind ${JSON.stringify(l.kind)}, expected one of ${LAYER_KINDS.join(', ')}`;
  }
}

/**
 * The weighted layers of `spec` in order (each conv2d and dense layer) with their TensorFlow-style
 * weight names and shapes.
 * @example layerNames(DEFAULT_MODEL_SPEC)[0].kernel === 'dnn/hidden1/kernel'
 * @example layerNames(DEFAULT_MODEL_SPEC)[0].kernelShape // [784, 300]
 */
export function layerNames(spec: ModelSpec): LayerNames[] {
  return networkLayers(spec).flatMap((l) => (l.weights ? [l.weights] : []));
}

/**
 * A short description of the network for logs and doc strings.
 * @example describeNetwork(DEFAULT_MODEL_SPEC) // '784-300-100-10 relu'
 * @example describeNetwork(DEFAULT_CNN_SPEC) // 'conv16x5v-pool2-conv32x5v-pool2-flatten-dense128-dense10 relu'
 */
export function describeNetwork(spec: ModelSpec): string {
  if (!isLayeredSpec(spec)) return `${[spec.inputSize, ...spec.hiddenUnits, spec.outputSize].join('-')} ${spec.activation}`;
  const parts = spec.layers.map((l) => {
    switch (l.kind) {
      case 'conv2d':
        return `conv${l.filters}x${l.kernelSize}${l.strides === 1 ? '' : `s${l.strides}`}${l.padding === 'same' ? '' : 'v'}`;
      case 'maxPool2d':
        return `pool${l.poolSize}${l.strides === l.poolSize ? '' : `s${l.strides}`}`;
      case 'flatten':
        return 'flatten';
      case 'dense':
        return `dense${l.units}`;
    }
  });
  return `${parts.join('-')} ${spec.activation}`;
}

/**
 * `spec` with `outputSize` classes; a layered spec's logits layer (its last dense) gets as many units.
 * @example withOutputSize(DEFAULT_CNN_SPEC, 26).layers!.at(-1) // { kind: 'dense', units: 26 }
 */
export function withOutputSize<T extends Pick<ModelSpec, 'outputSize' | 'layers'>>(spec: T, outputSize: number): T {
  if (spec.layers === undefined) return { ...spec, outputSize };
  const layers = spec.layers.map((l, i) => (i === spec.layers!.length - 1 && l.kind === 'dense' ? { ...l, units: outputSize } : l));
  return { ...spec, outputSize, layers };
}
