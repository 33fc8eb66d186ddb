// The model size ceiling: its default, the option that raises it, and the refusal message.
import { describe, expect, it } from 'vitest';
import { ModelLoadError } from './model-load-error.js';
import { checkMaxModelBytes, formatBytes, MAX_MODEL_BYTES, modelTooLargeError, PROTOBUF_MAX_BYTES } from './model-size-limit.js';

describe('the model size ceiling', () => {
  it("is 256 MiB by default, below protobuf's 2 GiB hard limit", () => {
    expect(MAX_MODEL_BYTES).toBe(256 * 1024 * 1024);
    expect(PROTOBUF_MAX_BYTES).toBe(2 ** 31 - 1);
    expect(checkMaxModelBytes(undefined)).toBe(MAX_MODEL_BYTES);
  });

  it('accepts an integer option from 1 to 2 GiB - 1 and names the option otherwise', () => {
    expect(checkMaxModelBytes(1)).toBe(1);
    expect(checkMaxModelBytes(PROTOBUF_MAX_BYTES)).toBe(PROTOBUF_MAX_BYTES);
    for (const bad of [0, -1, 1.5, 2 ** 31, Number.NaN, '100', null]) {
      expect(() => checkMaxModelBytes(bad), String(bad)).toThrow(RangeError);
      expect(() => checkMaxModelBytes(bad, 'options.maxModelBytes')).toThrow(/^options\.maxModelBytes must be an integer from 1 to 2147483647/);
    }
  });

  it('refuses in one line naming the file, its size and the ceiling', () => {
    const error = modelTooLargeError('big.onnx', 1992294400, MAX_MODEL_BYTES);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toBe('big.onnx: the model file is 1.86 GiB (1992294400 bytes), over the 256 MiB a model may take');
    expect(modelTooLargeError('m/w.bin', 3 * 2 ** 20, 2 ** 20, 'external data file').message).toBe(
      "m/w.bin: the external data file is 3 MiB (3145728 bytes), over the 1 MiB the model's size ceiling leaves for it",
    );
  });

  it('formats sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1023)).toBe('1023 bytes');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(2 ** 31)).toBe('2 GiB');
  });
});
