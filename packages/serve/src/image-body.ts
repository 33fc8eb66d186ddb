// PNG and JPEG request bodies to pixels: infer-node's decoder, its refusals worded as the API's
// client errors (413 for pictures over the pixel limit, 400 for the rest).
import { decodeImage, ImageDecodeError, type RgbaImage } from '@mnist/infer-node';
import { HttpError } from './http-error.js';

/**
 * Decodes a PNG or JPEG body. Throws an {@link HttpError} 400 when the bytes are neither, are corrupt
 * or empty, and 413 when the picture is larger than infer-node's MAX_IMAGE_PIXELS.
 * @example const { width, height, data } = decodeImageBody(requestBody);
 */
export function decodeImageBody(bytes: Uint8Array): RgbaImage {
  try {
    return decodeImage(bytes, 'body');
  } catch (error) {
    if (!(error instanceof ImageDecodeError)) throw error;
    switch (error.reason) {
      case 'not-an-image':
        throw new HttpError(400, `body ${error.detail}`);
      case 'corrupt':
        throw new HttpError(400, `cannot decode the ${error.format} image (${oneLine(error.cause)})`);
      case 'too-large':
        throw new HttpError(413, error.detail);
      case 'empty':
        throw new HttpError(400, error.detail);
    }
  }
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').slice(0, 200);
}
