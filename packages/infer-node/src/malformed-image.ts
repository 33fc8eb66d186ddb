// The internal error of the PNG and JPEG scanners: bytes that contradict their own format. decodeImage
// words it as an ImageDecodeError of reason 'corrupt' naming the source (the scanners do not know it).

/** The bytes break their format's rules; `message` says which rule, where, on one line. */
export class MalformedImageError extends Error {
  override readonly name = 'MalformedImageError';
}
