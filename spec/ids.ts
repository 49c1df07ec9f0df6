/**
 * Identifiers used on the wire and in the machines.
 *
 * @remarks Identifiers are plain strings and numbers so that messages stay JSON; the
 * validators in `spec/validate.ts` enforce their ranges at the boundary.
 * @packageDocumentation
 */

/** Identifies one job. Every message carries it; a message for another job is rejected. */
export type JobId = string;

/** Identifies one parallel task (Flink's subtask), stable across attempts, e.g. `"map#1"`. */
export type TaskId = string;

/**
 * The attempt number of a task: 0 for the first deployment, +1 on every restart.
 * Messages from an older attempt than the coordinator knows are stale.
 */
export type Attempt = number;

/**
 * A coordinator's leader epoch: a non-negative safe integer, strictly greater for every new
 * leader (the store hands it out); 0 for a coordinator without failover.
 */
export type LeaderEpoch = number;

/** A checkpoint id: a positive safe integer handed out by the id counter, starting at 1. */
export type CheckpointId = number;

/** The sentinel for "no checkpoint" (Flink's `INVALID_CHECKPOINT_ID`). */
export const NO_CHECKPOINT = -1 as const;

/** The largest checkpoint id the protocol accepts: `Number.MAX_SAFE_INTEGER`. */
export const MAX_CHECKPOINT_ID = Number.MAX_SAFE_INTEGER;

/**
 * Whether `value` is a valid checkpoint id: a positive safe integer.
 * @param value - anything.
 */
export function isCheckpointId(value: unknown): value is CheckpointId {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/**
 * Whether `value` is a valid attempt number: a non-negative safe integer.
 * @param value - anything.
 */
export function isAttempt(value: unknown): value is Attempt {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
