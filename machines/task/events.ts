/**
 * Everything the task machine reacts to. Every event carries `now` (milliseconds of the task's
 * clock): the machine never reads a clock.
 * @packageDocumentation
 */
import type { CheckpointId } from '../../spec/ids.js';
import type { NotifyCheckpointAborted, NotifyCheckpointComplete, TriggerCheckpoint } from '../../spec/messages.js';
import type { StateHandle } from '../../spec/state-handle.js';
import type { CancelCheckpointMarker, CheckpointBarrier, EventAnnouncement, StreamEvent } from '../../spec/stream-events.js';

/** The time an event happened, in milliseconds of the task's clock. */
export interface Timed {
  /** When, in milliseconds. */
  readonly now: number;
}

/** A coordinator message (exactly as on the wire) stamped with the time it was received. */
export type TaskControlEvent =
  | (TriggerCheckpoint & Timed)
  | (NotifyCheckpointComplete & Timed)
  | (NotifyCheckpointAborted & Timed);

/** A barrier arrived on input channel `channel`. */
export interface BarrierEvent extends Timed {
  /** The discriminant: `stream.barrier`. */
  readonly type: 'stream.barrier';
  /** The input channel, from 0. */
  readonly channel: number;
  /** The barrier. */
  readonly barrier: CheckpointBarrier;
}

/** A cancel marker arrived on input channel `channel`. */
export interface CancelMarkerEvent extends Timed {
  /** The discriminant: `stream.cancelMarker`. */
  readonly type: 'stream.cancelMarker';
  /** The input channel, from 0. */
  readonly channel: number;
  /** The marker. */
  readonly marker: CancelCheckpointMarker;
}

/** Input channel `channel` ended. */
export interface EndOfPartitionEvent extends Timed {
  /** The discriminant: `stream.endOfPartition`. */
  readonly type: 'stream.endOfPartition';
  /** The input channel, from 0. */
  readonly channel: number;
}

/** A barrier announcement arrived on input channel `channel` (ignored by the protocol model). */
export interface AnnouncementEvent extends Timed {
  /** The discriminant: `stream.announcement`. */
  readonly type: 'stream.announcement';
  /** The input channel, from 0. */
  readonly channel: number;
  /** The announcement. */
  readonly announcement: EventAnnouncement;
}

/** An in-band event on one input channel. */
export type TaskStreamEvent = BarrierEvent | CancelMarkerEvent | EndOfPartitionEvent | AnnouncementEvent;

/** One in-band event of a {@link StreamBatchEvent}: what arrived, and on which channel. */
export interface StreamBatchItem {
  /** The input channel, from 0. */
  readonly channel: number;
  /** The event as it travelled. */
  readonly event: StreamEvent;
}

/**
 * Several in-band events at once, all received at `now`; behaves exactly as the same events one
 * by one, in order (`streamEvent(channel, event, now)` each): same final snapshot, same commands
 * in the same order. Where one by one the environment would answer a command before the next
 * event (a snapshot started) the machine applies the events up to there and hands the rest back
 * with a `continueBatch` command, to be delivered after the replies of that step; an event that
 * makes the input side leave its handler (the last open channel ends) is taken by the statechart
 * itself, the rest handed back the same way.
 *
 * The contract of the environment: a batch holds at most one event per channel (a runtime takes
 * the heads of its channel queues), so the blocking commands of a batch are carried out before
 * that channel delivers again. A batch with a channel twice is rejected (`invalid-request`) and
 * changes nothing.
 */
export interface StreamBatchEvent extends Timed {
  /** The discriminant: `stream.batch`. */
  readonly type: 'stream.batch';
  /** The events, in arrival order, each on a distinct channel. */
  readonly events: readonly StreamBatchItem[];
}

/**
 * The synchronous part of a snapshot failed (the only answer to `snapshotSync`, which otherwise
 * completes within the step that emitted it): the task fails.
 */
export interface SyncFailedEvent extends Timed {
  /** The discriminant: `snapshot.syncFailed`. */
  readonly type: 'snapshot.syncFailed';
  /** The checkpoint. */
  readonly checkpointId: CheckpointId;
  /** What went wrong. */
  readonly message: string;
}

/** The asynchronous part of a snapshot ended: the task acknowledges. */
export interface AsyncCompletedEvent extends Timed {
  /** The discriminant: `snapshot.asyncCompleted`. */
  readonly type: 'snapshot.asyncCompleted';
  /** The checkpoint. */
  readonly checkpointId: CheckpointId;
  /** The snapshot's handle, or null for a stateless task. */
  readonly state: StateHandle | null;
  /** How long the synchronous part took, measured by the runtime (default 0). */
  readonly syncDurationMs?: number;
}

/** The asynchronous part of a snapshot failed: the task declines with `CHECKPOINT_ASYNC_EXCEPTION`. */
export interface AsyncFailedEvent extends Timed {
  /** The discriminant: `snapshot.asyncFailed`. */
  readonly type: 'snapshot.asyncFailed';
  /** The checkpoint. */
  readonly checkpointId: CheckpointId;
  /** What went wrong. */
  readonly message: string;
}

/** Answers of the snapshot port. */
export type TaskSnapshotEvent = SyncFailedEvent | AsyncCompletedEvent | AsyncFailedEvent;

/** A timer the machine started fired (stale firings are ignored). */
export interface TimerFiredEvent extends Timed {
  /** The discriminant: `timer.fired`. */
  readonly type: 'timer.fired';
  /** The timer, as given in `startTimer`. */
  readonly timer: string;
}

/** Lifecycle events sent by the runtime. */
export type TaskLifecycleEvent =
  | ({ readonly type: 'task.start' } & Timed)
  | ({ readonly type: 'task.initialized' } & Timed)
  | ({ readonly type: 'task.endOfInput' } & Timed)
  | ({ readonly type: 'task.fail'; readonly message: string } & Timed)
  | ({ readonly type: 'task.cancel' } & Timed);

/** Every event of the task machine. */
export type TaskEvent = TaskControlEvent | TaskStreamEvent | StreamBatchEvent | TaskSnapshotEvent | TimerFiredEvent | TaskLifecycleEvent;

/** The `type` of every task event. */
export type TaskEventType = TaskEvent['type'];

/**
 * The machine event for an in-band event received on `channel`.
 * @param channel - the input channel.
 * @param event - the event as it travelled.
 * @param now - the receive time.
 */
export function streamEvent(channel: number, event: StreamEvent, now: number): TaskStreamEvent {
  switch (event.type) {
    case 'barrier':
      return { type: 'stream.barrier', channel, barrier: event, now };
    case 'cancelMarker':
      return { type: 'stream.cancelMarker', channel, marker: event, now };
    case 'endOfPartition':
      return { type: 'stream.endOfPartition', channel, now };
    case 'announcement':
      return { type: 'stream.announcement', channel, announcement: event, now };
  }
}
