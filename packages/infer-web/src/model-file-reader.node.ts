// In Node, a model string that is not an http(s)/blob/data URL is a file path or file: URL, read within
// the size ceiling by core's Node reader, external data from the model's own folder.
import { fileURLToPath } from 'node:url';
import { readExternalDataFile, readNodeModelFile } from '@mnist/core/node/model-file';
import type { FileModelReader } from './file-model-reader.js';

/** Reads a model from a file path or file: URL. */
export const readModelFromFile: FileModelReader | undefined = async (pathOrFileUrl, maxBytes) => {
  const path = pathOrFileUrl.startsWith('file:') ? fileURLToPath(pathOrFileUrl) : pathOrFileUrl;
  return {
    // Named as the caller gave it (path or file: URL), not as resolved.
    bytes: await readNodeModelFile(path, pathOrFileUrl, maxBytes),
    source: pathOrFileUrl,
    readExternalData: (location, max) => readExternalDataFile(path, location, max),
  };
};
