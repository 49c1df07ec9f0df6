/**
 * In-band events that flow with the records through the data channels between tasks.
 * Data channels are ordered per (sender, receiver, channel) pair and lose nothing: asynchronous
 * barrier snapshotting assumes FIFO channels.
 * @packageDocumentation
 */
import type { CheckpointId } from './ids.js';
import type { CheckpointOptions } from './options.js';

/**
 * Marks the snapshot boundary of checkpoint `checkpointId` in one channel.
 * @direction task-to-task
 * @channel data
 * @delivery ordered-exactly-once
 * @idempotencyKey checkpointId
 */
export interface CheckpointBarrier {
  /** The discriminant: `barrier`. */
  readonly type: 'barrier';
  /** The checkpoint. */
  readonly checkpointId: CheckpointId;
  /** The checkpoint's timestamp (for the alignment timeout). */
  readonly timestamp: number;
  /** The checkpoint's options. */
  readonly options: CheckpointOptions;
}

/**
 * Tells downstream to stop aligning for `checkpointId`: the sender declined or aborted it.
 * @direction task-to-task
 * @channel data
 * @delivery ordered-exactly-once
 * @idempotencyKey checkpointId
 */
export interface CancelCheckpointMarker {
  /** The discriminant: `cancelMarker`. */
  readonly type: 'cancelMarker';
  /** The cancelled checkpoint. */
  readonly checkpointId: CheckpointId;
}

/**
 * The channel ended: no more records or barriers will come through it.
 * @direction task-to-task
 * @channel data
 * @delivery ordered-exactly-once
 * @idempotencyKey none
 */
export interface EndOfPartition {
  /** The discriminant: `endOfPartition`. */
  readonly type: 'endOfPartition';
}

/**
 * Announces an aligned barrier ahead of the data queued before it, so a timed-out alignment can
 * treat it as unaligned.
 * @direction task-to-task
 * @channel data
 * @delivery ordered-exactly-once
 * @idempotencyKey barrier.checkpointId
 */
export interface EventAnnouncement {
  /** The discriminant: `announcement`. */
  readonly type: 'announcement';
  /** The announced barrier. */
  readonly barrier: CheckpointBarrier;
  /** Position of the barrier in the channel's queue. */
  readonly sequence: number;
}

/** Every in-band event. */
export type StreamEvent = CheckpointBarrier | CancelCheckpointMarker | EndOfPartition | EventAnnouncement;
