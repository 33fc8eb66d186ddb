// A small seeded PRNG (xoshiro128**) so shuffles and initial weights are reproducible across runs,
// engines and machines, and a seed-derivation function so each epoch's stream is a pure function of
// (seed, epoch): a resumed run draws exactly the batches an uninterrupted run would.

/**
 * Mixes a run seed with stream numbers (epoch, purpose, ...) into an independent 32-bit seed.
 * @example const epochSeed = deriveSeed(42, epoch); // same (42, epoch) -> same seed, on any machine
 */
export function deriveSeed(seed: number, ...stream: number[]): number {
  checkSeed(seed, 'seed');
  let h = fmix32((seed >>> 0) ^ 0x9e3779b9);
  for (const [i, s] of stream.entries()) {
    checkSeed(s, `stream[${i}]`);
    // Each component goes through the finalizer with the running hash, so (1, 2) and (2, 1) differ.
    h = fmix32(Math.imul(h ^ (s >>> 0), 0x85ebca6b) + 0x6b43a9b5 + i);
  }
  return h >>> 0;
}

/**
 * A deterministic pseudo-random generator (xoshiro128**, seeded through splitmix32).
 * @example const rng = new Rng(42); const order = rng.permutation(10);
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number) {
    checkSeed(seed, 'seed');
    // splitmix32 spreads one 32-bit seed over the 128-bit state, never all zeros.
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      return fmix32(x);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float uniformly distributed in [0, 1), with 32 bits of randomness. */
  float(): number {
    return this.uint32() / 0x100000000;
  }

  /**
   * An integer uniformly distributed in [0, bound), without modulo bias (rejection sampling).
   * @example rng.int(6) + 1 // a die
   */
  int(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > 0x100000000) {
      throw new RangeError(`bound must be an integer in [1, 2^32], got ${bound}`);
    }
    // Reject draws from the incomplete last block of size `bound` so every residue is equally likely.
    const limit = 0x100000000 - (0x100000000 % bound);
    let r: number;
    do r = this.uint32();
    while (r >= limit);
    return r % bound;
  }

  /**
   * A uniformly random permutation of 0..n-1 (Fisher-Yates), like numpy's `permutation(n)`.
   * @example new Rng(1).permutation(5) // e.g. Int32Array [3, 0, 4, 1, 2]
   */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }
}

function checkSeed(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${name} must be an integer in [0, 2^32 - 1], got ${value}`);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

// MurmurHash3's 32-bit finalizer: every input bit affects every output bit.
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
