// PNG and JPEG request bodies to model pixels: infer-node's decoder and core's MNIST-style
// preprocessing, their refusals worded as the API's client errors (413 for pictures over the size
// limits, 400 for the rest). It runs in the decode workers (decode-worker.ts), off the event loop.
import { oneLine, preprocessDigitImage } from '@mnist/core';
import { decodeImage, ImageDecodeError, type RgbaImage } from '@mnist/infer-node';
import { HttpError } from './http-error.js';

/**
 * Decodes a PNG or JPEG body. Throws an {@link HttpError} 400 when the bytes are neither, are corrupt
 * or empty, and 413 when the picture (or what its data would inflate to) is larger than infer-node allows.
 * @example const { width, height, data } = decodeImageBody(requestBody);
 */
export function decodeImageBody(bytes: Uint8Array): RgbaImage {
  try {
    return decodeImage(bytes, 'body');
  } catch (error) {
    if (!(error instanceof ImageDecodeError)) throw error;
    switch (error.reason) {
      case 'too-large':
        throw new HttpError(413, error.detail);
      case 'not-an-image':
        throw new HttpError(400, `body ${error.detail}`);
      case 'corrupt':
        throw new HttpError(400, `cannot decode the ${error.format ?? 'PNG/JPEG'} image (${error.cause === undefined ? error.detail : quoted(error.cause)})`);
      default:
        // 'empty' and any refusal the decoder adds later: the bytes are at fault, in its words.
        throw new HttpError(400, error.detail);
    }
  }
}

/**
 * Decodes a PNG or JPEG body and preprocesses the digit into 784 float32 pixels in [0, 1]. Throws an
 * {@link HttpError} as {@link decodeImageBody} does, and 400 for a picture with no ink.
 * @example const pixels = readDigitImage(pngBytes); // Float32Array(784)
 */
export function readDigitImage(bytes: Uint8Array): Float32Array {
  const image = decodeImageBody(bytes);
  try {
    return preprocessDigitImage(image, { output: 'float32' });
  } catch (error) {
    throw new HttpError(400, `cannot preprocess the image: ${quoted(error)}`);
  }
}

// A library's or core's reason, all of it folded, cut short so a client error stays one short line.
function quoted(error: unknown): string {
  return oneLine(error, { maxLength: 200 });
}
