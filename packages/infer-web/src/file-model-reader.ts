// The shape of the file reader that model-file-reader.ts (no files) and model-file-reader.node.ts
// (Node) both export, so model-source.ts type-checks against either.

/** Reads a model file (path or file: URL) into bytes within `maxBytes`, with a reader for its external data. */
export type FileModelReader = (
  pathOrFileUrl: string,
  maxBytes: number,
) => Promise<{ bytes: Uint8Array; source: string; readExternalData: (location: string, maxBytes: number) => Promise<Uint8Array> }>;
