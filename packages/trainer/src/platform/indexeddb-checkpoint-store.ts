// Checkpoints kept in the browser's IndexedDB (tfjs's `indexeddb://` models, for checkpoints): the same
// model.json + weights.bin bytes Node writes, surviving a reload, and a run lock across tabs and workers.
import { CheckpointError, type Checkpoint } from '@mnist/core';

import { checkLocation, decodeCheckpointPair, encodeCheckpointPair, type CheckpointPair } from './checkpoint-pair.js';
import type { CheckpointFiles } from './memory-checkpoint-store.js';
import type { CheckpointStore } from './platform.js';

// The few IndexedDB and Web Locks members used, declared here: the trainer builds without the DOM lib.
interface IdbRequest<T> {
  readonly result: T;
  readonly error: { message: string } | null;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
  onblocked: (() => void) | null;
}
interface IdbObjectStore {
  get(key: string): IdbRequest<unknown>;
  put(value: unknown, key: string): IdbRequest<unknown>;
  getAllKeys(): IdbRequest<unknown[]>;
}
interface IdbTransaction {
  objectStore(name: string): IdbObjectStore;
  readonly error: { message: string } | null;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}
interface IdbDatabase {
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(store: string, mode: 'readonly' | 'readwrite'): IdbTransaction;
  onversionchange: (() => void) | null;
  close(): void;
}
/** The part of `indexedDB` (an IDBFactory) the store uses. */
export interface IdbFactoryLike {
  open(name: string, version: number): IdbOpenRequest;
}
interface LockManagerLike {
  request(name: string, options: { mode: 'exclusive'; ifAvailable: true }, callback: (lock: unknown) => Promise<void>): Promise<void>;
}

/** Options of `IndexedDbCheckpointStore`. */
export interface IndexedDbCheckpointStoreOptions {
  /** The database's name, default `mnist-trainer-checkpoints`. */
  database?: string;
  /** The IndexedDB to use, default globalThis.indexedDB. */
  indexedDB?: IdbFactoryLike;
}

const OBJECT_STORE = 'checkpoints';
// Run locks where the page has no Web Locks API: held within this page only.
const pageLocks = new Set<string>();

/**
 * A CheckpointStore over one IndexedDB object store (key: the location; value: model.json's text and
 * weights.bin's bytes, written in one transaction, so a reader sees the old pair or the new one). The run
 * lock is a Web Lock, so two tabs or workers of a site cannot train into one location.
 * @example
 * const checkpoints = new IndexedDbCheckpointStore();
 * configureBrowserTrainer({ datasetUrl, checkpoints });
 * await train({ out: 'runs/a', resume: await checkpoints.holds('runs/a') });
 */
export class IndexedDbCheckpointStore implements CheckpointStore {
  readonly #database: string;
  readonly #factory: IdbFactoryLike | undefined;
  #db: Promise<IdbDatabase> | undefined;

  constructor(options: IndexedDbCheckpointStoreOptions = {}) {
    this.#database = options.database ?? 'mnist-trainer-checkpoints';
    this.#factory = options.indexedDB ?? (globalThis as { indexedDB?: IdbFactoryLike }).indexedDB;
  }

  async holds(location: string): Promise<boolean> {
    checkLocation(location);
    return (await this.#get(location)) !== undefined;
  }

  async load(location: string): Promise<Checkpoint> {
    const pair = await this.#pair(location);
    return decodeCheckpointPair(location, pair.modelJson, pair.weightsBin);
  }

  async save(location: string, checkpoint: Checkpoint): Promise<void> {
    checkLocation(location);
    const pair = await encodeCheckpointPair(checkpoint);
    const tx = (await this.#open()).transaction(OBJECT_STORE, 'readwrite');
    tx.objectStore(OBJECT_STORE).put({ modelJson: pair.modelJson, weightsBin: pair.weightsBin }, location);
    await done(tx, `${this.#database}/${location}: could not be saved`);
  }

  async lock(location: string): Promise<() => Promise<void>> {
    checkLocation(location);
    const name = `${this.#database}/${location}`;
    const busy = () => new Error(`${location} is being trained by another run (in this or another tab or worker of this site); wait for it to finish or choose another out`);
    const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
    if (locks === undefined) {
      if (pageLocks.has(name)) throw busy();
      pageLocks.add(name);
      return async () => void pageLocks.delete(name);
    }
    return new Promise((resolve, reject) => {
      let release: () => void = () => undefined;
      const held = new Promise<void>((r) => (release = r));
      // The lock is held while the callback's promise is pending: until the returned release is called.
      const request = locks.request(name, { mode: 'exclusive', ifAvailable: true }, async (lock) => {
        if (lock === null) return reject(busy());
        resolve(async () => {
          release();
          await request;
        });
        await held;
      });
      request.catch(reject);
    });
  }

  /**
   * The checkpoint at `location` as the two files Node would have written, for a download.
   * @example const { modelJson, weightsBin } = await store.files('runs/a');
   */
  async files(location: string): Promise<CheckpointFiles> {
    const pair = await this.#pair(location);
    return { modelJson: new TextEncoder().encode(pair.modelJson), weightsBin: pair.weightsBin };
  }

  /** The locations holding a checkpoint, sorted. */
  async locations(): Promise<string[]> {
    const tx = (await this.#open()).transaction(OBJECT_STORE, 'readonly');
    const keys = await result(tx.objectStore(OBJECT_STORE).getAllKeys(), `${this.#database}: could not be listed`);
    return keys.map(String);
  }

  async #pair(location: string): Promise<CheckpointPair> {
    checkLocation(location);
    const value = await this.#get(location);
    if (value === undefined) throw new CheckpointError(location, `does not exist (no checkpoint saved there in this site's IndexedDB ${this.#database}; train first, or check the name)`);
    const { modelJson, weightsBin } = (value ?? {}) as Partial<CheckpointPair>;
    if (typeof modelJson !== 'string' || !(weightsBin instanceof Uint8Array)) {
      throw new CheckpointError(location, `is not a checkpoint (its IndexedDB entry in ${this.#database} lacks model.json's text or weights.bin's bytes)`);
    }
    return { modelJson, weightsBin };
  }

  async #get(location: string): Promise<unknown> {
    const tx = (await this.#open()).transaction(OBJECT_STORE, 'readonly');
    return result(tx.objectStore(OBJECT_STORE).get(location), `${this.#database}/${location}: could not be read`);
  }

  #open(): Promise<IdbDatabase> {
    const factory = this.#factory;
    if (factory === undefined) return Promise.reject(new Error('IndexedDbCheckpointStore: this runtime has no indexedDB (pass options.indexedDB, or use MemoryCheckpointStore)'));
    this.#db ??= new Promise<IdbDatabase>((resolve, reject) => {
      const request = factory.open(this.#database, 1);
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(OBJECT_STORE)) request.result.createObjectStore(OBJECT_STORE);
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab upgrading the database: let it, and open again on next use.
        db.onversionchange = () => {
          db.close();
          this.#db = undefined;
        };
        resolve(db);
      };
      request.onerror = () => reject(new Error(`${this.#database}: IndexedDB could not be opened (${request.error?.message ?? 'unknown error'})`));
      request.onblocked = () => reject(new Error(`${this.#database}: IndexedDB is blocked by another tab holding an older version; close it and retry`));
    }).catch((e: unknown) => {
      this.#db = undefined;
      throw e;
    });
    return this.#db;
  }
}

function result<T>(request: IdbRequest<T>, failure: string): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new Error(`${failure} (${request.error?.message ?? 'unknown error'})`));
  });
}

function done(tx: IdbTransaction, failure: string): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    const fail = () => reject(new Error(`${failure} (${tx.error?.message ?? 'transaction aborted'})`));
    tx.onerror = fail;
    tx.onabort = fail;
  });
}
