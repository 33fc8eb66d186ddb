// readOnnx on bytes that are not a model: one clear error naming the file.
import { describe, expect, it } from 'vitest';
import { encodeModel, GraphBuilder } from './graph-builder.js';
import { OnnxFormatError, readOnnx } from './onnx-reader.js';
import { relu } from './ops.js';

function tinyModel(): Uint8Array {
  const g = new GraphBuilder();
  g.output(relu(g, g.input('X', 'float32', [2]), { name: 'Y' }), 'float32', [2]);
  return encodeModel(g.build({ irVersion: 8 }));
}

describe('readOnnx', () => {
  it('rejects garbage, text, empty and truncated files with an error naming the source', () => {
    const garbage = Uint8Array.from({ length: 256 }, (_, i) => (i * 97 + 13) & 0xff);
    const text = new TextEncoder().encode('{"format":"mnist-dnn-checkpoint"}');
    const model = tinyModel();
    for (const [bytes, source] of [
      [garbage, 'garbage.onnx'],
      [text, 'model.json'],
      [new Uint8Array(0), 'empty.onnx'],
      [model.subarray(0, model.length - 7), 'torn.onnx'],
    ] as const) {
      let caught: unknown;
      try {
        readOnnx(bytes, source);
      } catch (error) {
        caught = error;
      }
      expect(caught, source).toBeInstanceOf(OnnxFormatError);
      const message = (caught as Error).message;
      expect(message.startsWith(`${source}: is not an ONNX model`), message).toBe(true);
      expect(message).not.toContain('\n');
    }
  });

  it('reads a model it wrote', () => {
    expect(readOnnx(tinyModel(), 'tiny.onnx').outputs[0].name).toBe('Y');
  });
});
