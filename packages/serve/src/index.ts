/**
 * @mnist/serve: a reference HTTP server for MNIST ONNX models on @mnist/infer-node (`mnist serve`).
 * POST /v1/predict takes JSON pixels or a PNG/JPEG digit; GET /v1/model; GET /healthz.
 */
export * from './create-server.js';
export * from './start-server.js';
export {
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  type ConnectionLimitOptions,
} from './connection-limits.js';
export { DEFAULT_DECODE_QUEUE, type DecodeStats } from './decode-pool.js';
export { HttpError } from './http-error.js';
export { PredictBatcher, type PredictBatcherOptions } from './predict-batcher.js';
