/**
 * Retries with exponential backoff and full jitter (AWS architecture blog's "full jitter": a
 * uniform delay in [0, min(cap, base * 2^attempt)]), bounded by a total time budget.
 * @packageDocumentation
 */
import { ConfigError } from '../../spec/errors.js';
import { isRetryable, TransportError } from './errors.js';

/** How a sender retries. */
export interface RetryPolicy {
  /** The first backoff bound, in ms (default 5). */
  readonly baseMs: number;
  /** The largest backoff bound, in ms (default 1,000). */
  readonly maxMs: number;
  /** Give up once this much time passed since the first try, in ms (default 30,000). */
  readonly budgetMs: number;
}

/** The default policy: 5 ms doubling up to 1 s, for at most 30 s. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ baseMs: 5, maxMs: 1_000, budgetMs: 30_000 });

/**
 * A complete policy from a partial one, checked.
 * @param policy - the options given.
 * @param option - the option's name in errors (e.g. `retry`).
 * @throws ConfigError naming `<option>.<field>` for a negative or non-finite value, or a cap below the base.
 */
export function resolveRetry(policy: Partial<RetryPolicy> | undefined, option = 'retry'): RetryPolicy {
  const p = { ...DEFAULT_RETRY, ...policy };
  for (const k of ['baseMs', 'maxMs', 'budgetMs'] as const) {
    if (typeof p[k] !== 'number' || !Number.isFinite(p[k]) || p[k] < 0) throw new ConfigError(`${option}.${k}`, `must be a finite number >= 0, got ${String(p[k])}`);
  }
  if (p.maxMs < p.baseMs) throw new ConfigError(`${option}.maxMs`, `must be at least baseMs (${p.baseMs}), got ${p.maxMs}`);
  return p;
}

/**
 * The delay before retry number `attempt` (0 for the first retry): uniform in
 * `[0, min(maxMs, baseMs * 2^attempt)]`.
 * @param attempt - how many retries came before.
 * @param policy - the policy.
 * @param random - uniform in [0, 1).
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const bound = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * (bound + 1));
}

/** What {@link withRetry} reports while it works. */
export interface RetryHooks {
  /** A try failed and will be retried. */
  readonly onFailure?: (error: unknown, attempt: number) => void;
  /** A try succeeded (after `retries` failed ones). */
  readonly onSuccess?: (retries: number) => void;
  /** Stops retrying early (e.g. the transport closed): the last error is thrown. */
  readonly stopped?: () => boolean;
  /** The clock, in ms (default `Date.now`). */
  readonly now?: () => number;
  /** Uniform random numbers in [0, 1) for the jitter (default `Math.random`). */
  readonly random?: () => number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` until it succeeds, retrying errors that {@link isRetryable} accepts with backoff
 * while the budget lasts.
 * @param work - one try.
 * @param policy - the backoff and budget.
 * @param hooks - progress reports, the clock and the randomness.
 * @throws the non-retryable error at once; a `TransportError('unavailable')` once the budget is spent.
 */
export async function withRetry<T>(work: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const now = hooks.now ?? Date.now;
  const start = now();
  for (let attempt = 0; ; attempt++) {
    try {
      const value = await work();
      hooks.onSuccess?.(attempt);
      return value;
    } catch (e) {
      if (!isRetryable(e) || hooks.stopped?.()) throw e;
      hooks.onFailure?.(e, attempt);
      const delay = backoffDelay(attempt, policy, hooks.random);
      if (now() + delay - start > policy.budgetMs) {
        throw new TransportError('unavailable', `gave up after ${attempt + 1} tries in ${now() - start} ms: ${e instanceof Error ? e.message : String(e)}`);
      }
      await sleep(delay);
    }
  }
}
