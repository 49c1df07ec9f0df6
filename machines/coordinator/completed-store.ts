/**
 * The subsumption rule of the completed-checkpoint store (reference 1.16), as a pure function. The
 * machine keeps the store's index in its context and tells the store port what to add and drop.
 * @packageDocumentation
 */
import type { CheckpointId } from '../../spec/index.js';
import { isSavepoint } from '../../spec/index.js';
import type { CompletedCheckpoint } from './types.js';

/** The result of adding a checkpoint. */
export interface AddResult {
  /** The retained checkpoints, oldest first. */
  readonly retained: readonly CompletedCheckpoint[];
  /** The checkpoints removed, oldest first. */
  readonly subsumed: readonly CompletedCheckpoint[];
}

/**
 * Appends `checkpoint` and removes the oldest entries while more than `capacity` remain, never
 * removing the newest entry, nor the newest non-savepoint entry unless the newest is a sync
 * savepoint; savepoint entries may always go.
 * @param store - retained checkpoints, oldest first.
 * @param checkpoint - the new checkpoint.
 * @param capacity - how many to retain (at least 1).
 */
export function addAndSubsume(store: readonly CompletedCheckpoint[], checkpoint: CompletedCheckpoint, capacity: number): AddResult {
  const all = [...store, checkpoint];
  const subsumed: CompletedCheckpoint[] = [];
  const newestIsSync = checkpoint.snapshot === 'sync-savepoint';
  let i = 0;
  while (all.length - subsumed.length > capacity && i < all.length - 1) {
    const candidate = all[i] as CompletedCheckpoint;
    if (newestIsSync || isSavepoint(candidate.snapshot) || !isNewestCheckpoint(all, i)) subsumed.push(candidate);
    i++;
  }
  const gone = new Set<CheckpointId>(subsumed.map((c) => c.checkpointId));
  return { retained: all.filter((c) => !gone.has(c.checkpointId)), subsumed };
}

/** Whether entry `i` is the newest non-savepoint entry of `all`. */
function isNewestCheckpoint(all: readonly CompletedCheckpoint[], i: number): boolean {
  for (let j = all.length - 1; j >= 0; j--) {
    if (!isSavepoint((all[j] as CompletedCheckpoint).snapshot)) return j === i;
  }
  return false;
}

/**
 * The id to announce as "last subsumed" in completion notices: the newest subsumed checkpoint
 * whose state is discarded on subsumption, or -1.
 * @param subsumed - what the add removed, oldest first.
 */
export function lastSubsumedId(subsumed: readonly CompletedCheckpoint[]): number {
  const last = subsumed[subsumed.length - 1];
  return last && last.discardOnSubsume ? last.checkpointId : -1;
}
