/**
 * Which checkpoints a store keeps after an add: the ids the coordinator named as subsumed go,
 * then the store applies the very subsumption rule of the coordinator machine (reference 1.16,
 * `addAndSubsume`) with its own capacity. Works on the small per-checkpoint records a store
 * indexes, without reading the checkpoints' task states.
 * @packageDocumentation
 */
import type { CheckpointId, SnapshotKind } from '../../spec/index.js';
import type { CompletedCheckpoint } from '../../machines/coordinator/index.js';
import { addAndSubsume } from '../../machines/coordinator/index.js';
import { taskStatesOf } from './checkpoint-codec.js';

/** What the subsumption rule needs to know of a retained checkpoint. */
export interface RetentionEntry {
  /** Its id. */
  readonly checkpointId: CheckpointId;
  /** Its kind. */
  readonly snapshot: SnapshotKind;
  /** Whether its state is discarded when subsumed. */
  readonly discardOnSubsume: boolean;
}

/** The outcome of an add. */
export interface Retention<E> {
  /** What stays, oldest first. */
  readonly retained: readonly E[];
  /** What goes, oldest first. */
  readonly removed: readonly E[];
}

const NO_TASKS = taskStatesOf([]);

/**
 * Adds `added` to `entries` (oldest first) and returns what stays and what goes.
 * @param entries - retained entries, oldest first.
 * @param added - the new entry.
 * @param subsumed - ids the coordinator named as subsumed.
 * @param capacity - how many to retain.
 */
export function retain<E extends RetentionEntry>(entries: readonly E[], added: E, subsumed: readonly CheckpointId[], capacity: number): Retention<E> {
  const named = new Set(subsumed);
  const byId = new Map<CheckpointId, E>([...entries, added].map((e) => [e.checkpointId, e]));
  const kept = entries.filter((e) => !named.has(e.checkpointId));
  const asCheckpoint = (e: E): CompletedCheckpoint => ({ ...e, timestamp: 0, completedAt: 0, taskStates: NO_TASKS, hookStates: {} });
  const result = addAndSubsume(kept.map(asCheckpoint), asCheckpoint(added), capacity);
  const retained = result.retained.map((c) => byId.get(c.checkpointId) as E);
  const stays = new Set(retained.map((e) => e.checkpointId));
  return { retained, removed: entries.filter((e) => !stays.has(e.checkpointId)) };
}
