/**
 * A small seeded pseudo-random generator (mulberry32) and a stateless 32-bit hash: the job's one
 * source of randomness, so a run replays exactly from its seed.
 * @packageDocumentation
 */

/**
 * Mixes 32-bit words into one well-distributed 32-bit word (murmur3's finalizer over a running
 * combination): the same inputs give the same output, on every machine.
 * @param words - integers; only their low 32 bits count.
 */
export function hash32(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    h = Math.imul(h ^ (w >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A seeded stream of uniform numbers in [0, 1) (mulberry32). */
export class Random {
  private state: number;

  /**
   * Starts a stream.
   * @param seed - the seed; equal seeds give equal streams.
   */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next number in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * A uniform integer in [0, n).
   * @param n - the bound, at least 1.
   */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /**
   * True with probability `p` (never for p <= 0).
   * @param p - the probability.
   */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /**
   * An independent stream for one purpose, so adding draws in one place never shifts another.
   * @param label - a small integer naming the purpose.
   */
  fork(label: number): Random {
    return new Random(hash32(this.state, label));
  }
}
