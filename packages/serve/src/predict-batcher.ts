// Micro-batching: requests that arrive together share one runtime call. While a call runs, new
// requests queue; when it ends (or after the batch window, when the runtime is idle) the queue goes
// out as one batch. Under load the batch grows with the load; alone, a request waits for no one.
import type { Prediction } from '@mnist/core';
import { IMAGE_PIXELS } from '@mnist/core';

/** What the batcher needs from a classifier: predict over N*784 float32 pixels. */
export interface BatchPredictor {
  predict(images: Float32Array): Promise<Prediction>;
}

export interface PredictBatcherOptions {
  /** Most images in one runtime call. */
  maxBatch: number;
  /**
   * How long the first queued request waits for company when the runtime is idle: 0 (default) waits
   * for the rest of this event-loop turn (setImmediate), so requests read in the same turn join.
   */
  windowMs?: number;
  /** Runtime calls at a time; more queue up. Default 1. */
  maxInFlight?: number;
}

interface Pending {
  n: number;
  pixels: Float32Array;
  resolve(prediction: Prediction): void;
  reject(error: unknown): void;
}

/**
 * Collects concurrent predict requests into batched runtime calls.
 * @example
 * const batcher = new PredictBatcher(classifier, { maxBatch: 64 });
 * const { classes } = await batcher.predict(pixels, 1);
 */
export class PredictBatcher {
  readonly #predictor: BatchPredictor;
  readonly #maxBatch: number;
  readonly #windowMs: number;
  readonly #maxInFlight: number;
  #queue: Pending[] = [];
  #queuedImages = 0;
  #inFlight = 0;
  #scheduled = false;
  /** Runtime calls made and images they carried, for tuning and tests. */
  readonly stats = { calls: 0, images: 0, largestBatch: 0 };

  constructor(predictor: BatchPredictor, options: PredictBatcherOptions) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${options.maxBatch}`);
    const windowMs = options.windowMs ?? 0;
    if (!(windowMs >= 0 && windowMs <= 1000)) throw new RangeError(`batchWindowMs must be a number of milliseconds in [0, 1000], got ${windowMs}`);
    const maxInFlight = options.maxInFlight ?? 1;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
    this.#predictor = predictor;
    this.#maxBatch = options.maxBatch;
    this.#windowMs = windowMs;
    this.#maxInFlight = maxInFlight;
  }

  /**
   * Classifies `n` images (n*784 float32 pixels, already validated), sharing a runtime call with
   * whatever else is queued.
   * @example const { classes, probabilities } = await batcher.predict(pixels, 1);
   */
  predict(pixels: Float32Array, n: number): Promise<Prediction> {
    if (n > this.#maxBatch) throw new RangeError(`${n} images is more than maxBatch ${this.#maxBatch}`);
    return new Promise<Prediction>((resolve, reject) => {
      if (this.#queuedImages + n > this.#maxBatch) this.#flush();
      this.#queue.push({ n, pixels, resolve, reject });
      this.#queuedImages += n;
      if (this.#queuedImages >= this.#maxBatch) this.#flush();
      else this.#schedule();
    });
  }

  #schedule(): void {
    // A call in flight will flush the queue when it ends; otherwise wait out the window.
    if (this.#scheduled || this.#inFlight >= this.#maxInFlight) return;
    this.#scheduled = true;
    const run = (): void => {
      this.#scheduled = false;
      if (this.#inFlight < this.#maxInFlight) this.#flush();
    };
    if (this.#windowMs > 0) setTimeout(run, this.#windowMs);
    else setImmediate(run);
  }

  #flush(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    const n = this.#queuedImages;
    this.#queue = [];
    this.#queuedImages = 0;
    let pixels: Float32Array;
    if (batch.length === 1) {
      pixels = batch[0].pixels;
    } else {
      pixels = new Float32Array(n * IMAGE_PIXELS);
      let offset = 0;
      for (const pending of batch) {
        pixels.set(pending.pixels, offset);
        offset += pending.pixels.length;
      }
    }
    this.#inFlight++;
    this.stats.calls++;
    this.stats.images += n;
    if (n > this.stats.largestBatch) this.stats.largestBatch = n;
    this.#predictor.predict(pixels).then(
      (prediction) => {
        this.#done();
        if (batch.length === 1) return batch[0].resolve(prediction);
        const k = prediction.probabilities.length / n;
        let start = 0;
        for (const pending of batch) {
          pending.resolve({
            classes: prediction.classes.subarray(start, start + pending.n),
            probabilities: prediction.probabilities.subarray(start * k, (start + pending.n) * k),
          });
          start += pending.n;
        }
      },
      (error: unknown) => {
        this.#done();
        for (const pending of batch) pending.reject(error);
      },
    );
  }

  #done(): void {
    this.#inFlight--;
    if (this.#queue.length > 0) this.#flush();
  }
}
