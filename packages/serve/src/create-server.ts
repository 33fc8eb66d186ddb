// The HTTP application: POST /v1/predict (JSON pixels or a PNG/JPEG digit), GET /v1/model,
// GET /healthz, on fastify and @mnist/infer-node, with limits and JSON errors for every bad request.
import { preprocessDigitImage, type ModelMetadata } from '@mnist/core';
import { MnistClassifier } from '@mnist/infer-node';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { decodeImageBody } from './image-body.js';
import { HttpError } from './http-error.js';
import { readJsonImages, type RequestImages } from './json-images.js';
import { PredictBatcher } from './predict-batcher.js';

export interface ServerOptions {
  /** An .onnx file path or its bytes. */
  model: string | Uint8Array;
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
  /** Log requests as JSON lines (fastify's pino) to stderr. Default false. */
  logger?: boolean;
}

/** A created (not yet listening) server. */
export interface MnistServer {
  /** The fastify application: `app.inject(...)` for tests, `app.listen(...)` to serve. */
  app: FastifyInstance;
  /** The loaded model. */
  classifier: MnistClassifier;
  /** Runtime calls made by the batcher and the images they carried (batching on). */
  readonly batchStats: { calls: number; images: number; largestBatch: number };
  /** Stops accepting requests, finishes those in flight, then releases the model. */
  close(): Promise<void>;
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
  sourceCheckpoint: string | null;
  limits: { maxBatch: number; maxBodyBytes: number };
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
  const threads = options.threads ?? 1;
  const classifier = await MnistClassifier.load(options.model, { intraOpNumThreads: threads });
  const batcher = new PredictBatcher(classifier, { maxBatch, windowMs: options.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS });
  const predict = options.batching === false ? (pixels: Float32Array) => classifier.predict(pixels) : (pixels: Float32Array, n: number) => batcher.predict(pixels, n);

  // Diagnostics go to stderr, as everywhere in this project; stdout stays free for results.
  const app = Fastify({ logger: options.logger === true ? { stream: process.stderr } : false, bodyLimit: maxBodyBytes, forceCloseConnections: 'idle' });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPE, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, readJsonImages(body as string, maxBatch));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, readImageBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error(error);
      return reply.code(500).send({ error: 'internal error while predicting; see the server log' });
    }
    return reply.code(status).send({ error: clientMessage(error as FastifyError, status, maxBodyBytes) });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `no route ${request.method} ${request.url}; try POST /v1/predict, GET /v1/model, GET /healthz` });
  });

  app.post(
    '/v1/predict',
    { schema: { response: { 200: predictionSchema, '4xx': errorSchema } } },
    async (request) => {
      const images = request.body as RequestImages | undefined;
      if (!images) throw new HttpError(400, `empty body; send JSON ${'{"images": [[784 numbers in [0, 1]], ...]}'} or a PNG/JPEG image`);
      if (images.n === 0) return { classes: [], probabilities: [] };
      const prediction = await predict(images.pixels, images.n);
      const k = prediction.probabilities.length / images.n;
      const probabilities: number[][] = new Array(images.n);
      for (let i = 0; i < images.n; i++) probabilities[i] = Array.from(prediction.probabilities.subarray(i * k, (i + 1) * k));
      return { classes: Array.from(prediction.classes), probabilities };
    },
  );

  const description = describeModel(classifier.metadata, { maxBatch, maxBodyBytes });
  app.get('/v1/model', async () => description);
  app.get('/healthz', async () => ({ status: 'ok' }));

  let closing: Promise<void> | undefined;
  // Keep-alive connections of requests still in flight at close would otherwise stay open until
  // their idle timeout after the answer, holding close() (and a SIGTERM'd process) for seconds.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  await app.ready();
  return {
    app,
    classifier,
    batchStats: batcher.stats,
    close() {
      // fastify's close waits for requests in flight (each awaits its batch) before the model goes.
      closing ??= app.close().then(() => classifier.dispose());
      return closing;
    },
  };
}

function readImageBody(body: Buffer): RequestImages {
  const image = decodeImageBody(body);
  let pixels: Float32Array;
  try {
    pixels = preprocessDigitImage(image, { output: 'float32' });
  } catch (error) {
    throw new HttpError(400, `cannot preprocess the image: ${(error as Error).message}`);
  }
  return { n: 1, pixels };
}

function clientMessage(error: FastifyError, status: number, maxBodyBytes: number): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `body is larger than the limit of ${maxBodyBytes} bytes`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `unsupported content type; send ${JSON_TYPE}, ${IMAGE_TYPES.join(' or ')}`;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'empty JSON body';
    default:
      return status === 404 ? error.message : error.message.replace(/\s+/g, ' ');
  }
}

function describeModel(meta: ModelMetadata, limits: { maxBatch: number; maxBodyBytes: number }): ModelDescription {
  return {
    labels: meta.labels,
    preprocessing: meta.preprocessing,
    imageShape: meta.imageShape,
    testAccuracy: meta.testAccuracy ?? null,
    opset: meta.opset,
    irVersion: meta.irVersion,
    producer: meta.producer,
    modelSpec: meta.modelSpec ?? null,
    sourceCheckpoint: meta.sourceCheckpoint ?? null,
    limits,
  };
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`options.${name} must be a positive integer, got ${value}`);
  return value;
}
