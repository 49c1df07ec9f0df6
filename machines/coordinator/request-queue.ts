/**
 * The trigger-request queue and its priority order (Flink's `CheckpointRequestDecider`).
 * Pure functions over a readonly array kept highest priority first.
 * @packageDocumentation
 */
import { isSavepoint } from '../../spec/index.js';
import type { TriggerRequest } from './types.js';

/**
 * Priority order: savepoints first, then forced, then user (non-periodic) requests, then older
 * first, then submission order. Negative when `a` goes before `b`.
 * @param a - a request.
 * @param b - another request.
 */
export function comparePriority(a: TriggerRequest, b: TriggerRequest): number {
  const sa = isSavepoint(a.snapshot) ? 0 : 1;
  const sb = isSavepoint(b.snapshot) ? 0 : 1;
  if (sa !== sb) return sa - sb;
  if (a.forced !== b.forced) return a.forced ? -1 : 1;
  if (a.periodic !== b.periodic) return a.periodic ? 1 : -1;
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.seq - b.seq;
}

/** The result of submitting a request. */
export interface SubmitResult {
  /** The new queue. */
  readonly queue: readonly TriggerRequest[];
  /** Requests that failed with `TOO_MANY_CHECKPOINT_REQUESTS`: the new one or the evicted one. */
  readonly rejected: readonly TriggerRequest[];
}

/**
 * Submits `request` to a queue bounded at `max`. When the queue is full and its lowest-priority
 * entry is a user request, the new request is rejected; otherwise the new request is inserted and
 * the lowest-priority entry is evicted if the queue overflowed (periodic requests go first).
 * @param queue - the queue, highest priority first.
 * @param request - the new request.
 * @param max - the bound.
 */
export function submit(queue: readonly TriggerRequest[], request: TriggerRequest, max: number): SubmitResult {
  const last = queue[queue.length - 1];
  if (queue.length >= max && last && !last.periodic) return { queue, rejected: [request] };
  let i = queue.length;
  while (i > 0 && comparePriority(request, queue[i - 1] as TriggerRequest) < 0) i--;
  const next = [...queue.slice(0, i), request, ...queue.slice(i)];
  if (next.length <= max) return { queue: next, rejected: [] };
  const evicted = next.pop() as TriggerRequest;
  return { queue: next, rejected: [evicted] };
}

/** What the decider says to do with the head of the queue. */
export type Decision =
  | { readonly kind: 'wait' }
  | { readonly kind: 'execute'; readonly request: TriggerRequest }
  | { readonly kind: 'tooEarly'; readonly request: TriggerRequest; readonly remainingMs: number };

/**
 * Decides whether the head of the queue runs now (reference 1.4). Call only when no trigger is in
 * flight.
 * @param queue - the queue, highest priority first.
 * @param pendingCount - pending checkpoints now.
 * @param maxConcurrent - the configured maximum.
 * @param lastCompletionAt - when the last checkpoint completed, or null.
 * @param minPause - the configured minimum pause.
 * @param now - the clock.
 */
export function decide(
  queue: readonly TriggerRequest[],
  pendingCount: number,
  maxConcurrent: number,
  lastCompletionAt: number | null,
  minPause: number,
  now: number,
): Decision {
  const head = queue[0];
  if (!head) return { kind: 'wait' };
  if (pendingCount >= maxConcurrent && !head.forced) return { kind: 'wait' };
  if (head.periodic && !head.forced && lastCompletionAt !== null) {
    const remainingMs = lastCompletionAt + minPause - now;
    if (remainingMs > 0) return { kind: 'tooEarly', request: head, remainingMs };
  }
  return { kind: 'execute', request: head };
}
