// The protobuf encoding of TensorFlow's `Event` (tensorflow/core/util/event.proto) for the two kinds
// a TensorBoard scalar log holds: the file-version header and a summary of scalar values. Written by
// hand: three message types, a few fields, no dependency.

// Wire types.
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** A scalar summary value: `Summary.Value { tag = 1; simple_value = 2 }`. */
export interface ScalarValue {
  tag: string;
  value: number;
}

/** Grows a byte buffer field by field. */
class ProtoWriter {
  private bytes: number[] = [];

  private varint(n: bigint): void {
    let v = BigInt.asUintN(64, n);
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  private key(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  double(field: number, value: number): this {
    this.key(field, FIXED64);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    this.bytes.push(...b);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.bytes.push(...b);
    return this;
  }

  int64(field: number, value: number): this {
    this.key(field, VARINT);
    this.varint(BigInt(value));
    return this;
  }

  bytesField(field: number, value: Uint8Array): this {
    this.key(field, LENGTH_DELIMITED);
    this.varint(BigInt(value.length));
    this.bytes.push(...value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/**
 * `Event { wall_time = 1; step = 2; file_version = 3 }`: the first record of every event file.
 * @example fileVersionEvent(Date.now() / 1000) // file_version "brain.Event:2"
 */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).int64(2, 0).string(3, 'brain.Event:2').finish();
}

/**
 * `Event { wall_time = 1; step = 2; summary = 5 }` with `Summary { repeated Value value = 1 }` of
 * scalars (`simple_value`, a float32 as TensorBoard stores it).
 * @example scalarEvent(Date.now() / 1000, 100, [{ tag: 'batch/loss', value: 0.31 }])
 */
export function scalarEvent(wallTime: number, step: number, values: readonly ScalarValue[]): Uint8Array {
  const summary = new ProtoWriter();
  for (const v of values) summary.bytesField(1, new ProtoWriter().string(1, v.tag).float(2, v.value).finish());
  return new ProtoWriter().double(1, wallTime).int64(2, step).bytesField(5, summary.finish()).finish();
}
