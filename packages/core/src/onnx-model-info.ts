// Reads an .onnx file's header fields (IR version, opsets, producer, metadata_props) by walking the
// ModelProto's protobuf fields directly. Why: onnxruntime's JavaScript API (node and web, 1.30) exposes
// input/output names, types and shapes but not the model's custom metadata_props or opset imports, and
// the inference packages must not pull in protobufjs. The graph field is skipped, not decoded.

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
export class OnnxFormatError extends Error {
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`${source}: ${detail}`);
    this.name = 'OnnxFormatError';
  }
}

// ModelProto field numbers (onnx.proto3).
const MODEL_IR_VERSION = 1;
const MODEL_PRODUCER_NAME = 2;
const MODEL_PRODUCER_VERSION = 3;
const MODEL_DOC_STRING = 6;
const MODEL_GRAPH = 7;
const MODEL_OPSET_IMPORT = 8;
const MODEL_METADATA_PROPS = 14;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

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

interface ProtobufField {
  number: number;
  wireType: number;
  /** The value of a varint field (safe integers only). */
  varint?: number;
  /** Byte range of a length-delimited field's payload. */
  start: number;
  end: number;
}

function* protobufFields(bytes: Uint8Array, start: number, end: number): Generator<ProtobufField> {
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = readVarint(bytes, pos, end);
    pos = afterTag;
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (number === 0) throw new Error(`field number 0 at byte ${pos}`);
    switch (wireType) {
      case WIRE_VARINT: {
        const [value, next] = readVarint(bytes, pos, end);
        yield { number, wireType, varint: value, start: pos, end: next };
        pos = next;
        break;
      }
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        const size = wireType === WIRE_FIXED64 ? 8 : 4;
        if (pos + size > end) throw new Error(`truncated field ${number}`);
        yield { number, wireType, start: pos, end: pos + size };
        pos += size;
        break;
      }
      case WIRE_LENGTH_DELIMITED: {
        const [length, payload] = readVarint(bytes, pos, end);
        if (payload + length > end) throw new Error(`field ${number} runs past the end of the data`);
        yield { number, wireType, start: payload, end: payload + length };
        pos = payload + length;
        break;
      }
      default:
        throw new Error(`unsupported wire type ${wireType} at byte ${pos}`);
    }
  }
}

// Varints up to 2^53 are exact in a double; larger ones (never used by the header fields) lose bits.
function readVarint(bytes: Uint8Array, pos: number, end: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new Error('truncated varint');
    const byte = bytes[pos++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, pos];
    scale *= 128;
  }
  throw new Error(`varint longer than 10 bytes at byte ${pos}`);
}

// Keys come from the file: `obj[key] = v` would drop "__proto__" (or set the prototype), so define.
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: Uint8Array, field: ProtobufField): string {
  if (field.wireType !== WIRE_LENGTH_DELIMITED) throw new Error(`field ${field.number} is not a string`);
  return decoder.decode(bytes.subarray(field.start, field.end));
}
