// A few worker threads that decode and preprocess PNG/JPEG bodies off the event loop, with a bounded
// queue: when every worker is busy and the queue is full, the request is refused with 503 at once.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HttpError } from './http-error.js';

/** A body sent to a worker. */
export interface DecodeTask {
  id: number;
  bytes: Uint8Array;
}

/** A worker's answer: the pixels, or the status and message of the refusal (500: a decoder bug). */
export type DecodeReply = { id: number; pixels: Float32Array } | { id: number; status: number; message: string };

export interface DecodePoolOptions {
  /** Worker threads at most, started on first use. Default min(available cores, 2). */
  workers?: number;
  /** Bodies waiting for a worker beyond those being decoded; one more is refused with 503. Default 16. */
  maxQueue?: number;
}

/** What the pool is doing and has done, for tests and tuning. */
export interface DecodeStats {
  /** Worker threads running (0 before the first image and after close). */
  workers: number;
  /** Bodies being decoded now. */
  decoding: number;
  /** Bodies waiting for a worker. */
  queued: number;
  /** Bodies answered by a worker (pixels or a client error). */
  decoded: number;
  /** Bodies refused with 503 because the queue was full. */
  refused: number;
}

/** Default {@link DecodePoolOptions.maxQueue}. */
export const DEFAULT_DECODE_QUEUE = 16;

// From src/ (tests) and dist/ alike the worker is the compiled one: worker_threads runs JavaScript.
const WORKER_URL = new URL('../dist/decode-worker.js', import.meta.url);

/**
 * The process's Node options without the `@mnist/source` export condition: tests run with it (vitest
 * resolves sibling packages to their TypeScript sources), but the worker is compiled JavaScript and
 * must load the compiled siblings.
 * @example compiledExecArgv(['--conditions', '@mnist/source', '--conditions', 'node']) // ['--conditions', 'node']
 */
export function compiledExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    if ((arg === '--conditions' || arg === '-C') && execArgv[i + 1] === SOURCE_CONDITION) i++;
    else if (arg !== `--conditions=${SOURCE_CONDITION}` && arg !== `-C=${SOURCE_CONDITION}`) kept.push(arg);
  }
  return kept;
}

const SOURCE_CONDITION = '@mnist/source';

interface Job {
  id: number;
  bytes: Uint8Array;
  resolve(pixels: Float32Array): void;
  reject(error: unknown): void;
}

/**
 * Decodes PNG/JPEG request bodies into 784 preprocessed pixels on worker threads.
 * @example
 * const pool = new DecodePool({ workers: 2 });
 * const pixels = await pool.decode(pngBytes); // Float32Array(784); HttpError 400/413/503 when refused
 * await pool.close();
 */
export class DecodePool {
  readonly #maxWorkers: number;
  readonly #maxQueue: number;
  readonly #idle: Worker[] = [];
  readonly #busy = new Map<Worker, Job>();
  #queue: Job[] = [];
  #started = 0;
  #nextId = 0;
  #closed = false;
  readonly #stats = { decoded: 0, refused: 0 };

  constructor(options: DecodePoolOptions = {}) {
    const workers = options.workers ?? Math.min(availableParallelism(), 2);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new RangeError(`decodeWorkers must be an integer in [1, 64], got ${workers}`);
    const maxQueue = options.maxQueue ?? DEFAULT_DECODE_QUEUE;
    if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new RangeError(`decodeQueue must be a non-negative integer, got ${maxQueue}`);
    if (!existsSync(fileURLToPath(WORKER_URL))) throw new Error('the image decode worker of @mnist/serve is not built (dist/decode-worker.js); run `npm run build`');
    this.#maxWorkers = workers;
    this.#maxQueue = maxQueue;
  }

  /** Counts of the work in progress and done. */
  get stats(): DecodeStats {
    return { workers: this.#started, decoding: this.#busy.size, queued: this.#queue.length, ...this.#stats };
  }

  /**
   * Decodes a PNG or JPEG body (copied; the caller keeps its bytes) into 784 float32 pixels in [0, 1].
   * Rejects with the {@link HttpError} the bytes deserve (400, 413), 503 when the queue is full or the
   * pool is closed, and a plain Error when a worker failed.
   * @example const pixels = await pool.decode(body);
   */
  decode(bytes: Uint8Array): Promise<Float32Array> {
    if (this.#closed) return Promise.reject(new HttpError(503, 'the server is shutting down; retry on another instance'));
    const canStart = this.#idle.length > 0 || this.#started < this.#maxWorkers;
    if (!canStart && this.#queue.length >= this.#maxQueue) {
      this.#stats.refused++;
      return Promise.reject(new HttpError(503, `busy decoding images (${this.#busy.size} decoding, ${this.#queue.length} waiting); retry shortly`));
    }
    return new Promise<Float32Array>((resolve, reject) => {
      const job: Job = { id: this.#nextId++, bytes, resolve, reject };
      if (canStart) this.#run(job, this.#idle.pop() ?? this.#spawn());
      else this.#queue.push(job);
    });
  }

  /**
   * Refuses what is queued or decoding (503) and stops the workers. The server calls it after the
   * requests in flight are answered, so normally nothing is left to refuse.
   * @example await pool.close();
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const gone = new HttpError(503, 'the server shut down before the image was decoded');
    for (const job of this.#queue) job.reject(gone);
    this.#queue = [];
    for (const job of this.#busy.values()) job.reject(gone);
    const workers = [...this.#idle, ...this.#busy.keys()];
    this.#idle.length = 0;
    this.#busy.clear();
    this.#started = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  #spawn(): Worker {
    const worker = new Worker(WORKER_URL, { execArgv: compiledExecArgv(process.execArgv) });
    this.#started++;
    worker.on('message', (reply: DecodeReply) => this.#answer(worker, reply));
    // An uncaught error in the worker ends it ('error', then 'exit'); an exit alone is a crash too.
    worker.on('error', (error) => this.#lost(worker, error));
    worker.on('exit', (code) => this.#lost(worker, new Error(`an image decode worker exited with code ${code}`)));
    return worker;
  }

  #run(job: Job, worker: Worker): void {
    this.#busy.set(worker, job);
    // A busy worker keeps the process alive until it answers; an idle one does not.
    worker.ref();
    // A copy of exactly the body's bytes, transferred: the caller's Buffer may share a pooled slab.
    const bytes = new Uint8Array(job.bytes);
    job.bytes = bytes.subarray(0, 0);
    worker.postMessage({ id: job.id, bytes } satisfies DecodeTask, [bytes.buffer]);
  }

  #answer(worker: Worker, reply: DecodeReply): void {
    const job = this.#busy.get(worker);
    if (!job || job.id !== reply.id) return;
    this.#busy.delete(worker);
    this.#stats.decoded++;
    if ('pixels' in reply) job.resolve(reply.pixels);
    else if (reply.status >= 500) job.reject(new Error(`image decode worker: ${reply.message}`));
    else job.reject(new HttpError(reply.status, reply.message));
    const next = this.#queue.shift();
    if (next) return this.#run(next, worker);
    worker.unref();
    this.#idle.push(worker);
  }

  #lost(worker: Worker, error: Error): void {
    if (this.#closed) return;
    const idle = this.#idle.indexOf(worker);
    const job = this.#busy.get(worker);
    if (idle < 0 && !job) return; // already counted ('error' comes before 'exit')
    if (idle >= 0) this.#idle.splice(idle, 1);
    this.#busy.delete(worker);
    this.#started--;
    job?.reject(error);
    // The queue moves on with a fresh worker.
    const next = this.#queue.shift();
    if (next) this.#run(next, this.#spawn());
  }
}
