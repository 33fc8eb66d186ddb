// The trainer's platform seam: where checkpoints, datasets and TensorBoard logs live. Everything else
// the training loop needs (engines, graphs, checkpoint encoding) runs anywhere; these services differ.
// As tfjs-core's platform_node/platform_browser, each entry registers its own on import: the Node entry
// files on disk (node-platform.ts), the browser entry memory or IndexedDB and HTTP (browser-platform.ts).
import type { Checkpoint, DatasetRecord, EpochRecord, MnistDataset } from '@mnist/core';

import type { EpochStats } from '../engine.js';

/** A dataset as a source gives it; `classNames` when the files name the classes (EMNIST's mapping). */
export type SourceDataset = MnistDataset & { classNames?: readonly string[] };

/**
 * Checkpoints by location (a folder in Node, a key in a page): tfjs's IOHandler (one model.json +
 * weights.bin pair, saved whole or not at all), plus the run lock that keeps two trainers off one location.
 */
export interface CheckpointStore {
  /** Whether `location` holds a checkpoint; throws when nothing could be saved there. */
  holds(location: string): Promise<boolean>;
  /** The checkpoint at `location`, its weights checked against their digest. */
  load(location: string): Promise<Checkpoint>;
  /** Saves `checkpoint` as one pair: a reader sees the old pair or the new one, never a mix. */
  save(location: string, checkpoint: Checkpoint): Promise<void>;
  /** Takes the exclusive run lock of `location`; resolves to its release. */
  lock(location: string): Promise<() => Promise<void>>;
}

/** Where `train` reads images from: a folder (Node) or a URL (page); `undefined` is the built-in MNIST. */
export interface DatasetSource {
  /** The train and test sets at `location`, with `nClasses` overriding what the labels imply. */
  read(location: string | undefined, options: { nClasses?: number }): Promise<SourceDataset>;
  /** What the checkpoint records of the dataset at `location`: its name, where, each file's SHA-256. */
  record(location: string | undefined): Promise<DatasetRecord>;
}

/** The checked settings of a TensorBoard log. */
export interface TrainingLogSettings {
  logdir: string;
  logEvery: number;
}

/** One run's log, fed after each epoch. */
export interface TrainingLogSink {
  /** Where this run writes (`<logdir>/<run>`). */
  readonly runDir: string;
  epoch(epochNumber: number, stats: EpochStats, record: EpochRecord | undefined, stepAfter: number): void;
  close(): void;
}

/** TensorBoard event files; absent where there is no file system, and then `logdir` is refused. */
export interface TrainingLogFactory {
  /** Checks `logdir`/`logEvery` before any work; `undefined` when no log is asked for. */
  check(options: { logdir?: string; logEvery?: number }): TrainingLogSettings | undefined;
  open(settings: TrainingLogSettings, learningRate: number): TrainingLogSink;
}

/** What one platform provides to `train`. */
export interface TrainerPlatform {
  readonly name: 'node' | 'browser';
  readonly checkpoints: CheckpointStore;
  readonly datasets: DatasetSource;
  readonly trainingLog?: TrainingLogFactory;
}

let current: TrainerPlatform | undefined;

/**
 * Registers the platform `train` uses; the entries call it on import, and the last call wins (a page
 * may register its own store, as tfjs lets a page register an IOHandler).
 * @example setPlatform({ ...platform(), checkpoints: new MemoryCheckpointStore() });
 */
export function setPlatform(platform: TrainerPlatform): void {
  current = platform;
}

/**
 * The registered platform.
 * @example const { checkpoints } = platform();
 */
export function platform(): TrainerPlatform {
  if (current === undefined) {
    throw new Error('no trainer platform is registered: import @mnist/trainer (Node) or @mnist/trainer/browser before training');
  }
  return current;
}
