import { describe, expect, it } from 'vitest';
import { modelFileReadError } from './model-file-error.js';

/** An error shaped like Node's fs errors: a message and an errno code. */
function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('modelFileReadError', () => {
  it('says a missing file is missing', () => {
    const error = modelFileReadError('models/nope.onnx', errnoError('ENOENT', "ENOENT: no such file or directory, open 'models/nope.onnx'"));
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('models/nope.onnx: no such model file');
  });

  it('says a directory is not an .onnx file', () => {
    expect(modelFileReadError('models', errnoError('EISDIR', 'EISDIR: illegal operation on a directory, read')).message).toBe(
      'models: is a directory, expected an .onnx file',
    );
  });

  it('names any other failure by its errno code, else by its message', () => {
    expect(modelFileReadError('model.onnx', errnoError('EACCES', 'EACCES: permission denied')).message).toBe(
      'model.onnx: cannot read the model file (EACCES)',
    );
    expect(modelFileReadError('file:///m/model.onnx', new Error('disk on fire')).message).toBe(
      'file:///m/model.onnx: cannot read the model file (disk on fire)',
    );
  });
});
