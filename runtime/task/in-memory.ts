/**
 * In-memory ports for tests, simulations and embedded use: a two-phase-commit sink that records
 * what it committed, and a snapshot store that keeps each snapshot's sink state for restores.
 * @packageDocumentation
 */
import type { CheckpointId, StateHandle, TaskId } from '../../spec/index.js';
import type { SinkSnapshotState, TaskRestore, TransactionId } from '../../machines/task/index.js';
import type { AsyncSnapshotPart, SnapshotRequest, TaskSnapshots, TwoPhaseCommitSink } from './ports.js';

/** One call a sink received, in order. */
export interface SinkCall {
  /** The callback. */
  readonly op: 'begin' | 'preCommit' | 'commit' | 'abort' | 'recoverAndCommit' | 'recoverAndAbort';
  /** The transaction. */
  readonly transactionId: TransactionId;
  /** The checkpoint, for pre-commit and the commits. */
  readonly checkpointId?: CheckpointId;
}

/** A transaction made visible by a commit. */
export interface CommittedTransaction {
  /** The transaction. */
  readonly transactionId: TransactionId;
  /** Its checkpoint. */
  readonly checkpointId: CheckpointId;
}

/**
 * An external transactional system in memory, shared by the attempts of one sink task (so a
 * restarted attempt's recover-and-commit sees what the previous attempt committed).
 * `recoverAndCommit` is idempotent; a second plain `commit` of a transaction is an error.
 */
export class InMemorySink implements TwoPhaseCommitSink {
  /** Every call, in order. */
  readonly calls: SinkCall[] = [];
  /** Committed transactions, in commit order, each once. */
  readonly committed: CommittedTransaction[] = [];
  /** Aborted transactions, in order. */
  readonly aborted: TransactionId[] = [];
  private readonly states = new Map<TransactionId, 'open' | 'preCommitted' | 'committed' | 'aborted'>();

  /** {@inheritDoc TwoPhaseCommitSink.beginTransaction} */
  beginTransaction(transactionId: TransactionId): void {
    this.calls.push({ op: 'begin', transactionId });
    if (this.states.has(transactionId)) throw new Error(`transaction ${transactionId} already exists`);
    this.states.set(transactionId, 'open');
  }

  /** {@inheritDoc TwoPhaseCommitSink.preCommit} */
  preCommit(transactionId: TransactionId, checkpointId: CheckpointId): void {
    this.calls.push({ op: 'preCommit', transactionId, checkpointId });
    if (this.states.get(transactionId) !== 'open') throw new Error(`transaction ${transactionId} is not open`);
    this.states.set(transactionId, 'preCommitted');
  }

  /** {@inheritDoc TwoPhaseCommitSink.commit} */
  commit(transactionId: TransactionId, checkpointId: CheckpointId): void {
    this.calls.push({ op: 'commit', transactionId, checkpointId });
    if (this.states.get(transactionId) !== 'preCommitted') throw new Error(`transaction ${transactionId} is not pre-committed`);
    this.states.set(transactionId, 'committed');
    this.committed.push({ transactionId, checkpointId });
  }

  /** {@inheritDoc TwoPhaseCommitSink.abort} */
  abort(transactionId: TransactionId): void {
    this.calls.push({ op: 'abort', transactionId });
    this.states.set(transactionId, 'aborted');
    this.aborted.push(transactionId);
  }

  /** {@inheritDoc TwoPhaseCommitSink.recoverAndCommit} */
  recoverAndCommit(transactionId: TransactionId, checkpointId: CheckpointId): void {
    this.calls.push({ op: 'recoverAndCommit', transactionId, checkpointId });
    if (this.states.get(transactionId) === 'committed') return;
    this.states.set(transactionId, 'committed');
    this.committed.push({ transactionId, checkpointId });
  }

  /** {@inheritDoc TwoPhaseCommitSink.recoverAndAbort} */
  recoverAndAbort(transactionId: TransactionId): void {
    this.calls.push({ op: 'recoverAndAbort', transactionId });
    if (this.states.get(transactionId) === 'committed') throw new Error(`transaction ${transactionId} was committed`);
    this.states.set(transactionId, 'aborted');
    this.aborted.push(transactionId);
  }

  /**
   * The state of a transaction, or undefined when unknown.
   * @param transactionId - the transaction.
   */
  stateOf(transactionId: TransactionId): 'open' | 'preCommitted' | 'committed' | 'aborted' | undefined {
    return this.states.get(transactionId);
  }
}

/** A snapshot kept by {@link InMemorySnapshots}. */
export interface StoredSnapshot {
  /** Its handle (key `<taskId>/chk-<id>`). */
  readonly handle: StateHandle;
  /** The sink state it persisted, or null. */
  readonly sinkState: SinkSnapshotState | null;
}

/**
 * A snapshot port in memory for one task (shared by its attempts). The synchronous part records
 * the request; the asynchronous part returns the handle at once, or, with `deferred`, waits
 * until {@link InMemorySnapshots.completeAsync} or {@link InMemorySnapshots.failAsync}.
 */
export class InMemorySnapshots implements TaskSnapshots {
  /** Snapshots by handle key. */
  readonly stored = new Map<string, StoredSnapshot>();
  /** Every synchronous request, in order. */
  readonly requests: SnapshotRequest[] = [];
  /** Restores asked for, in order. */
  readonly restores: Array<TaskRestore | null> = [];
  /** Cancelled checkpoints, in order. */
  readonly cancelled: CheckpointId[] = [];
  /** When set, the next synchronous part throws this message (and clears it). */
  failNextSync: string | null = null;
  private readonly waiting = new Map<CheckpointId, { resolve: (h: StateHandle | null) => void; reject: (e: Error) => void }>();

  /**
   * Creates the port.
   * @param taskId - the task (for handle keys).
   * @param deferred - whether asynchronous parts wait to be completed by hand.
   */
  constructor(
    readonly taskId: TaskId,
    readonly deferred = false,
  ) {}

  /** {@inheritDoc TaskSnapshots.restore} */
  restore(restore: TaskRestore | null): void {
    this.restores.push(restore);
  }

  /** {@inheritDoc TaskSnapshots.sync} */
  sync(request: SnapshotRequest): AsyncSnapshotPart | StateHandle | null {
    if (this.failNextSync !== null) {
      const why = this.failNextSync;
      this.failNextSync = null;
      throw new Error(why);
    }
    this.requests.push(request);
    const handle: StateHandle = { key: `${this.taskId}/chk-${request.checkpointId}`, sizeBytes: 100 };
    this.stored.set(handle.key, { handle, sinkState: request.sinkState });
    if (!this.deferred) return handle;
    return () => new Promise<StateHandle | null>((resolve, reject) => this.waiting.set(request.checkpointId, { resolve, reject }));
  }

  /** {@inheritDoc TaskSnapshots.cancel} */
  cancel(checkpointId: CheckpointId): void {
    this.cancelled.push(checkpointId);
  }

  /** Checkpoints whose deferred asynchronous part waits. */
  waitingIds(): CheckpointId[] {
    return [...this.waiting.keys()];
  }

  /**
   * Completes a deferred asynchronous part with its handle.
   * @param checkpointId - the checkpoint.
   */
  completeAsync(checkpointId: CheckpointId): void {
    const w = this.waiting.get(checkpointId);
    if (!w) throw new Error(`no asynchronous part waits for checkpoint ${checkpointId}`);
    this.waiting.delete(checkpointId);
    w.resolve(this.stored.get(`${this.taskId}/chk-${checkpointId}`)?.handle ?? null);
  }

  /**
   * Fails a deferred asynchronous part.
   * @param checkpointId - the checkpoint.
   * @param why - the error message.
   */
  failAsync(checkpointId: CheckpointId, why = 'upload failed'): void {
    const w = this.waiting.get(checkpointId);
    if (!w) throw new Error(`no asynchronous part waits for checkpoint ${checkpointId}`);
    this.waiting.delete(checkpointId);
    w.reject(new Error(why));
  }

  /**
   * The restore of this task from a completed checkpoint, given the handle the coordinator kept.
   * @param checkpointId - the completed checkpoint.
   * @param handle - this task's handle in it (null: stateless).
   */
  restoreOf(checkpointId: CheckpointId, handle: StateHandle | null): TaskRestore {
    const stored = handle ? this.stored.get(handle.key) : undefined;
    return { checkpointId, state: handle, transactions: stored?.sinkState ?? null };
  }
}
