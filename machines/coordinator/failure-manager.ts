/**
 * The failure manager (Flink's `CheckpointFailureManager`, reference 1.10): counts consecutive
 * counted failures, at most once per checkpoint id, and fails the job when the count exceeds the
 * tolerance. Pure.
 * @packageDocumentation
 */
import type { CheckpointFailureReason, SnapshotKind } from '../../spec/index.js';
import { isCountedFailure, isPreFlightFailure } from '../../spec/index.js';
import type { FailureCounter } from './types.js';

/** The failure manager before any failure. */
export const INITIAL_FAILURE_COUNTER: FailureCounter = Object.freeze({ counter: 0, countedIds: Object.freeze([]), lastSucceeded: 0 });

/** One failure as the failure manager sees it. */
export interface FailureReport {
  /** The checkpoint, or -1 when no id was allocated. */
  readonly checkpointId: number;
  /** Why it failed. */
  readonly reason: CheckpointFailureReason;
  /** The kind of snapshot that failed. */
  readonly snapshot: SnapshotKind;
  /** Whether a task reported it (a decline from an attempt) rather than the coordinator. */
  readonly taskLevel: boolean;
}

/** What the failure manager decided. */
export interface FailureDecision {
  /** The new state. */
  readonly state: FailureCounter;
  /** Whether the failure was counted. */
  readonly counted: boolean;
  /** Whether the job must fail. */
  readonly failJob: boolean;
}

/**
 * Handles one failure.
 * @param state - the failure manager's state.
 * @param failure - the failure.
 * @param tolerable - the configured tolerance (`Infinity`: never count).
 */
export function handleFailure(state: FailureCounter, failure: FailureReport, tolerable: number): FailureDecision {
  const jobLevel = !failure.taskLevel || isPreFlightFailure(failure.reason);
  const savepoint = failure.snapshot === 'savepoint' || failure.snapshot === 'sync-savepoint';
  if (savepoint) {
    // JobManager-side savepoint failures never count; a task failing a stop-with-savepoint fails the job.
    return { state, counted: false, failJob: !jobLevel && failure.snapshot === 'sync-savepoint' };
  }
  if (tolerable === Infinity || !isCountedFailure(failure.reason)) return { state, counted: false, failJob: false };
  const id = failure.checkpointId;
  if (id !== -1 && (id <= state.lastSucceeded || state.countedIds.includes(id))) return { state, counted: false, failJob: false };
  const counter = state.counter + 1;
  if (counter > tolerable) {
    return { state: { ...state, counter: 0, countedIds: [] }, counted: true, failJob: true };
  }
  return { state: { ...state, counter, countedIds: id === -1 ? state.countedIds : [...state.countedIds, id] }, counted: true, failJob: false };
}

/**
 * Handles a completion: a newer success resets the counter.
 * @param state - the failure manager's state.
 * @param checkpointId - the completed checkpoint.
 */
export function handleSuccess(state: FailureCounter, checkpointId: number): FailureCounter {
  if (checkpointId <= state.lastSucceeded) return state;
  return { counter: 0, countedIds: [], lastSucceeded: checkpointId };
}
