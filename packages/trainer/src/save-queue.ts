// Checkpoint saves run behind the training: each epoch's snapshot is written and synced while the next
// epoch trains (the file system work runs on libuv's threads, so on the other core), one save at a time.

/**
 * A queue of writes run one after another in the background. The first failure stops the queue (later
 * writes are skipped) and is thrown by the next `enqueue` or by `flush`, so a failed save still ends the
 * run, at the next epoch boundary.
 * @example const saves = new SaveQueue(); saves.enqueue(() => saveCheckpoint(dir, snapshot)); await saves.flush();
 */
export class SaveQueue {
  private pending: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  /** Runs `write` after every write queued before it; throws an earlier write's failure instead. */
  enqueue(write: () => Promise<void>): void {
    this.throwFailure();
    this.pending = this.pending
      .then(() => (this.failure ? undefined : write()))
      .catch((error: unknown) => {
        this.failure ??= { error };
      });
  }

  /** Waits for every queued write; throws the first failure. */
  async flush(): Promise<void> {
    await this.pending;
    this.throwFailure();
  }

  /** Waits for every queued write without throwing (for cleanup after another error). */
  async settle(): Promise<void> {
    await this.pending;
  }

  private throwFailure(): void {
    if (this.failure) throw this.failure.error;
  }
}
