// The decode worker's entry (a worker_threads thread started by DecodePool): PNG/JPEG bodies in,
// 784 preprocessed float32 pixels or the client error out, so a 16-megapixel picture never blocks
// the server's event loop.
import { parentPort } from 'node:worker_threads';
import { HttpError } from './http-error.js';
import { readDigitImage } from './image-body.js';
import type { DecodeReply, DecodeTask } from './decode-pool.js';

const port = parentPort;
if (!port) throw new Error('decode-worker.js runs as a worker thread of DecodePool, not as a program');

port.on('message', ({ id, bytes }: DecodeTask) => {
  let reply: DecodeReply;
  try {
    const pixels = readDigitImage(bytes);
    port.postMessage({ id, pixels } satisfies DecodeReply, [pixels.buffer as ArrayBuffer]);
    return;
  } catch (error) {
    reply =
      error instanceof HttpError
        ? { id, status: error.statusCode, message: error.message }
        : { id, status: 500, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
