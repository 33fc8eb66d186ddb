// webRuntime's own refusal: bytes onnxruntime-web cannot parse give a one-line ModelLoadError naming
// the source and the runtime (the facade's ONNX checks run before it, so this is the only way to see it).
import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '@mnist/core';
import { rejection } from '@mnist/export/testing';
import { webRuntime } from './web-runtime.js';

describe('webRuntime', () => {
  it('names the source and onnxruntime-web when the runtime refuses the model, in one line', async () => {
    const error = await rejection(webRuntime({ numThreads: 1 }).createSession(new Uint8Array([1, 2, 3, 4]), 'broken.onnx'));
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toMatch(/^broken\.onnx: onnxruntime-web could not load the model: \S/);
    expect(error.message).not.toContain('\n');
  });
});
