// Conv kernels between the checkpoint's layout and tfjs's: checkpoints (and ONNX, PyTorch) hold OIHW
// `[filters, channels, k, k]`, tf.conv2d wants HWIO `[k, k, channels, filters]`. Done on the bytes in
// plain JS, so a load and a read back are bit-identical on every backend.

/**
 * An OIHW kernel's values `[o, i, h, w]` rearranged to HWIO `[h, w, i, o]`.
 * @example oihwToHwio(values, [16, 1, 5, 5]) // values for shape [5, 5, 1, 16]
 */
export function oihwToHwio(values: Float32Array, oihw: readonly number[]): Float32Array {
  const [o, i, h, w] = checkShape(values, oihw);
  const out = new Float32Array(values.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) out[((y * w + x) * i + b) * o + a] = values[((a * i + b) * h + y) * w + x];
      }
    }
  }
  return out;
}

/**
 * An HWIO kernel's values back to OIHW; `oihw` is the OIHW shape (the checkpoint's).
 * @example hwioToOihw(oihwToHwio(values, [16, 1, 5, 5]), [16, 1, 5, 5]) // values again
 */
export function hwioToOihw(values: Float32Array, oihw: readonly number[]): Float32Array {
  const [o, i, h, w] = checkShape(values, oihw);
  const out = new Float32Array(values.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) out[((a * i + b) * h + y) * w + x] = values[((y * w + x) * i + b) * o + a];
      }
    }
  }
  return out;
}

/**
 * The HWIO shape of an OIHW shape.
 * @example hwioShape([16, 1, 5, 5]) // [5, 5, 1, 16]
 */
export function hwioShape(oihw: readonly number[]): [number, number, number, number] {
  return [oihw[2], oihw[3], oihw[1], oihw[0]];
}

function checkShape(values: Float32Array, shape: readonly number[]): [number, number, number, number] {
  if (shape.length !== 4 || values.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new RangeError(`a conv kernel must be 4-D with ${values.length} values, got shape [${shape}]`);
  }
  return shape as [number, number, number, number];
}
