/**
 * What a trigger asks a task to snapshot, and how it aligns barriers (Flink's `CheckpointOptions`).
 * @packageDocumentation
 */

/**
 * The kind of snapshot.
 * - `checkpoint`: a regular (possibly incremental) checkpoint.
 * - `full`: a full checkpoint (forced after a NO_CLAIM restore, or asked for).
 * - `savepoint`: a user savepoint; not stored, not subsuming, no completion notice.
 * - `sync-savepoint`: stop-with-savepoint; tasks stop after it completes.
 */
export type SnapshotKind = 'checkpoint' | 'full' | 'savepoint' | 'sync-savepoint';

/** For a `sync-savepoint`: `suspend` stops without draining, `terminate` drains (end of event time). */
export type SyncSavepointMode = 'suspend' | 'terminate';

/**
 * How tasks with several inputs align barriers.
 * - `aligned`: block each channel at its barrier until all open channels delivered it.
 * - `unaligned`: snapshot at the first barrier; capture in-flight data until the last.
 * - `forced-aligned`: unaligned was requested but a pointwise edge forces alignment.
 * - `at-least-once`: never block; count barriers per id.
 */
export type AlignmentKind = 'aligned' | 'unaligned' | 'forced-aligned' | 'at-least-once';

/** The options sent with every trigger and carried by every barrier. */
export interface CheckpointOptions {
  /** What to snapshot. */
  readonly snapshot: SnapshotKind;
  /** Only for `sync-savepoint`: suspend or terminate (drain). */
  readonly syncMode?: SyncSavepointMode;
  /** How to align barriers. Savepoints are always `aligned`. */
  readonly alignment: AlignmentKind;
  /**
   * Aligned-checkpoint timeout in milliseconds: when the alignment of an `aligned` checkpoint
   * with unaligned checkpoints enabled takes longer, the task switches to unaligned. 0 = off.
   */
  readonly alignedCheckpointTimeoutMs: number;
}

/**
 * Whether a snapshot kind is a savepoint (either variant). Savepoints are never subsumed.
 * @param kind - the snapshot kind.
 */
export function isSavepoint(kind: SnapshotKind): boolean {
  return kind === 'savepoint' || kind === 'sync-savepoint';
}
