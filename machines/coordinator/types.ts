/**
 * The data the coordinator machine keeps: its input, context and the records inside it.
 * @packageDocumentation
 */
import type {
  Attempt,
  CheckpointFailureReason,
  CheckpointId,
  CheckpointOptions,
  CheckpointingConfig,
  JobTopology,
  SnapshotKind,
  StateHandle,
  SyncSavepointMode,
  TaskAttemptRef,
  TaskExecutionState,
  TaskId,
} from '../../spec/index.js';
import type { PersistentMap } from '../_internals/persistent-map.js';

/** A completed checkpoint as the store keeps it (the durable part of a checkpoint). */
export interface CompletedCheckpoint {
  /** Its id. */
  readonly checkpointId: CheckpointId;
  /** Its kind (`checkpoint`, `full`; savepoints are never stored). */
  readonly snapshot: SnapshotKind;
  /** When it was triggered. */
  readonly timestamp: number;
  /** When it was fully acknowledged (its store write started). */
  readonly completedAt: number;
  /** Whether its state is discarded when a newer checkpoint subsumes it. */
  readonly discardOnSubsume: boolean;
  /** The state handle of every task of its plan (null for a stateless task); `toJSON` lists them sorted. */
  readonly taskStates: TaskStates;
  /** The state each hook returned, by hook name. */
  readonly hookStates: Readonly<Record<string, StateHandle | null>>;
}

/** Read-only access to the task states of a checkpoint (a persistent map version; never changes). */
export interface TaskStates {
  /** Number of tasks. */
  readonly size: number;
  /** The state of one task (undefined when the task is not part of the checkpoint). */
  get(taskId: TaskId): StateHandle | null | undefined;
  /** Calls `fn` per task. */
  forEach(fn: (state: StateHandle | null, taskId: TaskId) => void): void;
  /** Entries sorted by task id. */
  toJSON(): Array<[TaskId, StateHandle | null]>;
}

/** What the coordinator knows of one task: its current attempt and that attempt's state. */
export interface TaskRecord {
  /** Current attempt, or -1 before the first deployment was reported. */
  readonly attempt: Attempt | -1;
  /** State of the current attempt (`created` before the first report). */
  readonly state: TaskExecutionState | 'created';
}

/** Who takes part in one checkpoint (Flink's `CheckpointPlan`). */
export interface CheckpointPlan {
  /** Tasks that get the trigger message (sources, or tasks whose upstream finished). */
  readonly toTrigger: readonly TaskAttemptRef[];
  /** Tasks whose acknowledgement is required, by task id, with the attempt planned with. */
  readonly waitFor: ReadonlyMap<TaskId, Attempt>;
  /** Tasks notified of the outcome. */
  readonly commitTo: readonly TaskAttemptRef[];
  /** Tasks that had finished when the plan was made (they count as acknowledged). */
  readonly finished: readonly TaskId[];
}

/** A request to take a checkpoint or savepoint, before it becomes a pending checkpoint. */
export interface TriggerRequest {
  /** Order of submission, unique per coordinator. */
  readonly seq: number;
  /** The caller's id for the request; null for periodic requests. */
  readonly requestId: string | null;
  /** What to take. */
  readonly snapshot: SnapshotKind;
  /** For sync savepoints: suspend or terminate. */
  readonly syncMode?: SyncSavepointMode;
  /** Bypasses max-concurrent and min-pause. */
  readonly forced: boolean;
  /** Submitted by the periodic timer. */
  readonly periodic: boolean;
  /** When it was submitted. */
  readonly createdAt: number;
}

/** The request in flight: planned, waiting for its id (then, with hooks, for the hooks). */
export interface Triggering {
  /** The request. */
  readonly request: TriggerRequest;
  /** Its plan. */
  readonly plan: CheckpointPlan;
  /** The version of the task map the plan was made from (to see whether a task changed since). */
  readonly tasks: PersistentMap<TaskId, TaskRecord>;
  /** When triggering started (sent to tasks). */
  readonly timestamp: number;
  /** The id, once allocated (while the hooks run). */
  readonly checkpointId: CheckpointId | null;
}

/** Where a pending checkpoint is in its life. */
export type PendingStage = 'hooks' | 'triggered' | 'acknowledged' | 'finalizing';

/** A checkpoint in flight (Flink's `PendingCheckpoint`). */
export interface PendingCheckpoint {
  /** Its id. */
  readonly checkpointId: CheckpointId;
  /** The request it came from. */
  readonly request: TriggerRequest;
  /** When triggering started (sent to tasks). */
  readonly timestamp: number;
  /** The options sent to tasks. */
  readonly options: CheckpointOptions;
  /** Who takes part. */
  readonly plan: CheckpointPlan;
  /** Acknowledgements received: task id to state handle. */
  readonly acks: PersistentMap<TaskId, StateHandle | null>;
  /** Required acknowledgements still missing. */
  readonly remaining: number;
  /** Hooks that have not acknowledged yet. */
  readonly pendingHooks: readonly string[];
  /** States the hooks returned. */
  readonly hookStates: Readonly<Record<string, StateHandle | null>>;
  /** Where it is. */
  readonly stage: PendingStage;
  /** Once finalizing: the completed checkpoint being stored. */
  readonly completed: CompletedCheckpoint | null;
  /** Sum of the bytes the tasks persisted. */
  readonly bytesPersisted: number;
}

/** The failure manager's state (Flink's `CheckpointFailureManager`). */
export interface FailureCounter {
  /** Consecutive counted failures. */
  readonly counter: number;
  /** Checkpoint ids already counted since the last reset. */
  readonly countedIds: readonly CheckpointId[];
  /** Highest id that completed; 0 before any. */
  readonly lastSucceeded: number;
}

/** The coordinator's figures, in the spirit of Flink's checkpoint statistics. */
export interface CoordinatorStats {
  /** Checkpoints and savepoints that became pending. */
  readonly triggered: number;
  /** Completed checkpoints and savepoints. */
  readonly completed: number;
  /** Aborted pending checkpoints plus failed requests. */
  readonly failed: number;
  /** Restores that found a checkpoint. */
  readonly restored: number;
  /** Failures by reason. */
  readonly failuresByReason: Readonly<Partial<Record<CheckpointFailureReason, number>>>;
  /** Acknowledgements for checkpoints already gone (among the remembered ids). */
  readonly lateAcknowledgements: number;
  /** Acknowledgements received twice. */
  readonly duplicateAcknowledgements: number;
  /** The latest completed checkpoint or savepoint. */
  readonly latestCompleted: { readonly checkpointId: CheckpointId; readonly snapshot: SnapshotKind; readonly timestamp: number; readonly completedAt: number; readonly bytesPersisted: number } | null;
  /** The latest failure. */
  readonly latestFailed: { readonly checkpointId: number; readonly reason: CheckpointFailureReason; readonly at: number } | null;
  /** The latest restore. */
  readonly latestRestored: { readonly checkpointId: number; readonly at: number } | null;
}

/** Where each task sits in the topology, computed once from the input. */
export interface PreparedTopology {
  /** The topology as given. */
  readonly topology: JobTopology;
  /** Every task id, vertex by vertex. */
  readonly taskIds: readonly TaskId[];
  /** Task id to (vertex index, subtask index). */
  readonly position: ReadonlyMap<TaskId, { readonly vertex: number; readonly subtask: number }>;
}

/** What the machine is created with. */
export interface CoordinatorInput {
  /** The job. */
  readonly topology: JobTopology;
  /** The configuration, already resolved (see `resolveConfig`). */
  readonly config: CheckpointingConfig;
  /** The store's contents after a (re)start, oldest first. */
  readonly completed?: readonly CompletedCheckpoint[];
  /** Tasks already deployed (e.g. after a coordinator failover). */
  readonly tasks?: Readonly<Record<TaskId, TaskRecord>>;
  /** The coordinator's clock at creation. */
  readonly now?: number;
}

/** The coordinator machine's context. */
export interface CoordinatorContext {
  /** The job's tasks and where they sit. */
  readonly topology: PreparedTopology;
  /** The configuration. */
  readonly config: CheckpointingConfig;
  /** Current clock, advanced by `clock.tick` events. */
  readonly now: number;
  /** Every task's attempt and state. */
  readonly tasks: PersistentMap<TaskId, TaskRecord>;
  /** Requests waiting, highest priority first. */
  readonly queue: readonly TriggerRequest[];
  /** Next request sequence number. */
  readonly nextSeq: number;
  /** The request being triggered (plan made, waiting for an id or the hooks). */
  readonly triggering: Triggering | null;
  /** Pending checkpoints by id. */
  readonly pending: ReadonlyMap<CheckpointId, PendingCheckpoint>;
  /** Completed checkpoints retained, oldest first. */
  readonly completed: readonly CompletedCheckpoint[];
  /** The last ids that left the pending map (to tell late from unknown), oldest first. */
  readonly ghosts: readonly Ghost[];
  /** Failure manager state. */
  readonly failures: FailureCounter;
  /** When the last checkpoint or savepoint completed (for the min pause); null before any. */
  readonly lastCompletionAt: number | null;
  /** The figures. */
  readonly stats: CoordinatorStats;
  /**
   * A restore asked for while a completed checkpoint was being stored: it runs when the store
   * answers, so it restores the true latest checkpoint (the one being stored, if it succeeds).
   */
  readonly deferredRestore: { readonly scope: 'global' | 'regional' | 'initial'; readonly tasks: readonly TaskId[] | undefined } | null;
  /**
   * When each live attempt last gave a sign of life (heartbeat or state report), by task, at the
   * coordinator's clock; empty while heartbeat supervision is off.
   */
  readonly lastSeen: PersistentMap<TaskId, number>;
}

/** A checkpoint id that left the pending map, remembered to tell late messages from unknown ones. */
export interface Ghost {
  /** The id. */
  readonly checkpointId: CheckpointId;
  /**
   * Whether it completed. An acknowledgement for a completed checkpoint can only be a redelivery
   * of one it accepted (a task snapshots an id at most once), so its state is never discarded.
   */
  readonly completed: boolean;
}

/** How many ids that left the pending map are remembered (Flink's `NUM_GHOST_CHECKPOINT_IDS`). */
export const GHOST_IDS = 16;
