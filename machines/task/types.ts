/**
 * The task machine's input, configuration and context: plain data only, so that every snapshot
 * serializes canonically ({@link PersistentMap} serializes sorted).
 * @packageDocumentation
 */
import type { Attempt, CheckpointId, JobId, TaskId } from '../../spec/ids.js';
import type { CheckpointOptions } from '../../spec/options.js';
import type { StateHandle } from '../../spec/state-handle.js';
import type { PersistentMap } from '../_internals/persistent-map.js';

/** The id of a two-phase-commit transaction: opaque to the protocol, unique per task. */
export type TransactionId = string;

/** The id of a timer the task asks the runtime to run; today only alignment timeouts. */
export type TaskTimerId = `alignment:${number}` | 'heartbeat';

/** How many ids aborted before they started a task remembers (Flink: 128); the oldest is evicted. */
export const MAX_ABORTED_BEFORE_START = 128;

/** How many checkpoints the at-least-once tracker follows at once (Flink: 50); the oldest is dropped. */
export const MAX_TRACKED_CHECKPOINTS = 50;

/**
 * How a task with inputs handles barriers (Flink chooses the barrier handler from the job's
 * checkpointing mode and whether unaligned checkpoints are enabled).
 * - `exactly-once`, `unaligned: false`: aligned only (block channels until all delivered).
 * - `exactly-once`, `unaligned: true`: per checkpoint, as the barrier's options say: unaligned,
 *   aligned, or aligned with a timeout that switches to unaligned (Flink's alternating handler).
 * - `at-least-once`: never block; count barriers of several ids at once.
 */
export interface TaskAlignmentSettings {
  /** Exactly-once (barriers align) or at-least-once (barriers are only counted). */
  readonly mode: 'exactly-once' | 'at-least-once';
  /** Whether unaligned checkpoints are enabled (exactly-once only). */
  readonly unaligned: boolean;
}

/** A pre-committed transaction recorded in a snapshot, committed once its checkpoint completed. */
export interface PendingTransaction {
  /** The checkpoint whose snapshot pre-committed it. */
  readonly checkpointId: CheckpointId;
  /** The transaction. */
  readonly transactionId: TransactionId;
}

/** What a two-phase-commit sink persists in each snapshot (and gets back on restore). */
export interface SinkSnapshotState {
  /** The transaction open after the snapshot, or null when the sink had finished. */
  readonly openTransaction: TransactionId | null;
  /** Every pre-committed, not yet committed transaction, in ascending checkpoint order. */
  readonly pendingTransactions: readonly PendingTransaction[];
}

/** The checkpoint a task attempt restores from. */
export interface TaskRestore {
  /** The restored (completed) checkpoint. */
  readonly checkpointId: CheckpointId;
  /** This task's state in it, or null when the task had none. */
  readonly state: StateHandle | null;
  /** For a two-phase-commit sink: the transactions recorded in the restored snapshot. */
  readonly transactions?: SinkSnapshotState | null;
}

/** The machine's input: one task attempt. */
export interface TaskInput {
  /** The job. */
  readonly jobId: JobId;
  /** The task. */
  readonly taskId: TaskId;
  /** This attempt; every accepted coordinator message must carry it. */
  readonly attempt: Attempt;
  /** Number of input channels; 0 makes the task a source, triggered by the coordinator. */
  readonly inputChannels: number;
  /** Barrier handling; defaults to exactly-once, aligned only. */
  readonly alignment?: TaskAlignmentSettings;
  /** Whether the task is a two-phase-commit sink; defaults to false. */
  readonly twoPhaseCommitSink?: boolean;
  /**
   * Whether, after its input ended, the task waits for a final checkpoint before finishing
   * (Flink's checkpoints-after-tasks-finish, so a sink commits its last transaction); default true.
   */
  readonly awaitFinalCheckpoint?: boolean;
  /** The checkpoint to restore from, or null/absent for a fresh start. */
  readonly restore?: TaskRestore | null;
  /**
   * Milliseconds between heartbeats to the coordinator, from deployment until the attempt ends;
   * 0 or absent sends none (for a coordinator without heartbeat supervision).
   */
  readonly heartbeatInterval?: number;
}

/** The input with every default filled in, as kept in the context. */
export interface TaskConfig {
  /** The job. */
  readonly jobId: JobId;
  /** The task. */
  readonly taskId: TaskId;
  /** This attempt. */
  readonly attempt: Attempt;
  /** Number of input channels (0 for a source). */
  readonly inputChannels: number;
  /** Barrier handling. */
  readonly alignment: TaskAlignmentSettings;
  /** Whether the task is a two-phase-commit sink. */
  readonly twoPhaseCommitSink: boolean;
  /** Whether the task waits for a final checkpoint after its input ended. */
  readonly awaitFinalCheckpoint: boolean;
  /** The checkpoint to restore from, or null. */
  readonly restore: TaskRestore | null;
  /** Milliseconds between heartbeats; 0: none. */
  readonly heartbeatInterval: number;
}

/** The barrier a pending alignment is for: what is needed to trigger it and judge its timeout. */
export interface PendingBarrier {
  /** The checkpoint's timestamp. */
  readonly timestamp: number;
  /** The checkpoint's options. */
  readonly options: CheckpointOptions;
}

/** One checkpoint the at-least-once tracker counts barriers for. */
export interface TrackedCheckpoint {
  /** The checkpoint. */
  readonly checkpointId: CheckpointId;
  /** Open channels that delivered its barrier (or cancel marker). */
  readonly channels: PersistentMap<number, true>;
  /** Whether a cancel marker aborted it (it is then only counted until it can be dropped). */
  readonly aborted: boolean;
  /** Its barrier, once one arrived (null when only cancel markers did). */
  readonly barrier: PendingBarrier | null;
  /** When its first barrier arrived. */
  readonly firstAt: number;
}

/**
 * The input side (Flink's `SingleCheckpointBarrierHandler` / `CheckpointBarrierTracker` fields).
 * A checkpoint is pending iff `currentId >= 1` and `currentId !== lastCancelledOrCompletedId`.
 */
export interface InputState {
  /** Channels that have not ended. */
  readonly openChannels: number;
  /** Channels that delivered end of partition. */
  readonly closed: PersistentMap<number, true>;
  /** The newest checkpoint id the handler saw (-1 before any). */
  readonly currentId: number;
  /** The newest id the handler completed or cancelled (-1 before any). */
  readonly lastCancelledOrCompletedId: number;
  /** Channels that delivered the current id's barrier (blocked ones when aligned). */
  readonly received: PersistentMap<number, true>;
  /** The current id's barrier while pending, else null. */
  readonly barrier: PendingBarrier | null;
  /** When the current id's first barrier arrived. */
  readonly firstBarrierAt: number;
  /** Whether the current id runs unaligned (started so, or switched after the timeout). */
  readonly unaligned: boolean;
  /** The armed alignment timer, or null. */
  readonly timer: TaskTimerId | null;
  /** At-least-once only: checkpoints being counted, ascending, at most {@link MAX_TRACKED_CHECKPOINTS}. */
  readonly tracked: readonly TrackedCheckpoint[];
  /** At-least-once only: the newest id ever tracked (-1 before any). */
  readonly latestTrackedId: number;
}

/** A snapshot this attempt started and that has no outcome yet. */
export interface SnapshotRecord {
  /**
   * The synchronous part ran within the step that started the snapshot (as in Flink, where it runs
   * on the task thread). `capturing` (unaligned): in-flight data is still being captured until the
   * last barrier arrives; `async`: the asynchronous part runs.
   */
  readonly phase: 'capturing' | 'async';
  /** When the checkpoint started on this task. */
  readonly startedAt: number;
  /** When the asynchronous part started (`startedAt`, or when the capture ended). */
  readonly asyncStartedAt: number;
  /** Delay from the checkpoint's timestamp to the start on this task. */
  readonly startDelayMs: number;
  /** How long alignment took. */
  readonly alignmentMs: number;
  /** Whether the snapshot was taken unaligned. */
  readonly unaligned: boolean;
}

/** The two-phase-commit sink's bookkeeping (Flink's `TwoPhaseCommitSinkFunction` state). */
export interface SinkState {
  /** The transaction receiving records, or null (not begun yet, or the sink finished). */
  readonly open: TransactionId | null;
  /** Pre-committed transactions by checkpoint id, waiting for their checkpoint to complete. */
  readonly pending: PersistentMap<CheckpointId, TransactionId>;
  /** Whether the input ended (or a draining stop began): the next snapshot begins no transaction. */
  readonly finished: boolean;
}

/** The task machine's context. */
export interface TaskContext {
  /** The configuration (constant). */
  readonly config: TaskConfig;
  /** The last checkpoint id this attempt started (Flink's `lastCheckpointId`), -1 before any. */
  readonly lastStartedId: number;
  /** Ids aborted by the coordinator before they started here, ascending, at most 128. */
  readonly abortedBeforeStart: readonly CheckpointId[];
  /** Snapshots in their synchronous or asynchronous part, by checkpoint id. */
  readonly snapshots: PersistentMap<CheckpointId, SnapshotRecord>;
  /** The stop-with-savepoint in progress, or -1. */
  readonly syncSavepointId: number;
  /** Whether the stop-with-savepoint in progress drains (terminate) rather than suspends. */
  readonly syncSavepointDrains: boolean;
  /** While waiting for the final checkpoint: the smallest id that counts as final, else -1. */
  readonly finalCheckpointMinId: number;
  /** The newest completion this attempt was notified of (or caught up on), -1 before any. */
  readonly latestCompletedId: number;
  /** Why the attempt failed, once it did. */
  readonly failure: string | null;
  /** The input side (unused by sources). */
  readonly inputs: InputState;
  /** The two-phase-commit sink, or null when the task is none. */
  readonly sink: SinkState | null;
  /**
   * The highest coordinator leader epoch this attempt accepted a message from (0 before any):
   * messages of a lower epoch come from a deposed coordinator and are rejected (`stale-epoch`).
   */
  readonly leaderEpoch: number;
}
