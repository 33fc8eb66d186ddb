// A checkpoint as the two files every store keeps (model.json text + weights.bin bytes), with the
// weights digest computed and checked by SubtleCrypto: what the in-memory and IndexedDB stores share.
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, MODEL_JSON_FILE, parseModelJson, WEIGHTS_FILE, type Checkpoint } from '@mnist/core';

import { sha256Hex } from './sha256.js';

/** model.json's text and weights.bin's bytes, exactly as Node's checkpoint-io writes them. */
export interface CheckpointPair {
  modelJson: string;
  weightsBin: Uint8Array;
}

/**
 * Encodes `checkpoint` as Node does, model.json recording weights.bin's SHA-256.
 * @example const { modelJson, weightsBin } = await encodeCheckpointPair(checkpoint);
 */
export async function encodeCheckpointPair(checkpoint: Checkpoint): Promise<CheckpointPair> {
  // encodeCheckpoint's digest callback is synchronous and SubtleCrypto is not: weights.bin does not
  // depend on the digest, so encode once for its bytes, digest them, and encode again with the digest.
  const digest = await sha256Hex(encodeCheckpoint(checkpoint).weightsBin);
  return encodeCheckpoint(checkpoint, { sha256: () => digest });
}

/**
 * Decodes a pair stored at `location`, its weights checked against model.json's `weightsSha256` (when
 * recorded) as Node's loader checks them. Throws CheckpointError naming the file.
 * @example const checkpoint = await decodeCheckpointPair('runs/a', pair.modelJson, pair.weightsBin);
 */
export async function decodeCheckpointPair(location: string, modelJson: string, weightsBin: Uint8Array): Promise<Checkpoint> {
  const header = parseModelJson(modelJson, location);
  if (header.weightsSha256 !== undefined && (await sha256Hex(weightsBin)) !== header.weightsSha256) {
    throw new CheckpointError(`${location}/${WEIGHTS_FILE}`, `does not match ${MODEL_JSON_FILE} (its SHA-256 is not the weightsSha256 recorded there)`);
  }
  return decodeCheckpoint(modelJson, weightsBin, location);
}

/**
 * Throws a one-line TypeError unless `location` is a non-empty string (a store's key).
 * @example checkLocation('runs/a');
 */
export function checkLocation(location: unknown): asserts location is string {
  if (typeof location !== 'string' || location === '') throw new TypeError(`a checkpoint location must be a non-empty string, got ${JSON.stringify(location)}`);
}
