// Property tests of readOnnxModelInfo on outside bytes: arbitrary bytes, bit flips and truncations of a
// valid header give the model's info or an OnnxFormatError naming the source (one line), never another
// error or a hang; huge declared lengths allocate nothing; any metadata key round trips.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OnnxFormatError, readOnnxModelInfo, type OnnxModelInfo } from './onnx-model-info.js';
import { bytesField, intField, stringField, varint } from './protobuf-fields.fixture.js';

const RUNS = { seed: 20240609, numRuns: 500 };
const SOURCE = 'models/model.onnx';

/** A ModelProto with the header fields readOnnxModelInfo reads and a graph blob it skips. */
function modelProto(props: [string, string][], graphBytes = 200): Uint8Array {
  return new Uint8Array([
    ...intField(1, 8),
    ...stringField(2, 'mnist-onnx-sdk'),
    ...stringField(3, '0.1.0'),
    ...stringField(6, 'doc'),
    ...bytesField(7, [...stringField(2, 'mnist'), ...bytesField(5, new Uint8Array(graphBytes))]),
    ...bytesField(8, [...stringField(1, ''), ...intField(2, 17)]),
    ...props.flatMap(([k, v]) => bytesField(14, [...stringField(1, k), ...stringField(2, v)])),
  ]);
}

const VALID = modelProto([['mnist.labels', '["0","1"]'], ['mnist.test_accuracy', '0.97']]);

function readOrFormatError(bytes: Uint8Array): OnnxModelInfo | undefined {
  try {
    return readOnnxModelInfo(bytes, SOURCE);
  } catch (error) {
    if (!(error instanceof OnnxFormatError)) throw error;
    expect(error.message.startsWith(`${SOURCE}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
    return undefined;
  }
}

describe('readOnnxModelInfo on outside bytes', () => {
  it('arbitrary bytes give info or an OnnxFormatError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => void readOrFormatError(bytes)), RUNS);
  });

  it('bit flips of a valid model give info or an OnnxFormatError', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: VALID.length - 1 }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const bytes = VALID.slice();
        for (const [at, bit] of flips) bytes[at] ^= 1 << bit;
        readOrFormatError(bytes);
      }),
      RUNS,
    );
  });

  it('every truncation of a valid model is refused', () => {
    // The graph field is not the last: any cut lands inside a field or drops the opset/metadata.
    for (let at = 0; at < VALID.length; at++) {
      const info = readOrFormatError(VALID.subarray(0, at));
      if (info) expect(Object.keys(info.metadataProps).length).toBeLessThan(2);
    }
  });

  it('huge declared lengths are refused from the header without allocating', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2 ** 20, max: 2 ** 53 - 1 }), fc.integer({ min: 1, max: 20 }), (length, field) => {
        const bytes = new Uint8Array([...intField(1, 8), ...varint(field * 8 + 2), ...varint(length), 1, 2, 3]);
        expect(readOrFormatError(bytes)).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('any metadata key and value round trip, including keys such as __proto__', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, fc.string()), { selector: ([k]) => k, maxLength: 5 }), (props) => {
        const info = readOnnxModelInfo(modelProto(props), SOURCE);
        const byKey = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
        expect(Object.entries(info.metadataProps).sort(byKey)).toEqual([...props].sort(byKey));
        expect(Object.getPrototypeOf(info.metadataProps)).toBe(Object.prototype);
      }),
      RUNS,
    );
  });
});
