// Name -> initializer registries resolved by priority, in the style of ONNX Runtime's backend
// registry: every candidate is tried in order and each refusal is kept, so the caller can say what
// was picked and why the others were not.
import { oneLine } from '@mnist/core';

/** One registered candidate (an engine, a tfjs backend, ...). */
export interface RegistryEntry<T, A = void> {
  name: string;
  /** Higher is tried first. */
  priority: number;
  /** Loads the candidate; throws (or rejects) with the reason when it cannot run here. */
  init: (arg: A) => Promise<T>;
}

/** A candidate that was tried and refused, with the reason. */
export interface Refusal {
  name: string;
  reason: string;
}

/** What `resolve` picked, what it refused on the way, and a one-line account of both. */
export interface Resolution<T> {
  name: string;
  value: T;
  refused: Refusal[];
  /** e.g. `backend wasm (tensorflow refused: Cannot find package '@tensorflow/tfjs-node')`. */
  message: string;
}

/** Thrown when no candidate (or not the requested one) could be initialized. */
export class ResolutionError extends Error {
  constructor(
    message: string,
    readonly refused: Refusal[],
  ) {
    super(message);
    this.name = 'ResolutionError';
  }
}

/**
 * A set of named candidates resolved by priority.
 * @example
 * const backends = new PriorityRegistry<string>('backend');
 * backends.register({ name: 'cpu', priority: 1, init: async () => 'cpu' });
 * const { name, message } = await backends.resolve('auto'); // name === 'cpu'
 */
export class PriorityRegistry<T, A = void> {
  private readonly entries = new Map<string, RegistryEntry<T, A>>();

  /** @param kind what the candidates are, for messages ("engine", "backend"). */
  constructor(readonly kind: string) {}

  /** Adds or replaces a candidate. */
  register(entry: RegistryEntry<T, A>): void {
    if (typeof entry.name !== 'string' || entry.name === '' || entry.name === 'auto') {
      throw new TypeError(`${this.kind} name must be a non-empty string other than "auto", got ${JSON.stringify(entry.name)}`);
    }
    if (!Number.isFinite(entry.priority)) throw new RangeError(`priority must be a finite number, got ${entry.priority}`);
    this.entries.set(entry.name, entry);
  }

  /** Registered names, highest priority first. */
  names(): string[] {
    return this.ordered().map((e) => e.name);
  }

  /**
   * Initializes `requested` (and nothing else), or with `undefined`/`'auto'` the first candidate in
   * priority order that initializes, passing `arg` to `init`. Throws RangeError for an unknown name
   * and ResolutionError naming every refusal when nothing initializes.
   */
  async resolve(requested: string | undefined, arg: A): Promise<Resolution<T>> {
    const forced = requested !== undefined && requested !== 'auto';
    if (forced && !this.entries.has(requested)) {
      throw new RangeError(`unknown ${this.kind} "${requested}"; choose one of: auto, ${this.names().join(', ')}`);
    }
    const candidates = forced ? [this.entries.get(requested)!] : this.ordered();
    const refused: Refusal[] = [];
    for (const entry of candidates) {
      try {
        const value = await entry.init(arg);
        const why = refused.length ? ` (${refused.map((r) => `${r.name} refused: ${r.reason}`).join('; ')})` : forced ? ' (requested)' : '';
        return { name: entry.name, value, refused, message: `${this.kind} ${entry.name}${why}` };
      } catch (e) {
        refused.push({ name: entry.name, reason: refusalReason(e) });
      }
    }
    const detail = refused.map((r) => `${r.name}: ${r.reason}`).join('; ');
    throw new ResolutionError(
      forced ? `${this.kind} ${requested} cannot run here: ${detail}` : `no ${this.kind} could be loaded (${detail})`,
      refused,
    );
  }

  private ordered(): RegistryEntry<T, A>[] {
    // Stable: equal priorities keep registration order.
    return [...this.entries.values()].sort((a, b) => b.priority - a.priority);
  }
}

// The first line of the error's message, so one refusal stays one clause of a one-line message: a
// native addon that fails to load lists its require stack on the lines after.
function refusalReason(e: unknown): string {
  return oneLine(e, { firstLine: true }) || 'unknown error';
}
