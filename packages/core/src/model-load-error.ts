// The error class for a model that cannot be loaded (a file that cannot be read, is too large, is not
// ONNX, or is not an MNIST classifier), as opposed to a bad argument (TypeError, RangeError).

/** Marks errors about a model file, as opposed to bad arguments. */
export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}
