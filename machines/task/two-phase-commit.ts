/**
 * The two-phase-commit sink participant (Flink's `TwoPhaseCommitSinkFunction`), as pure functions
 * over {@link SinkState}: pre-commit on snapshot, commit on completion, nothing on abort,
 * recover-and-commit and abort of the open transaction on restore. Effects leave as commands.
 * @packageDocumentation
 */
import type { CheckpointId } from '../../spec/ids.js';
import { PersistentMap } from '../_internals/persistent-map.js';
import type { Emit } from './commands.js';
import type { PendingTransaction, SinkSnapshotState, SinkState, TaskConfig, TransactionId } from './types.js';

/**
 * The id of the transaction a sink opens after checkpoint `after` (0: at start-up or restore):
 * unique per task and attempt, because each checkpoint starts at most once per attempt.
 * @param config - the task.
 * @param after - the checkpoint whose pre-commit opened it, or the restored id, or 0.
 */
export function transactionIdOf(config: TaskConfig, after: number): TransactionId {
  return `${config.taskId}/a${config.attempt}/txn-${after}`;
}

/**
 * Initializes the sink: recover-and-commit every pre-committed transaction of the restored
 * snapshot (ascending; idempotent on the sink's side; one `committed` notice for the restored
 * checkpoint), recover-and-abort its open transaction,
 * then begin a new one. The pending map starts empty.
 * @param config - the task (with its restore).
 * @param emit - receives the commands.
 */
export function initializeSink(config: TaskConfig, emit: Emit): SinkState {
  const restore = config.restore;
  const recovered = restore?.transactions ?? null;
  if (restore && recovered) {
    for (const p of recovered.pendingTransactions) emit({ kind: 'recoverAndCommit', checkpointId: p.checkpointId, transactionId: p.transactionId });
    if (recovered.pendingTransactions.length > 0) emit(committedNotice(config, restore.checkpointId, recovered.pendingTransactions, true));
    if (recovered.openTransaction !== null) emit({ kind: 'recoverAndAbort', transactionId: recovered.openTransaction });
  }
  const open = transactionIdOf(config, restore ? restore.checkpointId : 0);
  emit({ kind: 'beginTransaction', transactionId: open });
  return { open, pending: PersistentMap.empty(), finished: false };
}

function committedNotice(config: TaskConfig, checkpointId: CheckpointId, transactions: readonly PendingTransaction[], recovered: boolean) {
  return { kind: 'committed', taskId: config.taskId, attempt: config.attempt, checkpointId, transactions, recovered } as const;
}

/**
 * The synchronous snapshot of checkpoint `checkpointId`: pre-commit the open transaction and keep
 * it under that id, then begin a new one unless the sink finished (or `drain`).
 * @param sink - the sink.
 * @param config - the task.
 * @param checkpointId - the checkpoint being snapshotted.
 * @param drain - whether this snapshot ends the input (draining stop-with-savepoint).
 * @param emit - receives the commands.
 * @returns the new sink state and what the snapshot must persist.
 */
export function snapshotSink(sink: SinkState, config: TaskConfig, checkpointId: CheckpointId, drain: boolean, emit: Emit): { sink: SinkState; persisted: SinkSnapshotState } {
  let pending = sink.pending;
  let open: TransactionId | null = null;
  if (sink.open !== null) {
    emit({ kind: 'preCommit', checkpointId, transactionId: sink.open });
    pending = pending.set(checkpointId, sink.open);
  }
  const finished = sink.finished || drain;
  if (!finished) {
    open = transactionIdOf(config, checkpointId);
    emit({ kind: 'beginTransaction', transactionId: open });
  }
  return { sink: { open, pending, finished }, persisted: { openTransaction: open, pendingTransactions: pendingTransactions(pending) } };
}

/**
 * The pre-committed transactions, ascending by checkpoint id.
 * @param pending - the pending map.
 */
export function pendingTransactions(pending: PersistentMap<CheckpointId, TransactionId>): PendingTransaction[] {
  return pending.toJSON().map(([checkpointId, transactionId]) => ({ checkpointId, transactionId }));
}

/**
 * Checkpoint `upTo` completed: commit every pending transaction at or below it, ascending, each
 * exactly once (committed entries leave the map, so late or repeated notifications do nothing),
 * then emit one `committed` notice for `upTo` listing them.
 * @param sink - the sink.
 * @param config - the task.
 * @param upTo - the completed checkpoint.
 * @param emit - receives the commands.
 */
export function commitSink(sink: SinkState, config: TaskConfig, upTo: CheckpointId, emit: Emit): SinkState {
  if (sink.pending.size === 0) return sink;
  let pending = sink.pending;
  const committed: PendingTransaction[] = [];
  for (const [checkpointId, transactionId] of sink.pending.toJSON()) {
    if (checkpointId > upTo) break;
    emit({ kind: 'commit', checkpointId, transactionId });
    committed.push({ checkpointId, transactionId });
    pending = pending.delete(checkpointId);
  }
  if (committed.length === 0) return sink;
  emit(committedNotice(config, upTo, committed, false));
  return { ...sink, pending };
}

/**
 * The input ended: the next snapshot pre-commits the open transaction and begins none.
 * @param sink - the sink.
 */
export function finishSink(sink: SinkState): SinkState {
  return sink.finished ? sink : { ...sink, finished: true };
}

/**
 * The attempt ends (finished, failed or canceled): abort the open, never pre-committed
 * transaction. Pre-committed ones stay for the next attempt's recover-and-commit.
 * @param sink - the sink.
 * @param emit - receives the commands.
 */
export function closeSink(sink: SinkState, emit: Emit): SinkState {
  if (sink.open === null) return sink;
  emit({ kind: 'abortTransaction', transactionId: sink.open });
  return { ...sink, open: null };
}
