// Datasets over HTTP for a page or worker: the four MNIST-named IDX files (raw or .gz) under a URL
// prefix, streamed into core's IdxReader as they arrive, the built-in MNIST checked against its digests.
import { DatasetError, datasetFromIdx, IDX_MAX_BYTES, IdxError, IdxReader, type DatasetRecord, type IdxArray } from '@mnist/core';

import { builtInMnistRecord, MNIST_FILES, type IdxFileRole } from '../data/mnist-files.js';
import type { DatasetSource, SourceDataset } from './platform.js';
import { sha256Hex } from './sha256.js';

/** Options of `HttpDatasetSource`. */
export interface HttpDatasetSourceOptions {
  /**
   * URL prefix of the built-in MNIST's four files (`location` undefined), e.g.
   * `new URL('./data/mnist/', location.href).href`; without it only explicit URLs are read.
   */
  baseUrl?: string;
  /** The fetch to use (default globalThis.fetch): a test's, or one that adds credentials. */
  fetch?: typeof globalThis.fetch;
}

const ROLES = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;

/**
 * A DatasetSource over fetch: `read(url)` gets `<url>train-images-idx3-ubyte` (or `.gz` when the raw
 * file is 404) and the other three, `read(undefined)` the same from `baseUrl`, checked as MNIST. The
 * record is what Node records: the built-in MNIST's for `baseUrl`, else the URL's last segment and the
 * digests of the files read (no folder: Node cannot read a URL as one).
 * @example
 * const datasets = new HttpDatasetSource({ baseUrl: new URL('./data/mnist/', location.href).href });
 * const { train, test } = await datasets.read(undefined, {});
 */
export class HttpDatasetSource implements DatasetSource {
  readonly #baseUrl: string | undefined;
  readonly #fetch: typeof globalThis.fetch;
  /** Digests of what `read` decoded, by prefix, so `record` does not fetch the files again. */
  readonly #digests = new Map<string, Record<IdxFileRole, string>>();

  constructor(options: HttpDatasetSourceOptions = {}) {
    if (options.baseUrl !== undefined && (typeof options.baseUrl !== 'string' || options.baseUrl === '')) {
      throw new TypeError(`HttpDatasetSource: baseUrl must be the URL prefix of the MNIST files, got ${JSON.stringify(options.baseUrl)}`);
    }
    this.#baseUrl = options.baseUrl === undefined ? undefined : withSlash(options.baseUrl);
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('HttpDatasetSource: this runtime has no fetch; pass options.fetch');
    this.#fetch = f;
  }

  async read(location: string | undefined, options: { nClasses?: number }): Promise<SourceDataset> {
    const builtIn = location === undefined;
    if (builtIn && this.#baseUrl === undefined) {
      throw new RangeError('the built-in MNIST has no URL here: call configureBrowserTrainer({ datasetUrl }) (or pass dataDir as the URL of a dataset) before train');
    }
    const prefix = builtIn ? this.#baseUrl! : withSlash(location);
    // The four files are fetched together; a failure is reported in file order, as the disk reader does.
    const settled = await Promise.allSettled(ROLES.map((role) => this.#readFile(prefix, role, builtIn)));
    const files = settled.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
    this.#digests.set(prefix, Object.fromEntries(ROLES.map((role, i) => [role, files[i].sha256])) as Record<IdxFileRole, string>);
    const [trainImages, trainLabels, testImages, testLabels] = files;
    return datasetFromIdx({ trainImages, trainLabels, testImages, testLabels }, options.nClasses);
  }

  async record(location: string | undefined): Promise<DatasetRecord> {
    if (location === undefined) return builtInMnistRecord();
    const prefix = withSlash(location);
    let sha256 = this.#digests.get(prefix);
    if (sha256 === undefined) {
      const files = await Promise.all(ROLES.map((role) => this.#readFile(prefix, role, false)));
      sha256 = Object.fromEntries(ROLES.map((role, i) => [role, files[i].sha256])) as Record<IdxFileRole, string>;
    }
    const segments = new URL(prefix, 'http://host/').pathname.split('/').filter((s) => s !== '');
    return { name: segments.at(-1) ?? prefix, sha256 };
  }

  async #readFile(prefix: string, role: IdxFileRole, builtIn: boolean): Promise<{ idx: IdxArray; source: string; sha256: string }> {
    const spec = MNIST_FILES[role];
    let url = `${prefix}${spec.name}`;
    let response = await this.#get(url);
    if (response.status === 404) {
      await response.body?.cancel();
      url = `${url}.gz`;
      response = await this.#get(url);
      if (response.status === 404) throw new DatasetError(`${prefix}${spec.name}`, `not found (HTTP 404, and 404 for ${spec.name}.gz too); a dataset URL serves train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (raw or .gz)`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new DatasetError(url, `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}, expected 200 with the IDX file`);
    }
    let file: { array: IdxArray; bytes: Uint8Array };
    try {
      // The built-in MNIST's sizes are known: its headers cannot make the reader allocate more.
      file = await decodeBody(response, url, builtIn ? spec.bytes : IDX_MAX_BYTES);
    } catch (e) {
      // A damaged copy of MNIST on the server is not the page's to fix: say which file it is.
      if (builtIn && e instanceof IdxError) throw new DatasetError(url, `${e.message.slice(url.length + 2)} (corrupt or not the MNIST ${spec.name})`);
      throw e;
    }
    // The digests are of the uncompressed files: the decoded bytes are checked, raw or gzipped.
    const sha256 = await sha256Hex(file.bytes);
    if (builtIn && sha256 !== spec.sha256) {
      throw new DatasetError(url, `SHA-256 mismatch: expected ${spec.sha256}, got ${sha256} (corrupt or not the MNIST ${spec.name})`);
    }
    return { idx: file.array, source: url, sha256 };
  }

  async #get(url: string): Promise<Response> {
    try {
      // Called unbound: a page's fetch throws `Illegal invocation` when `this` is not the global scope.
      const f = this.#fetch;
      return await f(url);
    } catch (e) {
      throw new DatasetError(url, `could not be fetched (${(e as Error).message})`, { cause: e });
    }
  }
}

// Streams the body into an IdxReader with the disk reader's limits: the header is checked as soon as it
// arrives, and the declared size (at most IDX_MAX_BYTES) is allocated once.
async function decodeBody(response: Response, url: string, maxBytes: number): Promise<{ array: IdxArray; bytes: Uint8Array }> {
  // Content-Length is the size of what arrives only when no Content-Encoding was undone by fetch.
  const length = response.headers.get('content-length');
  const encoding = response.headers.get('content-encoding');
  const inputSize = length !== null && /^\d+$/.test(length) && (encoding === null || encoding === 'identity') ? Number(length) : undefined;
  const reader = new IdxReader(url, { maxBytes, inputSize });
  if (response.body === null) return reader.end();
  const stream = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await stream.read();
      if (done) break;
      reader.push(value);
    }
  } catch (e) {
    await stream.cancel().catch(() => undefined);
    if (e instanceof IdxError) throw e;
    throw new DatasetError(url, `could not be read to the end (${(e as Error).message})`, { cause: e });
  }
  return reader.end();
}

function withSlash(prefix: string): string {
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}
