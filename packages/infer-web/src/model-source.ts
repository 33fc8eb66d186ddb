// Fetches model bytes for infer-web, within the model's size ceiling: URLs with fetch (browsers and
// Node), file paths in Node only, through "#model-file-reader", which is a Node reader only under the
// "node" condition, so browser bundles never see a Node built-in. External data is read relative to
// the model's own URL or folder, never elsewhere.
import { readModelFromFile } from '#model-file-reader';
import { checkMaxModelBytes, formatBytes, ModelLoadError, modelTooLargeError } from '@mnist/core';

/** A model to load: a URL (or, in Node, a file path), or the bytes of an .onnx file. */
export type ModelSource = string | URL | Uint8Array | ArrayBuffer;

/** A model source read into bytes. */
export interface ModelSourceBytes {
  bytes: Uint8Array;
  /** How errors name the model: the URL or path as given, or 'model bytes'. */
  source: string;
  /**
   * Reads an external-data file beside the model (same folder or URL directory); absent for bytes,
   * which have no folder.
   */
  readExternalData?: (location: string, maxBytes: number) => Promise<Uint8Array>;
}

/**
 * Reads a model source into bytes, refusing more than `maxBytes` (default MAX_MODEL_BYTES, 256 MiB)
 * before reading them where the size is known up front (a file's size, a Content-Length), else while
 * streaming; errors are one line naming the source.
 * @example const { bytes, source } = await readModelSource('/models/model.onnx');
 */
export async function readModelSource(model: ModelSource, maxBytes?: number): Promise<ModelSourceBytes> {
  const limit = checkMaxModelBytes(maxBytes, 'maxBytes');
  if (model instanceof Uint8Array) return { bytes: model, source: 'model bytes' };
  if (model instanceof ArrayBuffer) return { bytes: new Uint8Array(model), source: 'model bytes' };
  if (typeof model !== 'string' && !(model instanceof URL)) {
    throw new TypeError('model must be a URL, a file path (Node only), a Uint8Array or an ArrayBuffer');
  }
  const text = String(model);
  if (readModelFromFile && isNode() && !/^(https?|blob|data):/i.test(text)) return readModelFromFile(text, limit);
  // A data: URL holds the whole model; errors name its kind, not its kilobytes of base64.
  const source = /^data:/i.test(text) ? `${text.slice(0, text.indexOf(',') + 1)}...` : text;
  return {
    bytes: await fetchBounded(text, limit, 'model', source),
    source,
    readExternalData: (location, max) => fetchBounded(externalDataUrl(text, location), max, 'external data file'),
  };
}

// `location` is already a plain relative path (checked by the facade); the resolved URL must still lie
// under the model's own directory, which also catches what URL parsing decodes (%2e%2e is "..").
function externalDataUrl(modelUrl: string, location: string): string {
  const base = (globalThis as { document?: { baseURI?: string } }).document?.baseURI;
  let folder: URL;
  let resolved: URL;
  try {
    const model = new URL(modelUrl, base);
    folder = new URL('.', model);
    resolved = new URL(location, model);
  } catch {
    throw new ModelLoadError(JSON.stringify(location), `cannot be resolved against the model's URL (data: and blob: URLs have no folder)`);
  }
  if (resolved.origin !== folder.origin || !resolved.href.startsWith(folder.href)) {
    throw new ModelLoadError(resolved.href, `outside the model's folder ${folder.href} (from ${JSON.stringify(location)}); external data must stay inside it`);
  }
  return resolved.href;
}

// Content-Length is checked before the body is read; without it (or when compressed) the body is read
// chunk by chunk and dropped as soon as it passes the limit.
async function fetchBounded(url: string, maxBytes: number, what: 'model' | 'external data file', shown = url): Promise<Uint8Array> {
  const fail = (why: string): never => {
    throw new ModelLoadError(shown, `could not load ${what === 'model' ? 'model' : 'external data file'} from URL: ${why}`);
  };
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    return fail((error as Error).message);
  }
  if (!response.ok) {
    await response.body?.cancel();
    return fail(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isSafeInteger(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw modelTooLargeError(shown, declared, maxBytes, what);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      return fail((error as Error).message);
    }
    if (chunk.done) break;
    total += chunk.value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new ModelLoadError(shown, `the ${what} is over the ${formatBytes(maxBytes)} a model may take (stopped reading at ${total} bytes)`);
    }
    chunks.push(chunk.value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

function isNode(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof process?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';
}
