// Reads an .onnx file's header fields (IR version, opsets, producer, metadata_props) by walking the
// ModelProto's protobuf fields directly. Why: onnxruntime's JavaScript API (node and web, 1.30) exposes
// input/output names, types and shapes but not the model's custom metadata_props or opset imports, and
// the inference packages must not pull in protobufjs. The graph field is skipped, not decoded.
import { protobufFields, utf8, WIRE_LENGTH_DELIMITED } from './protobuf-wire.js';
import { SourcedError } from './sourced-error.js';

/** What an .onnx file says about itself, outside its graph. */
export interface OnnxModelInfo {
  irVersion: number;
  /** Opset version per operator-set domain; the default ONNX domain is ''. */
  opsets: Record<string, number>;
  producerName: string;
  producerVersion: string;
  docString: string;
  /** The model's metadata_props, key to value. */
  metadataProps: Record<string, string>;
}

/** Bytes that are not a readable ONNX ModelProto; the message names the source. */
export class OnnxFormatError extends SourcedError {
  override readonly name = 'OnnxFormatError';
}

// ModelProto field numbers (onnx.proto3).
const MODEL_IR_VERSION = 1;
const MODEL_PRODUCER_NAME = 2;
const MODEL_PRODUCER_VERSION = 3;
const MODEL_DOC_STRING = 6;
const MODEL_GRAPH = 7;
const MODEL_OPSET_IMPORT = 8;
const MODEL_METADATA_PROPS = 14;

/**
 * Reads the header fields of an ONNX model without decoding its graph. Throws OnnxFormatError
 * naming `source` when the bytes are not a protobuf ModelProto with a graph.
 * @example const info = readOnnxModelInfo(bytes, 'model.onnx'); info.opsets[''] // 17
 */
export function readOnnxModelInfo(bytes: Uint8Array, source = 'model'): OnnxModelInfo {
  const notOnnx = (why: string): never => {
    throw new OnnxFormatError(source, `is not an ONNX model (${why})`);
  };
  const info: OnnxModelInfo = { irVersion: 0, opsets: {}, producerName: '', producerVersion: '', docString: '', metadataProps: {} };
  let hasGraph = false;
  try {
    for (const field of protobufFields(bytes, 0, bytes.length)) {
      switch (field.number) {
        case MODEL_IR_VERSION:
          info.irVersion = field.varint ?? notOnnx('ir_version is not a varint');
          break;
        case MODEL_PRODUCER_NAME:
          info.producerName = utf8(bytes, field);
          break;
        case MODEL_PRODUCER_VERSION:
          info.producerVersion = utf8(bytes, field);
          break;
        case MODEL_DOC_STRING:
          info.docString = utf8(bytes, field);
          break;
        case MODEL_GRAPH:
          hasGraph = field.wireType === WIRE_LENGTH_DELIMITED;
          break;
        case MODEL_OPSET_IMPORT: {
          let domain = '';
          let version = 0;
          for (const f of protobufFields(bytes, field.start, field.end)) {
            if (f.number === 1) domain = utf8(bytes, f);
            else if (f.number === 2) version = f.varint ?? 0;
          }
          setOwn(info.opsets, domain, version);
          break;
        }
        case MODEL_METADATA_PROPS: {
          let key = '';
          let value = '';
          for (const f of protobufFields(bytes, field.start, field.end)) {
            if (f.number === 1) key = utf8(bytes, f);
            else if (f.number === 2) value = utf8(bytes, f);
          }
          setOwn(info.metadataProps, key, value);
          break;
        }
      }
    }
  } catch (error) {
    if (error instanceof OnnxFormatError) throw error;
    notOnnx((error as Error).message);
  }
  if (info.irVersion <= 0) notOnnx('no ir_version');
  if (!hasGraph) notOnnx('no graph');
  return info;
}

// Keys come from the file: `obj[key] = v` would drop "__proto__" (or set the prototype), so define.
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
