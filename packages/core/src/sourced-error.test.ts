// SourcedError: the one-line `<source>: <detail>` message, the fields, the cause and each subclass's name.
import { describe, expect, it } from 'vitest';
import { CheckpointError } from './checkpoint-format.js';
import { DatasetError } from './dataset.js';
import { IdxError } from './idx.js';
import { ModelLoadError } from './model-load-error.js';
import { OnnxFormatError } from './onnx-model-info.js';
import { SourcedError } from './sourced-error.js';

class ProbeError extends SourcedError {
  override readonly name = 'ProbeError';
}

describe('SourcedError', () => {
  it('says the source, then what is wrong, and keeps both as fields', () => {
    const error = new ProbeError('data/train-images-idx3-ubyte', 'is 3 bytes, expected at least 16');
    expect(error.message).toBe('data/train-images-idx3-ubyte: is 3 bytes, expected at least 16');
    expect(error.source).toBe('data/train-images-idx3-ubyte');
    expect(error.detail).toBe('is 3 bytes, expected at least 16');
    expect(error.name).toBe('ProbeError');
    expect(String(error)).toBe('ProbeError: data/train-images-idx3-ubyte: is 3 bytes, expected at least 16');
    expect(error.stack?.split('\n')[0]).toBe(String(error));
  });

  it('keeps a detail without line breaks exactly, spaces included', () => {
    expect(new ProbeError('a', '  two  spaces ').message).toBe('a:   two  spaces ');
  });

  it('folds a multi-line detail or source into one line', () => {
    const error = new ProbeError('odd\nname', 'cannot load:\r\n  native frame 1\n\n  native frame 2\r');
    expect(error.message).toBe('odd name: cannot load: native frame 1 native frame 2');
    expect(error.detail).toBe('cannot load: native frame 1 native frame 2');
    expect(error.source).toBe('odd\nname');
  });

  it('passes the cause on', () => {
    const cause = new Error('EIO');
    expect(new ProbeError('f', 'cannot read', { cause }).cause).toBe(cause);
    expect('cause' in new ProbeError('f', 'cannot read')).toBe(false);
  });

  it("is the base of core's file errors, each with its own name", () => {
    for (const [error, name] of [
      [new CheckpointError('model.json', 'is not JSON'), 'CheckpointError'],
      [new DatasetError('labels', 'has 3 labels, expected 2'), 'DatasetError'],
      [new IdxError('labels', 'is 3 bytes'), 'IdxError'],
      [new OnnxFormatError('model.onnx', 'is not an ONNX model'), 'OnnxFormatError'],
      [new ModelLoadError('model.onnx', 'no such model file'), 'ModelLoadError'],
    ] as const) {
      expect(error).toBeInstanceOf(SourcedError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error.message).toBe(`${error.source}: ${error.detail}`);
    }
  });
});
