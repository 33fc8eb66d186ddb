// Tests of the external-data walk on hand-encoded ModelProto bytes (core cannot depend on the
// exporter): every place a TensorProto can sit is found, and hostile locations are named.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { externalDataLocationProblem, externalDataReferences } from './onnx-external-data.js';
import { OnnxFormatError } from './onnx-model-info.js';
import { bytesField, intField, stringField } from './protobuf-fields.fixture.js';

/** A TensorProto: name, and for `location` data_location EXTERNAL with location/offset/length entries. */
function tensor(name: string, location?: string, entries: [string, string][] = []): number[] {
  const inline = [...stringField(8, name), ...intField(2, 1), ...bytesField(9, new Uint8Array(16))];
  if (location === undefined) return inline;
  const external = [['location', location], ...entries].flatMap(([k, v]) => bytesField(13, [...stringField(1, k), ...stringField(2, v)]));
  return [...stringField(8, name), ...intField(2, 1), ...external, ...intField(14, 1)];
}

const graph = (...fields: number[][]): number[] => fields.flat();
/** A NodeProto with these attributes, as GraphProto.node (field 1) or, with `field` 7, FunctionProto.node. */
const node = (...attributes: number[][]): number[] => nodeAt(1, ...attributes);
const nodeAt = (field: number, ...attributes: number[][]): number[] => bytesField(field, attributes.flatMap((a) => bytesField(5, a)));
const model = (...fields: number[][]): Uint8Array => new Uint8Array([...intField(1, 8), ...fields.flat(), ...bytesField(8, intField(2, 17))]);

describe('externalDataReferences', () => {
  it('finds none in a model whose tensors are inline, and skips external_data entries without data_location EXTERNAL', () => {
    const stray = [...stringField(8, 'w'), ...bytesField(13, [...stringField(1, 'location'), ...stringField(2, 'x.bin')])];
    expect(externalDataReferences(model(bytesField(7, graph(bytesField(5, tensor('a')), bytesField(5, stray)))), 'm.onnx')).toEqual([]);
  });

  it('finds initializers, sparse initializers, tensor attributes, subgraphs, functions and training graphs', () => {
    const subgraph = graph(bytesField(5, tensor('in-then-branch', 'then.bin')));
    const bytes = model(
      bytesField(
        7,
        graph(
          bytesField(5, tensor('w', 'weights.bin', [['offset', '4096'], ['length', '64']])),
          bytesField(15, [...bytesField(1, tensor('sparse-values', 'sparse.bin')), ...bytesField(2, tensor('sparse-indices'))]),
          node([...stringField(1, 'value'), ...bytesField(5, tensor('constant', 'const.bin'))]),
          node([...stringField(1, 'then_branch'), ...bytesField(6, subgraph)], [...stringField(1, 'branches'), ...bytesField(11, subgraph)]),
          node([...stringField(1, 'values'), ...bytesField(10, tensor('listed', 'list.bin')), ...bytesField(23, bytesField(2, tensor('sparse-attr', 'sa.bin')))]),
        ),
      ),
      bytesField(25, [...stringField(1, 'f'), ...nodeAt(7, [...stringField(1, 'value'), ...bytesField(5, tensor('in-function', 'fn.bin'))])]),
      bytesField(20, bytesField(2, graph(bytesField(5, tensor('in-training', 'train.bin'))))),
    );
    const found = externalDataReferences(bytes, 'm.onnx');
    expect(found).toContainEqual({ tensor: 'w', location: 'weights.bin', offset: 4096, length: 64 });
    expect(found.map((r) => `${r.tensor}:${r.location}`).sort()).toEqual(
      [
        'w:weights.bin',
        'sparse-values:sparse.bin',
        'constant:const.bin',
        'in-then-branch:then.bin',
        'in-then-branch:then.bin',
        'listed:list.bin',
        'sparse-attr:sa.bin',
        'in-training:train.bin',
        'in-function:fn.bin',
      ].sort(),
    );
  });

  it('refuses a reference without a location or with an offset that is not a count, naming the tensor', () => {
    const noLocation = [...stringField(8, 'w'), ...intField(14, 1)];
    expect(() => externalDataReferences(model(bytesField(7, bytesField(5, noLocation))), 'm.onnx')).toThrow(
      new OnnxFormatError('m.onnx', 'tensor w has data_location EXTERNAL but no location'),
    );
    const badOffset = tensor('w', 'x.bin', [['offset', '-1']]);
    expect(() => externalDataReferences(model(bytesField(7, bytesField(5, badOffset))), 'm.onnx')).toThrow(
      'm.onnx: tensor w: external data offset "-1" is not a non-negative integer',
    );
  });

  it('bounds the walk: subgraphs nested past 64 levels are refused, not followed until the stack overflows', () => {
    let g = graph(bytesField(5, tensor('deep', 'deep.bin')));
    for (let i = 0; i < 70; i++) g = graph(node(bytesField(6, g)));
    expect(() => externalDataReferences(model(bytesField(7, g)), 'm.onnx')).toThrow(/^m\.onnx: is not an ONNX model \(subgraphs nested deeper than 64 levels\)$/);
  });

  it('arbitrary bytes give references or an OnnxFormatError naming the source in one line', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          externalDataReferences(bytes, 'm.onnx');
        } catch (error) {
          expect(error).toBeInstanceOf(OnnxFormatError);
          expect((error as Error).message).toMatch(/^m\.onnx: [^\n]+$/);
        }
      }),
      { seed: 20261201, numRuns: 500 },
    );
  });
});

describe('externalDataLocationProblem', () => {
  it('accepts plain relative paths inside the folder', () => {
    for (const ok of ['weights.bin', './weights.bin', 'data/weights.bin', 'a/./b.bin', 'w..bin', '..w']) expect(externalDataLocationProblem(ok), ok).toBeUndefined();
  });

  it('names why a location would leave the folder or is not a file', () => {
    expect(externalDataLocationProblem('../secret.bin')).toBe('which leaves the model\'s folder ("..")');
    expect(externalDataLocationProblem('data/../../secret.bin')).toBe('which leaves the model\'s folder ("..")');
    expect(externalDataLocationProblem('/etc/passwd')).toBe('an absolute path');
    expect(externalDataLocationProblem('C:/Windows/x.bin')).toBe("which contains ':' (a drive letter or URL scheme)");
    expect(externalDataLocationProblem('https://evil.example/x.bin')).toBe("which contains ':' (a drive letter or URL scheme)");
    expect(externalDataLocationProblem('..\\secret.bin')).toBe('which contains a backslash');
    expect(externalDataLocationProblem('x.bin\0.txt')).toBe('which contains a NUL character');
    expect(externalDataLocationProblem('./')).toBe('which names no file');
    expect(externalDataLocationProblem('*/_ORT_MEM_ADDR_/*')).toBe("ONNX Runtime's marker for a raw memory address");
  });

  it('never accepts a location with a ".." segment, whatever surrounds it', () => {
    const segment = fc.oneof(fc.constantFrom('..', '.', '', 'a', 'w.bin'), fc.stringMatching(/^[a-z.]{1,4}$/));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (segments) => {
        const location = segments.join('/');
        if (segments.includes('..')) expect(externalDataLocationProblem(location)).toBeDefined();
      }),
      { seed: 20261202, numRuns: 300 },
    );
  });
});
