// Max pooling on NHWC images (VALID windows, as core's maxPool2d), its gradient written out: bare
// tfjs-core registers none and tfjs-backend-wasm 4.22 has no MaxPoolGrad kernel, so the gradient is
// built from strided slices, comparisons and pads, which every backend runs.
import * as tf from '@tensorflow/tfjs-core';

/**
 * `tf.maxPool(x, poolSize, strides, 'valid')` whose gradient goes, in each window, to the first
 * position (row-major) holding the maximum, as TensorFlow's MaxPoolGrad and PyTorch's do; where
 * windows overlap a position sums what each window gives it.
 * @example const pooled = maxPool2d(h, 2, 2); // [n, rows/2, cols/2, channels]
 */
export function maxPool2d(x: tf.Tensor4D, poolSize: number, strides: number): tf.Tensor4D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    const y = tf.maxPool(input, poolSize, strides, 'valid');
    save([input, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [maxPoolGradient(saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, dy as tf.Tensor4D, poolSize, strides)],
    };
  });
  return op(x);
}

/**
 * dL/dx of `y = maxPool(x)` from dL/dy: for each offset (p, q) in the window, in row-major order, the
 * slice x[:, p::s, q::s, :] marks where it equals y and no earlier offset did; dy there is put back
 * at rows p + i*s, cols q + j*s (zeros between, by padding a unit axis to s) and summed.
 * @example maxPoolGradient(x, y, dy, 2, 2) // shaped like x
 */
export function maxPoolGradient(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D, poolSize: number, strides: number): tf.Tensor4D {
  if (poolSize === strides) return tilingGradient(x, y, dy, poolSize);
  return tf.tidy(() => {
    const [n, rows, cols, channels] = x.shape;
    const [, outRows, outCols] = y.shape;
    const s = strides;
    let taken: tf.Tensor4D = tf.zerosLike(y);
    let dx: tf.Tensor4D = tf.zerosLike(x);
    for (let p = 0; p < poolSize; p++) {
      for (let q = 0; q < poolSize; q++) {
        const end = [n, p + (outRows - 1) * s + 1, q + (outCols - 1) * s + 1, channels];
        const slice = tf.stridedSlice(x, [0, p, q, 0], end, [1, s, s, 1]) as tf.Tensor4D;
        // 0/1 floats: exact, and free of the bool kernels some backends lack.
        const hit = tf.mul<tf.Tensor4D>(tf.cast(tf.equal(slice, y), 'float32'), tf.sub(1, taken));
        taken = tf.add(taken, hit);
        const spread = tf.reshape(tf.pad(tf.reshape(tf.mul(dy, hit), [n, outRows, 1, outCols, 1, channels]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]), [n, outRows * s, outCols * s, channels]);
        const fitRows = Math.min(outRows * s, rows - p);
        const fitCols = Math.min(outCols * s, cols - q);
        const placed = tf.pad(tf.slice(spread, [0, 0, 0, 0], [n, fitRows, fitCols, channels]), [[0, 0], [p, rows - p - fitRows], [q, cols - q - fitCols], [0, 0]]);
        dx = tf.add(dx, placed);
      }
    }
    return dx;
  });
}

/**
 * `maxPoolGradient` for windows that tile the image (poolSize === strides = p), in 4-D ops only
 * (tfjs-backend-wasm 4.22's strided slice and 6-D pads are slow): the covered part of x, read as
 * `[n * outRows, p, outCols, p * channels]`, holds offset (a, b) of every window at [:, a, :, b*C:(b+1)*C];
 * the pieces of dx are concatenated back in that layout and the uncovered edge padded with zeros.
 */
function tilingGradient(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D, p: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, rows, cols, channels] = x.shape;
    const [, outRows, outCols] = y.shape;
    const covered = outRows * p === rows && outCols * p === cols ? x : tf.slice(x, [0, 0, 0, 0], [n, outRows * p, outCols * p, channels]);
    const windows = tf.reshape(covered, [n * outRows, p, outCols, p * channels]);
    const y4 = tf.reshape(y, [n * outRows, 1, outCols, channels]);
    const dy4 = tf.reshape(dy, [n * outRows, 1, outCols, channels]);
    let taken: tf.Tensor = tf.zerosLike(y4);
    const rowsOfPieces: tf.Tensor[] = [];
    for (let a = 0; a < p; a++) {
      const pieces: tf.Tensor[] = [];
      for (let b = 0; b < p; b++) {
        const slice = tf.slice(windows, [0, a, 0, b * channels], [n * outRows, 1, outCols, channels]);
        const hit = tf.mul(tf.cast(tf.equal(slice, y4), 'float32'), tf.sub(1, taken));
        taken = tf.add(taken, hit);
        pieces.push(tf.mul(dy4, hit));
      }
      rowsOfPieces.push(p === 1 ? pieces[0] : tf.concat(pieces, 3));
    }
    const dx = tf.reshape<tf.Rank.R4>(p === 1 ? rowsOfPieces[0] : tf.concat(rowsOfPieces, 1), [n, outRows * p, outCols * p, channels]);
    return dx.shape[1] === rows && dx.shape[2] === cols ? dx : tf.pad(dx, [[0, 0], [0, rows - outRows * p], [0, cols - outCols * p], [0, 0]]);
  });
}
