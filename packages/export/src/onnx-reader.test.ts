// readOnnx on bytes that are not a model: one clear error naming the file.
import { describe, expect, it } from 'vitest';
import { encodeModel, GraphBuilder } from './graph-builder.js';
import { decodeModel, OnnxFormatError, readOnnx } from './onnx-reader.js';
import { relu } from './ops.js';
import { externalDataModel } from './testing/external-data-model.js';
import { randomOnnxModel } from './testing/random-model.js';

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

  it('names the external file of an initializer that keeps its data outside, instead of following it', () => {
    expect(() => readOnnx(externalDataModel('weights.bin').bytes, 'ext.onnx')).toThrow(
      /^ext\.onnx: initializer dnn\/hidden1\/kernel: stores its data in the external file "weights\.bin", which this reader does not follow$/,
    );
  });

  it('refuses negative dims even when their product matches the data', () => {
    const model = decodeModel(randomOnnxModel().bytes);
    const [first, ...rest] = model.graph!.initializer!;
    const dims = [-(first.raw_data!.length / 4), -1];
    const bytes = encodeModel({ ...model, graph: { ...model.graph, initializer: [{ ...first, dims }, ...rest] } });
    expect(() => readOnnx(bytes, 'neg.onnx')).toThrow(`neg.onnx: initializer ${first.name}: has dims [${dims}], expected non-negative integers`);
  });

  it('reads a model it wrote', () => {
    expect(readOnnx(tinyModel(), 'tiny.onnx').outputs[0].name).toBe('Y');
  });
});
