// Initial weights: the original program's truncated normal with stddev 2/sqrt(fan_in) (draws beyond
// two standard deviations are redrawn, as tf.truncated_normal does), He and Glorot; zero biases.
// Drawn in plain JS from the core's seeded Rng, so every engine and backend starts from the same bits.
import { deriveSeed, INITIALIZERS, layerNames, Rng, type Initializer, type ModelSpec, type NamedWeight } from '@mnist/core';
import { checkInitializer, checkNetworkSize } from './network-options.js';

/** Stream tag mixed into the run seed for initial weights ("init"), apart from the epoch shuffles. */
const INIT_STREAM = 0x696e6974;

/** Standard deviation of a standard normal truncated at +-2: sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)). */
export const TRUNCATED_NORMAL_STD_FACTOR = 0.8796256610342398;

/**
 * Fills `out` with draws from a normal(0, stddev) truncated at +-2 stddev (rejection sampling with
 * Marsaglia's polar method: only sqrt and log, which V8 computes identically on every machine).
 * @example truncatedNormal(new Float32Array(6), 0.1, new Rng(7)) // six values in [-0.2, 0.2]
 */
export function truncatedNormal(out: Float32Array, stddev: number, rng: Rng): Float32Array {
  if (!(stddev > 0) || !Number.isFinite(stddev)) throw new RangeError(`stddev must be a positive finite number, got ${stddev}`);
  let spare: number | undefined;
  const standard = (): number => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * rng.float() - 1;
      v = 2 * rng.float() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    spare = v * m;
    return u * m;
  };
  for (let i = 0; i < out.length; i++) {
    let z: number;
    do z = standard();
    while (z < -2 || z > 2);
    out[i] = z * stddev;
  }
  return out;
}

/**
 * Fills `out` with draws from uniform(-limit, limit).
 * @example uniform(new Float32Array(4), 0.5, new Rng(1)) // four values in [-0.5, 0.5)
 */
export function uniform(out: Float32Array, limit: number, rng: Rng): Float32Array {
  if (!(limit > 0) || !Number.isFinite(limit)) throw new RangeError(`limit must be a positive finite number, got ${limit}`);
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.float() - 1) * limit;
  return out;
}

/**
 * Fills a kernel of `size` values (default `fanIn * fanOut`, a dense `[fanIn, fanOut]` kernel) by `initializer`: `truncated_normal` (stddev 2/sqrt(fan_in), the
 * original program's), `he` (tf.variance_scaling_initializer(2.0): a truncated normal whose stddev
 * after truncation is sqrt(2/fan_in)), `glorot` (uniform within sqrt(6/(fan_in+fan_out))).
 * @example initialKernel('he', 784, 300, new Rng(1)).length // 235200
 */
export function initialKernel(initializer: Initializer, fanIn: number, fanOut: number, rng: Rng, size = fanIn * fanOut): Float32Array {
  const out = new Float32Array(size);
  switch (initializer) {
    case 'truncated_normal':
      return truncatedNormal(out, 2 / Math.sqrt(fanIn), rng);
    case 'he':
      // TF1 divides by the truncated normal's spread so the variance is 2/fan_in after the cut.
      return truncatedNormal(out, Math.sqrt(2 / fanIn) / TRUNCATED_NORMAL_STD_FACTOR, rng);
    case 'glorot':
      return uniform(out, Math.sqrt(6 / (fanIn + fanOut)), rng);
    default:
      throw new RangeError(`initializer must be one of ${INITIALIZERS.join(', ')}, got ${JSON.stringify(initializer)}`);
  }
}

/**
 * The initial model weights of `spec` for `seed`: each kernel `[fan_in, fan_out]` from
 * `spec.initializer` (see `initialKernel`; its own seed stream per layer), each bias zero. Names follow
 * the original name scopes (`dnn/hidden1/kernel`, ...). Deterministic and independent of any backend.
 * @example const weights = initialWeights(DEFAULT_MODEL_SPEC, 42); weights.get('dnn/hidden1/kernel')!.shape // [784, 300]
 */
export function initialWeights(spec: ModelSpec, seed: number): Map<string, NamedWeight> {
  checkInitializer(spec.initializer, 'spec.initializer');
  checkNetworkSize(spec);
  const weights = new Map<string, NamedWeight>();
  layerNames(spec).forEach((layer, index) => {
    const rng = new Rng(deriveSeed(seed, INIT_STREAM, index));
    // Drawn in the kernel's memory order: for a conv kernel [filters, channels, k, k] that is fanIn * filters values.
    const kernel = initialKernel(spec.initializer, layer.fanIn, layer.fanOut, rng, layer.kernelShape.reduce((a, b) => a * b, 1));
    weights.set(layer.kernel, { name: layer.kernel, shape: [...layer.kernelShape], values: kernel });
    weights.set(layer.bias, { name: layer.bias, shape: [...layer.biasShape], values: new Float32Array(layer.biasShape[0]) });
  });
  return weights;
}
