/**
 * What a durable store hands out: the coordinator's ports bound to a leader epoch, state-snapshot
 * storage, and the reports of what loading found.
 * @packageDocumentation
 */
import type { CheckpointId, StateHandle, TaskId } from '../../spec/index.js';
import type { CompletedCheckpoint } from '../../machines/coordinator/index.js';
import type { CheckpointIdCounter, CompletedCheckpointStore } from '../coordinator/ports.js';
import type { LeaseBackend } from './lease-backend.js';

/** A stored record that failed its checks on load and was skipped (a value, not an error). */
export interface IgnoredRecord {
  /** The file name or row it was read from. */
  readonly where: string;
  /** Why it was skipped. */
  readonly defect: 'bad-header' | 'truncated' | 'checksum' | 'malformed' | 'missing';
}

/** What a load found: the valid retained checkpoints and what was skipped. */
export interface LoadReport {
  /** The valid retained checkpoints, oldest first. */
  readonly checkpoints: readonly CompletedCheckpoint[];
  /** Records that failed their checks; the store fell back to older valid ones. */
  readonly ignored: readonly IgnoredRecord[];
  /** The current leader epoch (0 before any leader). */
  readonly epoch: number;
  /** The next id the counter may hand out (ids below it were handed out or skipped). */
  readonly nextId: number;
}

/** A completed-checkpoint store with a load that also reports what it skipped. */
export interface DurableCheckpointStore extends CompletedCheckpointStore {
  /** The valid retained checkpoints, oldest first (skipping records that fail their checks). */
  load(): Promise<readonly CompletedCheckpoint[]>;
  /**
   * Durably adds `checkpoint`, then removes the `subsumed` ids and what retention removes.
   * Rejects with `FencedWriteError` (nothing changed) when the writer's epoch is not current.
   * @param checkpoint - the completed checkpoint.
   * @param subsumed - ids the coordinator names as subsumed.
   */
  add(checkpoint: CompletedCheckpoint, subsumed: readonly CheckpointId[]): Promise<void>;
  /** Loads and reports skipped records. */
  loadReport(): Promise<LoadReport>;
}

/** The coordinator's store and id counter, whose every write carries one leader epoch. */
export interface FencedPorts {
  /** The epoch the writes carry. */
  readonly epoch: number;
  /** The store: `add` rejects with `FencedWriteError` once a newer leader took over. */
  readonly store: DurableCheckpointStore;
  /** The id counter: `getAndIncrement` rejects with `FencedWriteError` once deposed. */
  readonly counter: DurableIdCounter;
}

/** An id counter whose every id is persisted (or reserved in a block) before it is returned. */
export interface DurableIdCounter extends CheckpointIdCounter {
  /**
   * The next id; never handed out before, across crashes and leaders. Rejects with
   * `FencedWriteError` when the counter's epoch is not current.
   */
  getAndIncrement(): Promise<number>;
}

/** A task state stored by {@link StateSnapshotStore.put}. */
export interface StoredState {
  /** The handle to acknowledge with (`sizeBytes` is the stored size). */
  readonly handle: StateHandle;
  /** The payload's size. */
  readonly bytesBefore: number;
  /** The stored size (after compression, if any). */
  readonly bytesAfter: number;
  /** Whether it was compressed. */
  readonly compressed: boolean;
}

/** Byte counts of the states written through one store handle. */
export interface SnapshotTotals {
  /** States written. */
  readonly states: number;
  /** How many of them were compressed. */
  readonly compressed: number;
  /** Sum of the payload sizes. */
  readonly bytesBefore: number;
  /** Sum of the stored sizes. */
  readonly bytesAfter: number;
}

/** Durable storage of task-state payloads (what a state handle points to). */
export interface StateSnapshotStore {
  /**
   * Stores a task's state for a checkpoint durably, compressed per the options.
   * @param taskId - the task.
   * @param checkpointId - the checkpoint.
   * @param payload - the state.
   */
  put(taskId: TaskId, checkpointId: CheckpointId, payload: Uint8Array): Promise<StoredState>;
  /**
   * Reads a state back, checking its checksum; rejects with `CorruptStateError` when it fails.
   * @param handle - the handle `put` returned.
   */
  get(handle: StateHandle): Promise<Buffer>;
  /**
   * Deletes states (the coordinator's `discardState` port); unknown handles are ignored.
   * @param handles - the handles.
   */
  discard(handles: readonly StateHandle[]): Promise<void>;
  /** Byte counts of the states written through this handle. */
  totals(): SnapshotTotals;
}

/** An open durable store: ports bound to the epoch acquired at open, and more. */
export interface DurableState extends FencedPorts {
  /** Task-state payloads. */
  readonly snapshots: StateSnapshotStore;
  /** What opening found (skipped records, the epoch acquired). */
  readonly recovery: LoadReport;
  /** Takes leadership: a new epoch, strictly greater than any before, and ports bound to it. */
  acquireLeadership(): Promise<FencedPorts>;
  /**
   * Ports bound to `epoch` (for a coordinator given its epoch by an election elsewhere).
   * @param epoch - the epoch.
   */
  fenced(epoch: number): FencedPorts;
  /** The current leader epoch. */
  currentEpoch(): Promise<number>;
  /**
   * The leader lease, for coordinators that take leadership by lease (a standby waits for the
   * holder to stop renewing; see `campaign`). Open with `leadership: 'none'` to campaign, then
   * bind the epoch won with {@link DurableState.fenced}.
   */
  readonly lease: LeaseBackend;
  /** Releases files or connections. */
  close(): Promise<void>;
}
