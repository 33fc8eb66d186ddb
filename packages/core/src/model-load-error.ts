// The error class for a model that cannot be loaded (a file that cannot be read, is too large, is not
// ONNX, or is not an MNIST classifier), as opposed to a bad argument (TypeError, RangeError).
import { SourcedError } from './sourced-error.js';

/**
 * A model file, URL or bytes that cannot be loaded or answered wrongly: `source` names the model (or
 * its external data file) as the user gave it, `detail` says what is wrong, and the message is
 * `<source>: <detail>` on one line.
 * @example
 * new ModelLoadError('model.onnx', 'no such model file').message // 'model.onnx: no such model file'
 */
export class ModelLoadError extends SourcedError {
  override readonly name = 'ModelLoadError';
}
