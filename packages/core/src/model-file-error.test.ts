import { describe, expect, it } from 'vitest';
import { modelFileReadError, notAFileError } from './model-file-error.js';
import { ModelLoadError } from './model-load-error.js';

/** An error shaped like Node's fs errors: a message and an errno code. */
function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('modelFileReadError', () => {
  it('says a missing file is missing', () => {
    const error = modelFileReadError('models/nope.onnx', errnoError('ENOENT', "ENOENT: no such file or directory, open 'models/nope.onnx'"));
    expect(error).toBeInstanceOf(ModelLoadError);
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

  it('names what was being read: the model file or an external data file', () => {
    expect(modelFileReadError('m/weights.bin', errnoError('ENOENT', 'ENOENT'), 'external data file').message).toBe('m/weights.bin: no such external data file');
    expect(modelFileReadError('m/data', errnoError('EISDIR', 'EISDIR'), 'external data file').message).toBe(
      'm/data: is a directory, expected the external data file',
    );
    expect(modelFileReadError('m/w.bin', errnoError('EIO', 'EIO: i/o error, read'), 'external data file').message).toBe(
      'm/w.bin: cannot read the external data file (EIO)',
    );
  });

  it('keeps a multi-line message to its first line', () => {
    expect(modelFileReadError('m.onnx', new Error('first\nsecond')).message).toBe('m.onnx: cannot read the model file (first)');
  });
});

describe('notAFileError', () => {
  it('says a directory or a special file is not the file expected', () => {
    expect(notAFileError('models', true).message).toBe('models: is a directory, expected an .onnx file');
    expect(notAFileError('/dev/zero', false).message).toBe('/dev/zero: is not a regular file, expected an .onnx file');
    expect(notAFileError('m/fifo', false, 'external data file').message).toBe('m/fifo: is not a regular file, expected the external data file');
  });
});
