/**
 * What a task's acknowledgement carries: its snapshot's handle and metrics.
 * @packageDocumentation
 */

/**
 * A reference to the state a task snapshotted for one checkpoint. The coordinator never reads
 * the state itself; it keeps the handle in the completed checkpoint, hands it back on restore,
 * and asks for it to be discarded when a checkpoint is aborted or subsumed.
 */
export interface StateHandle {
  /** Where the state lives (a file name, a key in a store); unique per task and checkpoint. */
  readonly key: string;
  /** Size of the state in bytes, for statistics. */
  readonly sizeBytes: number;
  /**
   * The state itself, base64, when it is small enough to travel in the acknowledgement and be
   * kept in the completed checkpoint's metadata instead of a file of its own (Flink's
   * `state.storage.fs.memory-threshold`); absent when the state lives at `key`. Its wire
   * format is base64 of at most 1 MiB.
   */
  readonly inline?: string;
}

/** Per-task figures of one checkpoint (Flink's `CheckpointMetrics`); all durations in milliseconds. */
export interface CheckpointMetrics {
  /** Bytes processed while aligning. */
  readonly bytesProcessedDuringAlignment: number;
  /** How long alignment took. */
  readonly alignmentDurationMs: number;
  /** Synchronous part of the snapshot. */
  readonly syncDurationMs: number;
  /** Asynchronous part of the snapshot. */
  readonly asyncDurationMs: number;
  /** Delay from the checkpoint's timestamp to the start of the task's checkpoint. */
  readonly checkpointStartDelayMs: number;
  /** Bytes persisted for this checkpoint (the increment). */
  readonly bytesPersisted: number;
  /** Whether the task snapshotted unaligned. */
  readonly unaligned: boolean;
}

/** Metrics with every figure zero, for tasks that measured nothing. */
export const EMPTY_METRICS: CheckpointMetrics = Object.freeze({
  bytesProcessedDuringAlignment: 0,
  alignmentDurationMs: 0,
  syncDurationMs: 0,
  asyncDurationMs: 0,
  checkpointStartDelayMs: 0,
  bytesPersisted: 0,
  unaligned: false,
});
