// Checkpoints kept in memory (a page's or worker's, until it closes): the same model.json + weights.bin
// bytes Node writes to a folder, by location, so a page can offer them for download and Node loads them.
import { CheckpointError, decodeCheckpoint, type Checkpoint } from '@mnist/core';

import { checkLocation, decodeCheckpointPair, encodeCheckpointPair, type CheckpointPair } from './checkpoint-pair.js';
import type { CheckpointStore } from './platform.js';

/** A checkpoint's two files as bytes: what a download offers, and what `put` takes back. */
export interface CheckpointFiles {
  /** model.json, UTF-8. */
  modelJson: Uint8Array;
  weightsBin: Uint8Array;
}

/**
 * A CheckpointStore over a Map: `save` encodes as Node does (model.json records weights.bin's SHA-256),
 * `load` checks that digest, `lock` keeps two runs in this page off one location.
 * @example
 * const store = new MemoryCheckpointStore();
 * setPlatform({ ...platform(), checkpoints: store });
 * await train({ out: 'runs/a', epochs: 1 });
 * const { modelJson, weightsBin } = store.files('runs/a');
 */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly #pairs = new Map<string, CheckpointPair>();
  readonly #locked = new Set<string>();

  async holds(location: string): Promise<boolean> {
    checkLocation(location);
    return this.#pairs.has(location);
  }

  async load(location: string): Promise<Checkpoint> {
    const pair = this.#pair(location);
    return decodeCheckpointPair(location, pair.modelJson, pair.weightsBin);
  }

  async save(location: string, checkpoint: Checkpoint): Promise<void> {
    checkLocation(location);
    this.#pairs.set(location, await encodeCheckpointPair(checkpoint));
  }

  async lock(location: string): Promise<() => Promise<void>> {
    checkLocation(location);
    if (this.#locked.has(location)) throw new Error(`${location} is being trained by another run in this page; wait for it to finish or choose another out`);
    this.#locked.add(location);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.#locked.delete(location);
    };
  }

  /**
   * The checkpoint at `location` as the two files Node would have written (copies), for a download.
   * @example const { modelJson, weightsBin } = store.files('runs/a'); // save as model.json and weights.bin
   */
  files(location: string): CheckpointFiles {
    const pair = this.#pair(location);
    return { modelJson: new TextEncoder().encode(pair.modelJson), weightsBin: pair.weightsBin.slice() };
  }

  /**
   * Stores two files (an upload, a checkpoint Node saved) at `location` after checking they decode;
   * the digest is checked when it is loaded, as Node checks it.
   * @example store.put('uploaded', { modelJson, weightsBin }); await train({ resume: true, out: 'uploaded' });
   */
  put(location: string, files: CheckpointFiles): void {
    checkLocation(location);
    const modelJson = new TextDecoder().decode(files.modelJson);
    decodeCheckpoint(modelJson, files.weightsBin, location);
    this.#pairs.set(location, { modelJson, weightsBin: files.weightsBin.slice() });
  }

  /** The locations holding a checkpoint, in the order they were first saved. */
  locations(): string[] {
    return [...this.#pairs.keys()];
  }

  #pair(location: string): CheckpointPair {
    checkLocation(location);
    const pair = this.#pairs.get(location);
    if (pair === undefined) throw new CheckpointError(location, 'does not exist (no checkpoint saved there in this page; train first, or check the name)');
    return pair;
  }
}
