// Mini-batch assembly: datasets stay as bytes (60000 MNIST images are 47 MB as bytes, 188 MB as
// float32) and only the rows of one batch are scaled to floats when the batch is used.

/** One mini-batch: scaled pixels `[n, pixelsPerImage]` row-major and integer labels `[n]`. */
export interface Batch {
  x: Float32Array;
  y: Int32Array;
}

/**
 * Gathers the images and labels at `indices` into a batch, scaling each byte by `pixelScale`.
 * Pass `out` (sized for this batch) to reuse buffers across steps instead of allocating.
 * @example const { x, y } = gatherBatch(train.images, train.labels, idx, 784, 1 / 255);
 */
export function gatherBatch(
  images: Uint8Array,
  labels: Uint8Array,
  indices: Int32Array,
  pixelsPerImage: number,
  pixelScale: number,
  out?: Batch,
): Batch {
  if (!Number.isInteger(pixelsPerImage) || pixelsPerImage < 1) {
    throw new RangeError(`pixelsPerImage must be a positive integer, got ${pixelsPerImage}`);
  }
  if (!Number.isFinite(pixelScale)) throw new RangeError(`pixelScale must be a finite number, got ${pixelScale}`);
  const count = labels.length;
  if (images.length !== count * pixelsPerImage) {
    throw new RangeError(`images has ${images.length} bytes, expected labels.length * pixelsPerImage = ${count * pixelsPerImage}`);
  }
  const n = indices.length;
  const x = out?.x ?? new Float32Array(n * pixelsPerImage);
  const y = out?.y ?? new Int32Array(n);
  if (x.length !== n * pixelsPerImage || y.length !== n) {
    throw new RangeError(`out must hold ${n} images (x: ${n * pixelsPerImage}, y: ${n}), got x: ${x.length}, y: ${y.length}`);
  }
  for (let r = 0; r < n; r++) {
    const i = indices[r];
    if (!(i >= 0 && i < count)) throw new RangeError(`indices[${r}] = ${i} is outside [0, ${count})`);
    const src = i * pixelsPerImage;
    const dst = r * pixelsPerImage;
    for (let p = 0; p < pixelsPerImage; p++) x[dst + p] = images[src + p] * pixelScale;
    y[r] = labels[i];
  }
  return { x, y };
}

/**
 * Scales every byte to a float (`byte * pixelScale`), for whole-set evaluation or `normalize: true`.
 * @example const x = scaleImages(test.images, 1 / 255); // values in [0, 1]
 */
export function scaleImages(bytes: Uint8Array, pixelScale: number): Float32Array {
  if (!Number.isFinite(pixelScale)) throw new RangeError(`pixelScale must be a finite number, got ${pixelScale}`);
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] * pixelScale;
  return out;
}
