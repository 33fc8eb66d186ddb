// Test fixture: hand-encoded protobuf fields, to build ONNX ModelProto headers byte by byte in core's
// tests (core cannot depend on the exporter's protobufjs schema).
const utf8 = new TextEncoder();

/** A base-128 varint. */
export function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A varint field (wire type 0). */
export const intField = (field: number, value: number): number[] => [...varint(field * 8), ...varint(value)];
/** A length-delimited field (wire type 2). */
export const bytesField = (field: number, payload: ArrayLike<number>): number[] => [...varint(field * 8 + 2), ...varint(payload.length), ...Array.from(payload)];
/** A UTF-8 string field. */
export const stringField = (field: number, text: string): number[] => bytesField(field, utf8.encode(text));
