/**
 * Behaviour of a task's snapshots and two-phase-commit sink that the scenario tests left
 * unpinned, found by mutation testing (Stryker left these mutants of `machines/task/snapshots.ts`
 * and `machines/task/two-phase-commit.ts` alive): which snapshots stay in progress, the order and
 * uniqueness of ids aborted before they started, what a skipped or declined start leaves behind,
 * the figures of captured snapshots, stale notices, and what a sink recovers, pre-commits and
 * commits.
 */
import { describe, expect, it } from 'vitest';
import { acks, broadcasts, declines, messages, ofKind, OPTIONS, TaskHarness } from '../task/task-harness.js';

const SOURCE = { inputChannels: 0 } as const;
const ALTERNATING = { inputChannels: 2, alignment: { mode: 'exactly-once', unaligned: true } } as const;

describe('snapshots in progress', () => {
  it('acknowledging one of several running snapshots leaves exactly the others in progress', () => {
    const h = new TaskHarness(SOURCE, { asyncReplies: false });
    h.trigger(1);
    h.trigger(2);
    h.trigger(3);
    h.send({ type: 'snapshot.asyncCompleted', checkpointId: 2, state: null, now: h.now });
    expect(h.view.snapshotsInProgress).toEqual([
      { checkpointId: 1, phase: 'async' },
      { checkpointId: 3, phase: 'async' },
    ]);
    h.send({ type: 'snapshot.asyncFailed', checkpointId: 1, message: 'x', now: h.now });
    expect(h.view.snapshotsInProgress).toEqual([{ checkpointId: 3, phase: 'async' }]);
  });

  it('an alignment aborted by a cancel marker cancels no snapshot (none had started)', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    h.barrier(0, 1);
    const out = h.cancelMarker(1, 1);
    expect(declines(out)).toEqual([[1, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER']]);
    expect(ofKind(out, 'cancelSnapshot')).toEqual([]);
  });

  it('an asynchronous failure declines without a cancel marker downstream (the barrier already went on)', () => {
    const h = new TaskHarness(SOURCE, { asyncReplies: false });
    h.trigger(1);
    const out = h.send({ type: 'snapshot.asyncFailed', checkpointId: 1, message: 'upload failed', now: h.now });
    expect(broadcasts(out)).toEqual([]);
  });

  it('a triggered checkpoint forwards its own alignment downstream, and is taken aligned', () => {
    const h = new TaskHarness(SOURCE);
    const out = h.trigger(1, OPTIONS.aligned);
    expect(ofKind(out, 'broadcast')).toEqual([{ kind: 'broadcast', event: { type: 'barrier', checkpointId: 1, timestamp: h.now, options: OPTIONS.aligned } }]);
    expect(ofKind(out, 'snapshotSync')).toMatchObject([{ checkpointId: 1, unaligned: false }]);
    expect(messages(out)).toMatchObject([{ type: 'acknowledgeCheckpoint', metrics: { unaligned: false } }]);
    const forced = h.trigger(2, { ...OPTIONS.aligned, alignment: 'forced-aligned' });
    expect(ofKind(forced, 'broadcast')).toMatchObject([{ event: { type: 'barrier', checkpointId: 2, options: { alignment: 'unaligned' } } }]);
  });
});

describe('figures of an unaligned snapshot that captures in-flight data', () => {
  it('an abort while capturing reports no asynchronous duration (the asynchronous part never began)', () => {
    const h = new TaskHarness(ALTERNATING, { asyncReplies: false });
    h.barrier(0, 1, OPTIONS.unaligned);
    expect(h.view.snapshotsInProgress).toEqual([{ checkpointId: 1, phase: 'capturing' }]);
    h.now += 40;
    const out = h.aborted(1);
    expect(messages(out)).toMatchObject([{ type: 'reportCheckpointMetrics', checkpointId: 1, metrics: { asyncDurationMs: 0, syncDurationMs: 0, unaligned: true } }]);
  });

  it('the asynchronous duration counts from the end of the capture, without the synchronous part', () => {
    const h = new TaskHarness(ALTERNATING, { asyncReplies: false });
    h.barrier(0, 1, OPTIONS.unaligned);
    h.now += 20;
    const last = h.barrier(1, 1, OPTIONS.unaligned);
    expect(ofKind(last, 'snapshotAsync')).toEqual([{ kind: 'snapshotAsync', checkpointId: 1 }]);
    h.now += 30;
    const out = h.send({ type: 'snapshot.asyncCompleted', checkpointId: 1, state: null, syncDurationMs: 10, now: h.now });
    expect(messages(out)).toMatchObject([{ type: 'acknowledgeCheckpoint', metrics: { syncDurationMs: 10, asyncDurationMs: 30 } }]);
  });

  it('the last barrier of a snapshot aborted while capturing starts no asynchronous part', () => {
    const h = new TaskHarness(ALTERNATING, { asyncReplies: false });
    h.barrier(0, 1, OPTIONS.unaligned);
    h.aborted(1);
    const out = h.barrier(1, 1, OPTIONS.unaligned);
    expect(ofKind(out, 'snapshotAsync')).toEqual([]);
    expect(messages(out)).toEqual([]);
    expect(h.view.snapshotsInProgress).toEqual([]);
    expect(h.view.lifecycle).toBe('running');
  });
});

describe('ids aborted before they started', () => {
  it('are kept ascending and without duplicates, whatever order the notices come in', () => {
    const h = new TaskHarness(SOURCE);
    h.aborted(5);
    h.aborted(3);
    h.aborted(7);
    h.aborted(4);
    expect(h.view.abortedBeforeStart).toEqual([3, 4, 5, 7]);
    h.aborted(5);
    h.aborted(3);
    h.aborted(7);
    expect(h.view.abortedBeforeStart).toEqual([3, 4, 5, 7]);
  });

  it('a repeated abort notice of a remembered id changes nothing: same context, no effect', () => {
    const h = new TaskHarness(SOURCE);
    h.aborted(5);
    h.aborted(8);
    const before = h.snapshot.context;
    expect(h.aborted(5)).toEqual([]);
    expect(h.aborted(8)).toEqual([]);
    expect(h.snapshot.context).toBe(before);
  });

  it('skipping an aborted id forgets only it: the next remembered id is still skipped', () => {
    const h = new TaskHarness(SOURCE);
    h.aborted(3);
    h.aborted(4);
    expect(broadcasts(h.trigger(3))).toEqual(['cancelMarker:3']);
    expect(h.view.abortedBeforeStart).toEqual([4]);
    expect(h.trigger(4)).toEqual([{ kind: 'broadcast', event: { type: 'cancelMarker', checkpointId: 4 } }]);
    expect(acks(h.trigger(5))).toEqual([5]);
  });

  it('a remembered id cancelled on the barrier stays remembered until a trigger of it is dropped, which forgets only it', () => {
    const h = new TaskHarness({ inputChannels: 2, awaitFinalCheckpoint: true });
    h.aborted(5);
    h.aborted(7);
    h.barrier(0, 5);
    expect(declines(h.cancelMarker(1, 5))).toEqual([[5, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER']]);
    expect(h.view.lastStartedCheckpointId).toBe(5);
    expect(h.view.abortedBeforeStart).toEqual([5, 7]);
    h.endOfPartition(0);
    h.endOfPartition(1);
    expect(h.view.finishing).toBe('awaitingFinalCheckpoint');
    // the inputs ended: triggered like a source; 5 already started, so the trigger is dropped
    expect(h.trigger(5)).toEqual([]);
    expect(h.view.abortedBeforeStart).toEqual([7]);
    expect(h.view.lastStartedCheckpointId).toBe(5);
  });
});

describe('a start declined while stopping with a savepoint', () => {
  it('counts as started: a repeated trigger of the same id is dropped', () => {
    const h = new TaskHarness(SOURCE, { asyncReplies: false });
    h.aborted(4);
    h.trigger(1, OPTIONS.stop('suspend'));
    expect(h.view.finishing).toBe('stoppingWithSavepoint');
    const out = h.trigger(3);
    expect(declines(out)).toEqual([[3, 'CHECKPOINT_DECLINED_TASK_CLOSING']]);
    expect(broadcasts(out)).toEqual(['cancelMarker:3']);
    expect(h.view.lastStartedCheckpointId).toBe(3);
    expect(h.view.abortedBeforeStart).toEqual([4]);
    expect(h.trigger(3)).toEqual([]);
    expect(h.view.snapshotsInProgress).toEqual([{ checkpointId: 1, phase: 'async' }]);
  });
});

describe('completion notices', () => {
  it('a stale completion does not move the latest completed id back', () => {
    const h = new TaskHarness(SOURCE);
    h.trigger(2);
    h.trigger(3);
    h.complete(3);
    h.complete(2);
    expect(h.view.latestCompletedCheckpointId).toBe(3);
  });

  it('a repeated completion changes nothing: same context, no effect', () => {
    const h = new TaskHarness({ ...SOURCE, twoPhaseCommitSink: true });
    h.trigger(1);
    expect(ofKind(h.complete(1), 'commit')).toHaveLength(1);
    const before = h.snapshot.context;
    expect(h.complete(1)).toEqual([]);
    expect(h.snapshot.context).toBe(before);
  });
});

describe('the end of an attempt', () => {
  it('stops the heartbeat timer', () => {
    const h = new TaskHarness({ ...SOURCE, heartbeatInterval: 500 });
    const out = h.send({ type: 'task.cancel', now: h.now });
    expect(ofKind(out, 'cancelTimer')).toEqual([{ kind: 'cancelTimer', timer: 'heartbeat' }]);
  });

  it('without heartbeats, snapshots or an open transaction, ending leaves the context untouched', () => {
    const h = new TaskHarness({ ...SOURCE, twoPhaseCommitSink: true });
    // a terminating stop-with-savepoint drains the sink: no transaction stays open
    h.trigger(1, OPTIONS.stop('terminate'));
    expect(h.view.openTransaction).toBeNull();
    expect(h.view.snapshotsInProgress).toEqual([]);
    const before = h.snapshot.context;
    const out = h.send({ type: 'task.cancel', now: h.now });
    expect(out.map((c) => c.kind)).toEqual(['sendToCoordinator']);
    expect(h.view.lifecycle).toBe('canceled');
    expect(h.snapshot.context).toBe(before);
  });

  it('aborts the open transaction and forgets it', () => {
    const h = new TaskHarness({ ...SOURCE, twoPhaseCommitSink: true });
    const open = h.view.openTransaction;
    expect(open).not.toBeNull();
    const out = h.send({ type: 'task.cancel', now: h.now });
    expect(ofKind(out, 'abortTransaction')).toEqual([{ kind: 'abortTransaction', transactionId: open }]);
    expect(h.view.openTransaction).toBeNull();
  });
});

describe('two-phase-commit sink', () => {
  const restore = (transactions?: unknown) => ({ checkpointId: 4, state: null, ...(transactions === undefined ? {} : { transactions }) });

  it('a restore without sink transactions recovers nothing and begins the transaction after the restored id', () => {
    const h = new TaskHarness({ ...SOURCE, twoPhaseCommitSink: true, restore: restore() as never });
    expect(ofKind(h.commands, 'recoverAndCommit')).toEqual([]);
    expect(ofKind(h.commands, 'recoverAndAbort')).toEqual([]);
    expect(ofKind(h.commands, 'committed')).toEqual([]);
    expect(ofKind(h.commands, 'beginTransaction')).toEqual([{ kind: 'beginTransaction', transactionId: 'map#0/a0/txn-4' }]);
    expect(h.view.lifecycle).toBe('running');
  });

  it('a restored open transaction without pre-committed ones is aborted, and nothing is reported committed', () => {
    const h = new TaskHarness({ ...SOURCE, twoPhaseCommitSink: true, restore: restore({ openTransaction: 'old', pendingTransactions: [] }) as never });
    expect(ofKind(h.commands, 'recoverAndAbort')).toEqual([{ kind: 'recoverAndAbort', transactionId: 'old' }]);
    expect(ofKind(h.commands, 'committed')).toEqual([]);
  });

  it('restored pre-committed transactions without an open one are committed, and no abort is sent', () => {
    const pending = [{ checkpointId: 3, transactionId: 't3' }];
    const h = new TaskHarness({ ...SOURCE, twoPhaseCommitSink: true, restore: restore({ openTransaction: null, pendingTransactions: pending }) as never });
    expect(ofKind(h.commands, 'recoverAndCommit')).toEqual([{ kind: 'recoverAndCommit', checkpointId: 3, transactionId: 't3' }]);
    expect(ofKind(h.commands, 'committed')).toMatchObject([{ checkpointId: 4, transactions: pending, recovered: true }]);
    expect(ofKind(h.commands, 'recoverAndAbort')).toEqual([]);
  });

  it('after the final checkpoint pre-committed the last transaction, a further checkpoint pre-commits nothing', () => {
    const h = new TaskHarness({ ...SOURCE, twoPhaseCommitSink: true, awaitFinalCheckpoint: true });
    h.send({ type: 'task.endOfInput', now: h.now });
    expect(h.view.finishing).toBe('awaitingFinalCheckpoint');
    expect(ofKind(h.trigger(1), 'preCommit')).toHaveLength(1);
    expect(h.view.openTransaction).toBeNull();
    const out = h.trigger(2);
    expect(ofKind(out, 'preCommit')).toEqual([]);
    expect(ofKind(out, 'beginTransaction')).toEqual([]);
    expect(h.view.pendingTransactions).toEqual([{ checkpointId: 1, transactionId: 'map#0/a0/txn-0' }]);
  });

  it('a completion below every pre-committed transaction commits nothing and reports nothing', () => {
    const h = new TaskHarness({ ...SOURCE, twoPhaseCommitSink: true });
    h.trigger(2);
    h.trigger(3);
    h.complete(3);
    h.trigger(5);
    const before = h.snapshot.context;
    // a repeated notice of 3: the transaction of 5 stays pending
    expect(h.complete(3)).toEqual([]);
    expect(h.snapshot.context).toBe(before);
    expect(h.view.pendingTransactions).toEqual([{ checkpointId: 5, transactionId: 'map#0/a0/txn-3' }]);
  });
});
