// Property tests of readOnnx on outside bytes: arbitrary bytes, bit flips, byte overwrites and
// truncations of an exported model give a consistent summary or an OnnxFormatError naming the file in
// one line, never another error or a hang; huge declared lengths allocate nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIGIT_LABELS, layerNames, MNIST_PREPROCESSING, type Checkpoint, type ModelSpec, type NamedWeight } from '@mnist/core';
import { exportOnnx } from './export-onnx.js';
import { encodeModel } from './graph-builder.js';
import { decodeModel, OnnxFormatError, readOnnx, type OnnxModelSummary } from './onnx-reader.js';

const RUNS = { seed: 20240610, numRuns: 300 };
const SOURCE = 'models/model.onnx';

function smallCheckpoint(): Checkpoint {
  const spec: ModelSpec = { inputSize: 784, hiddenUnits: [4], activation: 'relu', outputSize: 10, initializer: 'truncated_normal' };
  const weights = new Map<string, NamedWeight>();
  let x = 1;
  const next = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  for (const l of layerNames(spec)) {
    weights.set(l.kernel, { name: l.kernel, shape: [l.fanIn, l.fanOut], values: Float32Array.from({ length: l.fanIn * l.fanOut }, next) });
    weights.set(l.bias, { name: l.bias, shape: [l.fanOut], values: Float32Array.from({ length: l.fanOut }, next) });
  }
  return {
    modelJson: {
      format: 'mnist-dnn-checkpoint', formatVersion: 1, modelSpec: spec, preprocessing: { ...MNIST_PREPROCESSING }, labels: [...DIGIT_LABELS],
      training: { epoch: 0, step: 0, epochs: 0, batchSize: 50, seed: 1, validationSize: 10, engine: 'none', backend: 'none', optimizer: { name: 'sgd', learningRate: 0.01 }, history: [] },
      weightsManifest: [],
    },
    weights,
  };
}

// A plain copy: the exporter may return a Node Buffer, whose slice() is a view, not a copy.
const VALID = new Uint8Array(exportOnnx(smallCheckpoint(), { source: 'fixture', testAccuracy: 0.5 }));

function readOrFormatError(bytes: Uint8Array): OnnxModelSummary | undefined {
  try {
    const summary = readOnnx(bytes, SOURCE);
    // A summary is self-consistent: every initializer holds as many values as its dims say.
    for (const init of summary.initializers) expect(init.values.length).toBe(init.dims.reduce((a, b) => a * b, 1));
    return summary;
  } catch (error) {
    if (!(error instanceof OnnxFormatError)) throw error;
    expect(error.message.startsWith(`${SOURCE}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
    return undefined;
  }
}

describe('readOnnx on outside bytes', () => {
  it('reads the exported model (the mutations below start from it)', () => {
    expect(readOrFormatError(VALID)?.initializers.length).toBeGreaterThanOrEqual(4);
  });

  it('arbitrary bytes give a summary or an OnnxFormatError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => void readOrFormatError(bytes)), RUNS);
  });

  it('bit flips and byte overwrites of an exported model give a summary or an OnnxFormatError', () => {
    const edit = fc.tuple(fc.nat({ max: VALID.length - 1 }), fc.integer({ min: 0, max: 7 }), fc.option(fc.integer({ min: 0, max: 255 })));
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        const bytes = VALID.slice();
        for (const [at, bit, value] of edits) bytes[at] = value ?? bytes[at] ^ (1 << bit);
        readOrFormatError(bytes);
      }),
      RUNS,
    );
  });

  it('truncations of an exported model give a summary or an OnnxFormatError', () => {
    fc.assert(fc.property(fc.nat({ max: VALID.length - 1 }), (at) => void readOrFormatError(VALID.subarray(0, at))), RUNS);
  });

  it('huge declared lengths are refused without allocating them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2 ** 20, max: 2 ** 35 }), fc.integer({ min: 1, max: 20 }), (length, field) => {
        const varint = (n: number) => {
          const out: number[] = [];
          for (; n >= 128; n = Math.floor(n / 128)) out.push((n % 128) | 128);
          return [...out, n];
        };
        const bytes = new Uint8Array([...varint(field * 8 + 2), ...varint(length), 1, 2, 3]);
        expect(readOrFormatError(bytes)).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('initializers whose dims claim more (or fewer, or negative) elements than their data holds are refused, not allocated', () => {
    const model = decodeModel(VALID);
    const first = model.graph!.initializer![0];
    const held = first.raw_data!.length / 4;
    const dim = fc.oneof(fc.integer({ min: 0, max: 2 ** 26 }), fc.integer({ min: -(2 ** 31), max: -1 }), fc.constant(2 ** 40));
    fc.assert(
      fc.property(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.boolean(), (dims, asFloatData) => {
        const claimed = dims.reduce((a, b) => a * b, 1);
        fc.pre(claimed !== held || dims.some((d) => d < 0));
        const data = asFloatData ? { float_data: [1, 2, 3] } : { raw_data: first.raw_data };
        const initializer = [{ name: first.name, data_type: first.data_type, dims, ...data }, ...model.graph!.initializer!.slice(1)];
        const bytes = encodeModel({ ...model, graph: { ...model.graph, initializer } });
        let error: unknown;
        try {
          readOnnx(bytes, SOURCE);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(OnnxFormatError);
        expect((error as Error).message).toMatch(new RegExp(`^${SOURCE}: initializer ${first.name}: has `));
      }),
      { ...RUNS, numRuns: 200 },
    );
  });

  it('any metadata key and value round trip, including keys such as __proto__', () => {
    const model = decodeModel(VALID);
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString'));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, fc.string()), { selector: ([k]) => k, maxLength: 4 }), (props) => {
        const bytes = encodeModel({ ...model, metadata_props: props.map(([k, v]) => ({ key: k, value: v })) });
        const summary = readOnnx(bytes, SOURCE);
        expect(Object.keys(summary.metadata).sort()).toEqual(props.map(([k]) => k).sort());
        for (const [k, v] of props) expect(Object.getOwnPropertyDescriptor(summary.metadata, k)?.value).toBe(v);
      }),
      { ...RUNS, numRuns: 100 },
    );
  });
});
