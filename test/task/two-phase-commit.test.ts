import { describe, expect, it } from 'vitest';
import { ProtocolMonitor } from '../../spec/index.js';
import type { TaskCommand } from '../../machines/task/index.js';
import { ofKind, TaskHarness } from './task-harness.js';

const SINK = { inputChannels: 0, twoPhaseCommitSink: true, taskId: 'sink#0' } as const;

/** The sink's transaction operations, compactly: `begin:txn`, `preCommit:1:txn`, `commit:1:txn`, ... */
function txOps(commands: readonly TaskCommand[]): string[] {
  return commands.flatMap((c) => {
    switch (c.kind) {
      case 'beginTransaction':
        return [`begin:${c.transactionId}`];
      case 'preCommit':
      case 'commit':
      case 'recoverAndCommit':
        return [`${c.kind}:${c.checkpointId}:${c.transactionId}`];
      case 'abortTransaction':
      case 'recoverAndAbort':
        return [`${c.kind}:${c.transactionId}`];
      default:
        return [];
    }
  });
}

const txn = (after: number, attempt = 0) => `sink#0/a${attempt}/txn-${after}`;
const committedIds = (commands: readonly TaskCommand[]) => ofKind(commands, 'committed').map((c) => c.checkpointId);

describe('two-phase-commit sink participant', () => {
  it('begins a transaction on initialization and pre-commits it on each snapshot, beginning the next', () => {
    const h = new TaskHarness(SINK);
    expect(txOps(h.commands)).toEqual([`begin:${txn(0)}`]);
    const out = h.trigger(1);
    expect(txOps(out)).toEqual([`preCommit:1:${txn(0)}`, `begin:${txn(1)}`]);
    expect(ofKind(out, 'snapshotSync')[0]?.sinkState).toEqual({ openTransaction: txn(1), pendingTransactions: [{ checkpointId: 1, transactionId: txn(0) }] });
    expect(h.view.openTransaction).toBe(txn(1));
    expect(h.view.pendingTransactions).toEqual([{ checkpointId: 1, transactionId: txn(0) }]);
  });

  it('complete(N) commits every pending transaction at or below N, ascending, each exactly once', () => {
    const h = new TaskHarness(SINK);
    h.trigger(1);
    h.trigger(2);
    h.trigger(3);
    const out = h.complete(2);
    expect(txOps(out)).toEqual([`commit:1:${txn(0)}`, `commit:2:${txn(1)}`]);
    expect(committedIds(out)).toEqual([2]);
    expect(h.view.pendingTransactions.map((p) => p.checkpointId)).toEqual([3]);
    // duplicated and stale notices commit nothing
    expect(txOps(h.complete(2))).toEqual([]);
    expect(txOps(h.complete(1))).toEqual([]);
    expect(txOps(h.complete(3))).toEqual([`commit:3:${txn(2)}`]);
  });

  it('aborted(N) commits nothing of N; the pre-committed transaction is committed by the next completion', () => {
    const h = new TaskHarness(SINK);
    h.trigger(1);
    h.trigger(2);
    expect(txOps(h.aborted(1))).toEqual([]);
    expect(h.view.pendingTransactions.map((p) => p.checkpointId)).toEqual([1, 2]);
    expect(txOps(h.complete(2))).toEqual([`commit:1:${txn(0)}`, `commit:2:${txn(1)}`]);
  });

  it('aborted(N, latestCompleted) first catches up on complete(latestCompleted), never committing N', () => {
    const h = new TaskHarness(SINK);
    h.trigger(1);
    h.trigger(2);
    h.trigger(3);
    const out = h.aborted(3, 2); // complete(1), complete(2) were lost or are late
    expect(txOps(out)).toEqual([`commit:1:${txn(0)}`, `commit:2:${txn(1)}`]);
    expect(h.view.pendingTransactions.map((p) => p.checkpointId)).toEqual([3]);
    expect(h.view.latestCompletedCheckpointId).toBe(2);
  });

  it('reordered notices: a late complete after the abort catch-up is harmless', () => {
    const h = new TaskHarness(SINK);
    h.trigger(1);
    h.trigger(2);
    expect(txOps(h.aborted(2, 1))).toEqual([`commit:1:${txn(0)}`]);
    expect(txOps(h.complete(1))).toEqual([]);
    expect(txOps(h.aborted(2, 1))).toEqual([]);
    expect(txOps(h.complete(3))).toEqual([`commit:2:${txn(1)}`]);
  });

  it('a complete for an id the task never snapshotted commits the older pending ones only', () => {
    const h = new TaskHarness(SINK);
    h.trigger(1);
    h.trigger(5);
    expect(txOps(h.complete(3))).toEqual([`commit:1:${txn(0)}`]);
  });

  it('one committed notice per commit round, under the completed id: the property monitor accepts committing an aborted id\'s transaction with a later completion', () => {
    const h = new TaskHarness(SINK);
    const monitor = new ProtocolMonitor();
    for (const id of [1, 2]) {
      monitor.observe({ kind: 'pendingCreated', checkpointId: id, snapshot: 'checkpoint', forced: false, plan: [{ taskId: 'sink#0', attempt: 0 }], pendingCount: 1, maxConcurrent: 2 });
      h.trigger(id);
    }
    monitor.observe({ kind: 'aborted', checkpointId: 1, reason: 'CHECKPOINT_DECLINED' });
    monitor.observe({ kind: 'ackDelivered', checkpointId: 2, taskId: 'sink#0', attempt: 0 });
    monitor.observe({ kind: 'stored', checkpointId: 2 });
    monitor.observe({ kind: 'completed', checkpointId: 2, snapshot: 'checkpoint' });
    const out = [...h.aborted(1), ...h.complete(2), ...h.complete(2), ...h.aborted(3, 2)];
    const notices = ofKind(out, 'committed');
    expect(notices).toEqual([
      {
        kind: 'committed',
        taskId: 'sink#0',
        attempt: 0,
        checkpointId: 2,
        transactions: [
          { checkpointId: 1, transactionId: txn(0) },
          { checkpointId: 2, transactionId: txn(1) },
        ],
        recovered: false,
      },
    ]);
    for (const c of notices) monitor.observe({ kind: 'committed', taskId: c.taskId, attempt: c.attempt, checkpointId: c.checkpointId });
    expect(monitor.violations).toEqual([]);
  });

  it('recover-and-commit after restore: commits the restored pre-committed transactions, aborts the restored open one, begins a new one', () => {
    const restore = {
      checkpointId: 7,
      state: { key: 'sink#0/chk-7', sizeBytes: 9 },
      transactions: {
        openTransaction: 'old/txn-7',
        pendingTransactions: [
          { checkpointId: 6, transactionId: 'old/txn-5' },
          { checkpointId: 7, transactionId: 'old/txn-6' },
        ],
      },
    };
    const h = new TaskHarness({ ...SINK, attempt: 1, restore });
    expect(ofKind(h.commands, 'initializeState')).toEqual([{ kind: 'initializeState', restore }]);
    expect(txOps(h.commands)).toEqual(['recoverAndCommit:6:old/txn-5', 'recoverAndCommit:7:old/txn-6', 'recoverAndAbort:old/txn-7', `begin:${txn(7, 1)}`]);
    expect(ofKind(h.commands, 'committed')).toEqual([{ kind: 'committed', taskId: 'sink#0', attempt: 1, checkpointId: 7, transactions: restore.transactions.pendingTransactions, recovered: true }]);
    expect(h.view.pendingTransactions).toEqual([]);
    expect(h.view.openTransaction).toBe(txn(7, 1));
    expect(h.view.lifecycle).toBe('running');
  });

  it('the attempt ending aborts the open transaction and leaves pre-committed ones for the next attempt', () => {
    const h = new TaskHarness(SINK);
    h.trigger(1);
    const out = h.send({ type: 'task.fail', message: 'crash', now: h.now });
    expect(txOps(out)).toEqual([`abortTransaction:${txn(1)}`]);
    expect(h.view.pendingTransactions.map((p) => p.checkpointId)).toEqual([1]);
    // notices after the end are ignored
    expect(txOps(h.complete(1))).toEqual([]);
  });

  it('notices before the task runs are ignored (the transaction stays pending for a later completion)', () => {
    const h = new TaskHarness(SINK, { run: false });
    expect(h.complete(1)).toEqual([]);
    expect(h.aborted(1, 1)).toEqual([]);
  });
});
