// A small static server for the built demo pages, one model at /model.onnx and, for the training page,
// the MNIST files at /data/mnist/, with the MIME types ONNX Runtime Web needs and, by default, the
// cross-origin isolation headers that enable wasm threads.
import { createReadStream, statSync, type Stats } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { WebClassifierOptions } from '@mnist/infer-web';
import { buildDemo } from './build-demo.js';
import { MNIST_DATA_PREFIX, mnistDataFile } from './mnist-data-route.js';

/** Content types by extension; .wasm must be application/wasm for streaming compilation. */
export const DEMO_MIME_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  // The IDX files go as they are stored: the page inflates .gz itself (no Content-Encoding).
  '.gz': 'application/gzip',
});

/** The headers that make a page cross-origin isolated (SharedArrayBuffer, hence wasm threads). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

export interface ServeDemoOptions {
  /**
   * Path of the .onnx file served at /model.onnx. Without one only the training page has a model (the
   * one it trains); the drawing page says how to get one.
   */
  model?: string;
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Send COOP/COEP so the page may use several wasm threads. Default true. */
  isolation?: boolean;
  /** A built page directory; default: `await buildDemo()`. */
  dir?: string;
  /**
   * How the page reads a model exported elsewhere (PyTorch, Keras): its normalization, input and output
   * names, output kind, labels. They travel in the page's URL query, so the printed URL opens a page
   * that classifies as the model needs.
   */
  modelOptions?: Pick<WebClassifierOptions, 'normalization' | 'input' | 'output' | 'outputKind' | 'labels'>;
  /**
   * A folder holding the MNIST IDX files, served read-only at /data/mnist/<name> (only the four MNIST
   * names, raw or .gz) for the training page (train.html). Without it those paths are 404s.
   */
  data?: string;
}

export interface DemoServer {
  /** The page's URL, e.g. http://127.0.0.1:5173/ */
  url: string;
  /** The training page's URL, e.g. http://127.0.0.1:5173/train.html */
  trainUrl: string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Serves the demo page (built first if needed) and `model` at /model.onnx.
 * @example
 * const server = await serveDemo({ model: 'checkpoints/dnn/model.onnx', port: 5173 });
 * console.log(`open ${server.url}`); // later: await server.close();
 */
export async function serveDemo(options: ServeDemoOptions): Promise<DemoServer> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { model, port = 0, host = '127.0.0.1', isolation = true } = options;
  if (model !== undefined && (typeof model !== 'string' || model === '')) throw new TypeError('options.model must be the path of an .onnx file');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`options.port must be an integer from 0 to 65535, got ${port}`);
  if (typeof host !== 'string' || host === '') throw new TypeError('options.host must be a host name or address');
  if (typeof isolation !== 'boolean') throw new TypeError(`options.isolation must be a boolean, got ${String(isolation)}`);
  if (model !== undefined) checkModelFile(model);
  const data = options.data === undefined ? undefined : checkDataDir(options.data);
  const root = resolve(options.dir ?? (await buildDemo()));
  if (!fileStats(join(root, 'index.html'))) throw new Error(`${root}: expected a built demo page (index.html), found none`);

  const server = createServer((request, response) => handle(request, response, { root, model, isolation, data }));
  await new Promise<void>((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(error.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is already in use (try another --port, or 0 for any)`) : error),
    );
    server.listen(port, host, done);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/${pageQuery(options.modelOptions ?? {})}`,
    trainUrl: `http://${shownHost}:${address.port}/train.html`,
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeAllConnections();
      }),
  };
}

function handle(request: IncomingMessage, response: ServerResponse, site: { root: string; model?: string; isolation: boolean; data?: string }): void {
  if (site.isolation) for (const [name, value] of Object.entries(ISOLATION_HEADERS)) response.setHeader(name, value);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return;
  }
  let path: string;
  try {
    path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  } catch {
    response.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('bad request path\n');
    return;
  }
  const file =
    path === '/model.onnx' ? site.model : path.startsWith(MNIST_DATA_PREFIX) ? site.data && mnistDataFile(site.data, path) : pageFile(site.root, path);
  // One stat per request: it both decides 404 and gives the size and mtime for the headers.
  const stats = file ? fileStats(file) : undefined;
  if (!file || !stats) {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${path}\n`);
    return;
  }
  // Hashed assets never change; the page, the model and the ort runtime are revalidated on every
  // load, which a validator makes cheap: an unchanged 14 MB wasm runtime is a 304, and the browser
  // keeps its compiled code.
  const etag = `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const headers = {
    'Cache-Control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    ETag: etag,
    'Last-Modified': stats.mtime.toUTCString(),
  };
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, headers).end();
    return;
  }
  response.writeHead(200, {
    ...headers,
    'Content-Type': DEMO_MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': stats.size,
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  createReadStream(file)
    .on('error', () => response.destroy())
    .pipe(response);
}

// A file inside the page directory, or undefined for paths that try to leave it.
function pageFile(root: string, urlPath: string): string | undefined {
  const relativePath = normalize(urlPath.endsWith('/') ? `${urlPath}index.html` : urlPath).replace(/^[/\\]+/, '');
  const file = resolve(root, relativePath);
  return file === root || file.startsWith(root + sep) ? file : undefined;
}

// The stats of a regular file, or undefined for a directory or anything that cannot be stat'ed.
function fileStats(path: string): Stats | undefined {
  try {
    const stats = statSync(path);
    return stats.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}

// The query page/runtime-choice.ts reads the model options from.
function pageQuery(options: NonNullable<ServeDemoOptions['modelOptions']>): string {
  const query = new URLSearchParams();
  if (options.normalization) query.set('normalize', `${options.normalization.mean},${options.normalization.std}`);
  if (options.input !== undefined) query.set('input', options.input);
  if (options.output !== undefined) query.set('output', options.output);
  if (options.outputKind !== undefined) query.set('outputKind', options.outputKind);
  if (options.labels) query.set('labels', options.labels.join(','));
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}

function checkDataDir(data: string): string {
  if (typeof data !== 'string' || data === '') throw new TypeError('options.data must be the path of a folder holding the MNIST IDX files');
  let isDir: boolean;
  try {
    isDir = statSync(data).isDirectory();
  } catch {
    throw new Error(`${data}: no such data folder (expected the MNIST IDX files in it)`);
  }
  if (!isDir) throw new Error(`${data}: is a file, expected a folder holding the MNIST IDX files`);
  return resolve(data);
}

function checkModelFile(model: string): void {
  let isModelFile: boolean;
  try {
    isModelFile = statSync(model).isFile();
  } catch {
    throw new Error(`${model}: no such model file (export one with: mnist export --onnx)`);
  }
  if (!isModelFile) throw new Error(`${model}: is a directory, expected an .onnx file`);
}
