// Where infer-web runs without Node (browsers, workers): no file reader, so a model string is always
// a URL. Node gets model-file-reader.node.ts instead ("#model-file-reader" in package.json), and a
// browser bundle never sees a Node module.
import type { FileModelReader } from './file-model-reader.js';

/** Reads a model from a file path; absent outside Node. */
export const readModelFromFile: FileModelReader | undefined = undefined;
