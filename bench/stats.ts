/**
 * Small helpers shared by the benchmarks: medians and timing.
 * @packageDocumentation
 */

/**
 * The median of some numbers (the mean of the two middle ones for an even count).
 * @param values - the samples.
 */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Runs `fn` and returns how long it took, in seconds.
 * @param fn - the work.
 */
export async function seconds(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Forces a garbage collection when node runs with `--expose-gc`. */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
