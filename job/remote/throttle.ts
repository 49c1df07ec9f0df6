/**
 * A token bucket for a source's read rate (`--rate`): a source reads at most `rate` records per
 * second on average, with bursts of a tenth of a second. Zero means no limit.
 * @packageDocumentation
 */

/** Limits reads to a rate. */
export class Throttle {
  private tokens = 0;
  private last: number;

  /**
   * @param rate - records per second (0: unlimited).
   * @param now - the clock, ms.
   */
  constructor(
    private readonly rate: number,
    private readonly now: () => number,
  ) {
    this.last = now();
  }

  /**
   * How many records may be read now, at most `want`; the caller reads them and reports with
   * {@link Throttle.took}.
   * @param want - the most the caller would read.
   */
  allowance(want: number): number {
    if (this.rate === 0) return want;
    const t = this.now();
    this.tokens = Math.min(this.rate / 10, this.tokens + ((t - this.last) * this.rate) / 1000);
    this.last = t;
    return Math.min(want, Math.floor(this.tokens));
  }

  /**
   * Records read.
   * @param n - how many.
   */
  took(n: number): void {
    if (this.rate > 0) this.tokens -= n;
  }
}
