// Walks protobuf wire-format fields without a schema: the few ONNX fields core reads (the model's
// header, external-data references) are found by number, and every length is checked against the bytes.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

/** One field of a protobuf message. */
export interface ProtobufField {
  number: number;
  wireType: number;
  /** The value of a varint field (safe integers only). */
  varint?: number;
  /** Byte range of a length-delimited field's payload. */
  start: number;
  end: number;
}

/**
 * The fields of the message in `bytes[start, end)`, in order; throws Error on truncated or malformed data.
 * @example for (const f of protobufFields(bytes, 0, bytes.length)) if (f.number === 1) irVersion = f.varint;
 */
export function* protobufFields(bytes: Uint8Array, start: number, end: number): Generator<ProtobufField> {
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

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The UTF-8 text of a length-delimited field; throws on other wire types and invalid UTF-8. */
export function utf8(bytes: Uint8Array, field: ProtobufField): string {
  if (field.wireType !== WIRE_LENGTH_DELIMITED) throw new Error(`field ${field.number} is not a string`);
  return decoder.decode(bytes.subarray(field.start, field.end));
}
