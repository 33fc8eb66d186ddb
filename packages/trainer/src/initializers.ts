// The original program's initial weights: kernels from a truncated normal with stddev 2/sqrt(fan_in)
// (draws beyond two standard deviations are redrawn, as tf.truncated_normal does), zero biases.
// Drawn in plain JS from the core's seeded Rng, so every engine and backend starts from the same bits.
import { deriveSeed, layerNames, Rng, type ModelSpec, type NamedWeight } from '@mnist/core';

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
 * The initial model weights of `spec` for `seed`: each kernel `[fan_in, fan_out]` from a truncated
 * normal with stddev 2/sqrt(fan_in) (its own seed stream per layer), each bias zero. Names follow the
 * original name scopes (`dnn/hidden1/kernel`, ...). Deterministic and independent of any backend.
 * @example const weights = initialWeights(DEFAULT_MODEL_SPEC, 42); weights.get('dnn/hidden1/kernel')!.shape // [784, 300]
 */
export function initialWeights(spec: ModelSpec, seed: number): Map<string, NamedWeight> {
  if (spec.initializer !== 'truncated_normal') {
    throw new RangeError(`spec.initializer must be "truncated_normal", got ${JSON.stringify(spec.initializer)}`);
  }
  const weights = new Map<string, NamedWeight>();
  layerNames(spec).forEach((layer, index) => {
    const rng = new Rng(deriveSeed(seed, INIT_STREAM, index));
    const kernel = truncatedNormal(new Float32Array(layer.fanIn * layer.fanOut), 2 / Math.sqrt(layer.fanIn), rng);
    weights.set(layer.kernel, { name: layer.kernel, shape: [layer.fanIn, layer.fanOut], values: kernel });
    weights.set(layer.bias, { name: layer.bias, shape: [layer.fanOut], values: new Float32Array(layer.fanOut) });
  });
  return weights;
}
