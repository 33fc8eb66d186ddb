// Tests of the ONNX header walk on hand-encoded ModelProto bytes (core cannot depend on the exporter).
import { describe, expect, it } from 'vitest';
import { modelMetadata } from './model-metadata.js';
import { METADATA_KEYS } from './onnx-contract.js';
import { OnnxFormatError, readOnnxModelInfo } from './onnx-model-info.js';
import { bytesField, intField, stringField } from './protobuf-fields.fixture.js';

const utf8 = new TextEncoder();

function modelProto(props: Record<string, string>): Uint8Array {
  const graph = [...stringField(2, 'mnist'), ...bytesField(5, new Uint8Array(300))]; // name + a blob to skip
  return new Uint8Array([
    ...intField(1, 8),
    ...stringField(2, 'mnist-onnx-sdk'),
    ...stringField(3, '0.1.0'),
    ...stringField(6, 'doc'),
    ...bytesField(7, graph),
    ...bytesField(8, [...stringField(1, ''), ...intField(2, 17)]),
    ...bytesField(8, [...stringField(1, 'ai.onnx.ml'), ...intField(2, 3)]),
    ...Object.entries(props).flatMap(([k, v]) => bytesField(14, [...stringField(1, k), ...stringField(2, v)])),
  ]);
}

describe('readOnnxModelInfo', () => {
  it('reads IR version, opsets, producer and metadata_props without decoding the graph', () => {
    const info = readOnnxModelInfo(modelProto({ a: '1', 'mnist.labels': '["x"]' }), 'm.onnx');
    expect(info).toEqual({
      irVersion: 8,
      opsets: { '': 17, 'ai.onnx.ml': 3 },
      producerName: 'mnist-onnx-sdk',
      producerVersion: '0.1.0',
      docString: 'doc',
      metadataProps: { a: '1', 'mnist.labels': '["x"]' },
    });
  });

  it('rejects garbage, truncation and a proto without a graph, naming the source', () => {
    const garbage = new Uint8Array(256).map((_, i) => (i * 97 + 13) % 256);
    expect(() => readOnnxModelInfo(garbage, 'junk.onnx')).toThrow(OnnxFormatError);
    expect(() => readOnnxModelInfo(garbage, 'junk.onnx')).toThrow(/^junk.onnx: is not an ONNX model/);
    const whole = modelProto({});
    expect(() => readOnnxModelInfo(whole.subarray(0, whole.length - 3), 't.onnx')).toThrow(/t.onnx: is not an ONNX model/);
    expect(() => readOnnxModelInfo(new Uint8Array(intField(1, 8)), 'g.onnx')).toThrow(/g.onnx: is not an ONNX model \(no graph\)/);
    expect(() => readOnnxModelInfo(utf8.encode('{"format": "json"}'), 'j.onnx')).toThrow(/is not an ONNX model/);
  });
});

describe('modelMetadata', () => {
  it('parses our metadata keys and falls back to MNIST defaults', () => {
    const full = modelMetadata(
      readOnnxModelInfo(
        modelProto({
          [METADATA_KEYS.preprocessing]: '{"pixelScale":0.5}',
          [METADATA_KEYS.labels]: JSON.stringify(['a', 'b', 'c']),
          [METADATA_KEYS.testAccuracy]: '0.9812',
          [METADATA_KEYS.sourceCheckpoint]: 'checkpoints/dnn',
        }),
      ),
      'm',
    );
    expect(full).toMatchObject({ labels: ['a', 'b', 'c'], preprocessing: { pixelScale: 0.5 }, testAccuracy: 0.9812, opset: 17, irVersion: 8 });
    expect(full.sourceCheckpoint).toBe('checkpoints/dnn');
    const bare = modelMetadata(readOnnxModelInfo(modelProto({})), 'm');
    expect(bare.labels).toHaveLength(10);
    expect(bare.preprocessing.pixelScale).toBeCloseTo(1 / 255, 12);
    expect(bare.testAccuracy).toBeUndefined();
    expect(() => modelMetadata(readOnnxModelInfo(modelProto({ [METADATA_KEYS.labels]: '[1,' })), 'bad.onnx')).toThrow(
      'bad.onnx: metadata mnist.labels is not valid JSON',
    );
  });

  it('reads mnist.dataset, the dataset the model was trained on; absent, none; malformed, refused naming the key', () => {
    const record = { name: 'fashion', folder: 'data/fashion', sha256: { testImages: 'ab'.repeat(32), testLabels: 'cd'.repeat(32) } };
    expect(modelMetadata(readOnnxModelInfo(modelProto({ [METADATA_KEYS.dataset]: JSON.stringify(record) })), 'm').dataset).toEqual(record);
    expect(modelMetadata(readOnnxModelInfo(modelProto({})), 'm')).not.toHaveProperty('dataset');
    expect(() => modelMetadata(readOnnxModelInfo(modelProto({ [METADATA_KEYS.dataset]: '{"name":"fashion"}' })), 'bad.onnx')).toThrow(
      'bad.onnx: metadata mnist.dataset is not a JSON dataset record: it is one without sha256 digests (64 lowercase hex digits) of its test files',
    );
  });
});
