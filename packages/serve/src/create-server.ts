// The HTTP application: POST /v1/predict (JSON pixels or a PNG/JPEG digit), GET /v1/model,
// GET /healthz, on fastify and @mnist/infer-node, with limits, JSON errors for every bad request and
// a shutdown that answers the requests in flight within a bounded time.
import { maxHeaderSize } from 'node:http';
import type { Socket } from 'node:net';
import type { ClassifierLoadOptions, ModelMetadata, ModelSignature, Prediction } from '@mnist/core';
import { MnistClassifier } from '@mnist/infer-node';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { connectionLimits, timeoutCheckInterval, type ConnectionLimitOptions } from './connection-limits.js';
import { DecodePool, type DecodeStats } from './decode-pool.js';
import { clientErrorHandler, errorReply, type ErrorLimits } from './error-replies.js';
import { HttpError } from './http-error.js';
import { readJsonImages, type RequestImages } from './json-images.js';
import { PredictBatcher } from './predict-batcher.js';

export interface ServerOptions extends ConnectionLimitOptions {
  /** An .onnx file path or its bytes. */
  model: string | Uint8Array;
  /**
   * How to read a model exported elsewhere (PyTorch, Keras): its normalization, input and output
   * names, output kind, labels, size ceiling; passed to `MnistClassifier.load`. Our exports need none.
   */
  modelOptions?: ClassifierLoadOptions;
  /** Largest request body in bytes (413 beyond). Default 4 MiB: 64 JSON images at full precision. */
  maxBodyBytes?: number;
  /** Most images per request and per runtime call (413 beyond). Default 64. */
  maxBatch?: number;
  /**
   * How long a request waits for others to share its runtime call when the runtime is idle; 0 = the
   * rest of the current event-loop turn. Requests arriving during a call always join the next one.
   * Default 2: under load (32 clients, bench/serve-load.mjs) it gave fuller batches, less CPU per
   * request and a lower p99 than 0 or 1; alone, a request waits 2 ms.
   */
  batchWindowMs?: number;
  /** Combine concurrent requests into one runtime call. Default true. */
  batching?: boolean;
  /** onnxruntime threads inside one operator. Default 1: the other core serves HTTP. */
  threads?: number;
  /**
   * Worker threads decoding PNG/JPEG bodies off the event loop, started on the first image. Default
   * min(available cores, 2). JSON bodies need no decoding and never wait for them.
   */
  decodeWorkers?: number;
  /** Image bodies that may wait for a decode worker; one more gets 503 with Retry-After. Default 16. */
  decodeQueue?: number;
  /** Log requests as JSON lines (fastify's pino) to stderr. Default false. */
  logger?: boolean;
}

/** How a close ended. */
export interface CloseSummary {
  /**
   * `graceful`: every request in flight was answered; `timeout`: `shutdownTimeoutMs` ran out and the
   * connections left were cut; `forced`: {@link MnistServer.forceClose} cut them.
   */
  how: 'graceful' | 'timeout' | 'forced';
  /** Connections cut (a client stalled mid-request, or a request still running). */
  cutConnections: number;
}

/** A created (not yet listening) server. */
export interface MnistServer {
  /** The fastify application: `app.inject(...)` for tests, `app.listen(...)` to serve. */
  app: FastifyInstance;
  /** The loaded model. */
  classifier: MnistClassifier;
  /** Runtime calls made by the batcher and the images they carried (batching on). */
  readonly batchStats: { calls: number; images: number; largestBatch: number };
  /** What the image decode workers are doing and have done. */
  readonly decodeStats: DecodeStats;
  /**
   * Stops accepting connections, answers new requests on open ones with 503, finishes those in
   * flight, and after `shutdownTimeoutMs` cuts whatever connections are left; then stops the decode
   * workers and releases the model. Calling it again returns the same promise.
   */
  close(): Promise<CloseSummary>;
  /** As {@link close}, but cuts every connection now (a second Ctrl-C). */
  forceClose(): Promise<CloseSummary>;
}

/** The body of GET /v1/model. */
export interface ModelDescription {
  labels: string[];
  preprocessing: ModelMetadata['preprocessing'];
  imageShape: [number, number];
  testAccuracy: number | null;
  opset: number;
  irVersion: number;
  producer: { name: string; version: string };
  modelSpec: ModelMetadata['modelSpec'] | null;
  /** The name of the checkpoint folder the model was exported from (never its path on the exporting machine). */
  sourceCheckpoint: string | null;
  limits: { maxBatch: number; maxBodyBytes: number };
  /** What the classifier detected: input name, shape and layout, output name, kind and how it was told, classes, labels, preprocessing. */
  signature: ModelSignature;
}

/** Default {@link ServerOptions.batchWindowMs}. */
export const DEFAULT_BATCH_WINDOW_MS = 2;

const JSON_TYPE = 'application/json';
const IMAGE_TYPES = ['image/png', 'image/jpeg'];

const predictionSchema = {
  type: 'object',
  properties: {
    classes: { type: 'array', items: { type: 'integer' } },
    probabilities: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
  },
  required: ['classes', 'probabilities'],
} as const;

const errorSchema = { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] } as const;

/**
 * Loads the model and builds the HTTP application without listening.
 * @example
 * const { app, close } = await createServer({ model: 'checkpoints/dnn/model.onnx' });
 * const response = await app.inject({ method: 'GET', url: '/v1/model' });
 * await close();
 */
export async function createServer(options: ServerOptions): Promise<MnistServer> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const maxBodyBytes = positiveInteger(options.maxBodyBytes ?? 4 * 1024 * 1024, 'maxBodyBytes');
  const maxBatch = positiveInteger(options.maxBatch ?? 64, 'maxBatch');
  const limits = connectionLimits(options);
  const pool = new DecodePool({ workers: options.decodeWorkers, maxQueue: options.decodeQueue });
  const threads = options.threads ?? 1;
  const classifier = await MnistClassifier.load(options.model, { ...options.modelOptions, intraOpNumThreads: threads });

  // Runtime calls in progress: the session must not be released under one.
  const runs = new Set<Promise<Prediction>>();
  const run = (pixels: Float32Array): Promise<Prediction> => {
    const call = classifier.predict(pixels);
    runs.add(call);
    const forget = (): void => void runs.delete(call);
    call.then(forget, forget);
    return call;
  };
  const batcher = new PredictBatcher({ predict: run }, { maxBatch, windowMs: options.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS });
  const predict = options.batching === false ? (pixels: Float32Array) => run(pixels) : (pixels: Float32Array, n: number) => batcher.predict(pixels, n);

  const errorLimits: ErrorLimits = { maxBodyBytes, maxHeaderBytes: maxHeaderSize, headersTimeoutMs: limits.headersTimeoutMs, requestTimeoutMs: limits.requestTimeoutMs, contentTypes: [JSON_TYPE, ...IMAGE_TYPES] };
  const sendError = (error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const { status, message, internal } = errorReply(error, request.url, errorLimits);
    if (internal) request.log.error(error);
    if (status === 503) reply.header('retry-after', '1');
    return reply.code(status).send({ error: message });
  };

  const app = Fastify({
    // Diagnostics go to stderr, as everywhere in this project; stdout stays free for results.
    logger: options.logger === true ? { stream: process.stderr } : false,
    bodyLimit: maxBodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: { requestTimeout: limits.requestTimeoutMs, headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: timeoutCheckInterval(limits) },
    // Errors before any route answer with the same {"error"} body as the routes do.
    clientErrorHandler: clientErrorHandler(errorLimits),
    frameworkErrors: (error, request, reply) => {
      sendError(error, request, reply);
    },
    // Our own onRequest hook answers during shutdown, with the JSON error body.
    return503OnClosing: false,
  });
  app.server.maxConnections = limits.maxConnections;
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPE, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, readJsonImages(body as string, maxBatch));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer' }, async (_request: FastifyRequest, body: Buffer): Promise<RequestImages> => ({ n: 1, pixels: await pool.decode(body) }));

  app.setErrorHandler(sendError);
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `no route ${request.method} ${request.url}; try POST /v1/predict, GET /v1/model, GET /healthz` });
  });

  let shuttingDown = false;
  // Requests arriving on open connections once close() began: 503 and the connection closed.
  app.addHook('onRequest', (_request, reply, done) => {
    if (!shuttingDown) return done();
    reply.code(503).header('connection', 'close').header('retry-after', '1').send({ error: 'the server is shutting down; retry on another instance' });
  });
  // Keep-alive connections of requests still in flight at close would otherwise stay open until
  // their idle timeout after the answer, holding close() (and a SIGTERM'd process) for seconds.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (shuttingDown) reply.header('connection', 'close');
    done(null, payload);
  });

  app.post(
    '/v1/predict',
    { schema: { response: { 200: predictionSchema, '4xx': errorSchema, '5xx': errorSchema } } },
    async (request) => {
      const images = request.body as RequestImages | undefined;
      if (!images) throw new HttpError(400, `empty body; send JSON ${'{"images": [[784 numbers in [0, 1]], ...]}'} or a PNG/JPEG image`);
      if (images.n === 0) return { classes: [], probabilities: [] };
      const prediction = await predict(images.pixels, images.n);
      const k = prediction.probabilities.length / images.n;
      const probabilities = Array.from({ length: images.n }, (_, i) => Array.from(prediction.probabilities.subarray(i * k, (i + 1) * k)));
      return { classes: Array.from(prediction.classes), probabilities };
    },
  );

  const description = describeModel(classifier.metadata, classifier.signature, { maxBatch, maxBodyBytes });
  app.get('/v1/model', async () => description);
  app.get('/healthz', async () => ({ status: 'ok' }));

  let closing: Promise<CloseSummary> | undefined;
  let how: CloseSummary['how'] = 'graceful';
  let cutConnections = 0;
  const cut = (reason: 'timeout' | 'forced'): void => {
    if (how === 'graceful') how = reason;
    cutConnections += sockets.size;
    for (const socket of sockets) socket.destroy();
  };
  const close = (): Promise<CloseSummary> => {
    closing ??= (async () => {
      shuttingDown = true;
      const grace = setTimeout(() => cut('timeout'), limits.shutdownTimeoutMs);
      try {
        // fastify's close stops accepting, closes idle connections and waits for the others to end:
        // each open request is answered (then closed by the onSend hook) or cut when the grace ends.
        await app.close();
      } finally {
        clearTimeout(grace);
      }
      await pool.close();
      await Promise.allSettled([...runs]);
      await classifier.dispose();
      return { how, cutConnections };
    })();
    return closing;
  };
  await app.ready();
  return {
    app,
    classifier,
    batchStats: batcher.stats,
    get decodeStats() {
      return pool.stats;
    },
    close,
    forceClose() {
      const closed = close();
      cut('forced');
      return closed;
    },
  };
}

// The name of the checkpoint a model came from, without the folders above it: a model file must not
// tell its clients where it was exported on someone's machine ('/home/ana/runs/dnn/' -> 'dnn').
function checkpointName(source: string): string {
  const parts = source.split(/[\\/]+/).filter((part) => part !== '');
  return parts.at(-1) ?? source;
}

function describeModel(meta: ModelMetadata, signature: ModelSignature, limits: { maxBatch: number; maxBodyBytes: number }): ModelDescription {
  return {
    labels: meta.labels,
    preprocessing: meta.preprocessing,
    imageShape: meta.imageShape,
    testAccuracy: meta.testAccuracy ?? null,
    opset: meta.opset,
    irVersion: meta.irVersion,
    producer: meta.producer,
    modelSpec: meta.modelSpec ?? null,
    sourceCheckpoint: meta.sourceCheckpoint === undefined ? null : checkpointName(meta.sourceCheckpoint),
    limits,
    signature,
  };
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`options.${name} must be a positive integer, got ${value}`);
  return value;
}
