// Test support: an exported model whose initializers keep their data in an external file (ONNX's
// data_location EXTERNAL), built in memory, to test how loaders resolve and refuse such references.
import { modelProtoType, type ModelProto, type TensorProto } from '../onnx-proto.js';
import { randomOnnxModel } from './random-model.js';

/** A model with external initializers and the bytes that belong in the external file. */
export interface ExternalDataModel {
  /** The .onnx bytes; the chosen initializers have no raw_data, only an external reference. */
  bytes: Uint8Array;
  /** What the external file must hold for the model to load: the initializers' raw data, concatenated. */
  data: Uint8Array;
  /** The same model with every initializer inline, for comparing answers. */
  inline: Uint8Array;
}

/**
 * Moves the raw data of the initializers named in `names` (default: all) of a random 784-16-8-10 model
 * into an external file at `location` (any string, including hostile ones: `../x.bin`, `/etc/x`), with
 * offset and length entries as onnx.external_data_helper writes them.
 * @example
 * const { bytes, data } = externalDataModel('weights.bin');
 * writeFileSync(join(dir, 'model.onnx'), bytes); writeFileSync(join(dir, 'weights.bin'), data);
 */
export function externalDataModel(location: string, names?: readonly string[], seed = 7): ExternalDataModel {
  const inline = randomOnnxModel([16, 8], seed).bytes;
  const type = modelProtoType();
  const model = type.toObject(type.decode(inline), { longs: Number, defaults: false, arrays: true, bytes: Array }) as ModelProto;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const tensor of model.graph?.initializer ?? []) {
    if (names !== undefined && !names.includes(tensor.name ?? '')) continue;
    const raw = Uint8Array.from((tensor.raw_data ?? []) as ArrayLike<number>);
    externalize(tensor, location, offset, raw.length);
    chunks.push(raw);
    offset += raw.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    data.set(chunk, at);
    at += chunk.length;
  }
  return { bytes: type.encode(type.fromObject(model)).finish(), data, inline };
}

function externalize(tensor: TensorProto, location: string, offset: number, length: number): void {
  delete tensor.raw_data;
  tensor.data_location = 1;
  tensor.external_data = [
    { key: 'location', value: location },
    { key: 'offset', value: String(offset) },
    { key: 'length', value: String(length) },
  ];
}
