// Fetches model bytes for infer-web: URLs with fetch (browsers and Node), file paths in Node only,
// through a dynamic import so browser bundles never see a Node built-in.
import { modelFileReadError } from '@mnist/core';

/** A model to load: a URL (or, in Node, a file path), or the bytes of an .onnx file. */
export type ModelSource = string | URL | Uint8Array | ArrayBuffer;

/**
 * Reads a model source into bytes, with a one-line error naming it.
 * @example const { bytes, source } = await readModelSource('/models/model.onnx');
 */
export async function readModelSource(model: ModelSource): Promise<{ bytes: Uint8Array; source: string }> {
  if (model instanceof Uint8Array) return { bytes: model, source: 'model bytes' };
  if (model instanceof ArrayBuffer) return { bytes: new Uint8Array(model), source: 'model bytes' };
  if (typeof model !== 'string' && !(model instanceof URL)) {
    throw new TypeError('model must be a URL, a file path (Node only), a Uint8Array or an ArrayBuffer');
  }
  const text = String(model);
  if (isNode() && !/^(https?|blob|data):/i.test(text)) return { bytes: await readNodeFile(text), source: text };
  return { bytes: await fetchModel(text), source: text };
}

async function fetchModel(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`${url}: could not load model from URL: ${(error as Error).message}`);
  }
  if (!response.ok) throw new Error(`${url}: could not load model from URL: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function readNodeFile(pathOrFileUrl: string): Promise<Uint8Array> {
  const { readFile } = await import('node:fs/promises');
  const { fileURLToPath } = await import('node:url');
  const path = pathOrFileUrl.startsWith('file:') ? fileURLToPath(pathOrFileUrl) : pathOrFileUrl;
  try {
    return await readFile(path);
  } catch (error) {
    // Named as the caller gave it (path or file: URL), not as resolved.
    throw modelFileReadError(pathOrFileUrl, error);
  }
}

function isNode(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof process?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';
}
