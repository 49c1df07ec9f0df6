import { describe, expect, it } from 'vitest';
import { acks, broadcasts, declines, ofKind, OPTIONS, reported, TaskHarness } from './task-harness.js';

const SOURCE = { inputChannels: 0 } as const;

describe('lifecycle of one attempt', () => {
  it('reports every state change: deploying, initializing, running', () => {
    const h = new TaskHarness(SOURCE, { run: false, syncReplies: false });
    expect(reported(h.commands)).toEqual(['deploying']);
    expect(h.view.lifecycle).toBe('deploying');
    expect(h.view.barrierHandler).toBe('idle');
    expect(reported(h.send({ type: 'task.start', now: 1 }))).toEqual(['initializing']);
    expect(ofKind(h.commands, 'initializeState')).toEqual([{ kind: 'initializeState', restore: null }]);
    expect(reported(h.send({ type: 'task.initialized', now: 2 }))).toEqual(['running']);
    expect(h.view.barrierHandler).toBe('triggeredByCoordinator');
  });

  it('carries the identity of the attempt in every message', () => {
    const h = new TaskHarness({ ...SOURCE, taskId: 'src#3', attempt: 4 });
    h.trigger(1);
    for (const c of ofKind(h.commands, 'sendToCoordinator')) expect(c.message).toMatchObject({ jobId: 'job-1', taskId: 'src#3', attempt: 4 });
  });

  it('end of input (source) waits for the final checkpoint, then finishes and ends its outputs', () => {
    const h = new TaskHarness(SOURCE);
    h.trigger(1);
    h.send({ type: 'task.endOfInput', now: h.now });
    expect(h.view.lifecycle).toBe('finishing');
    expect(h.view.finishing).toBe('awaitingFinalCheckpoint');
    // completing a checkpoint started before the input ended does not finish the task
    expect(reported(h.complete(1))).toEqual([]);
    expect(acks(h.trigger(2))).toEqual([2]);
    const out = h.complete(2);
    expect(broadcasts(out)).toEqual(['endOfPartition']);
    expect(reported(out)).toEqual(['finished']);
    expect(h.view.barrierHandler).toBe('stopped');
  });

  it('an aborted final checkpoint is followed by another one; the abort notice catch-up may finish the task', () => {
    const h = new TaskHarness(SOURCE);
    h.send({ type: 'task.endOfInput', now: h.now });
    h.trigger(1);
    expect(reported(h.aborted(1))).toEqual([]);
    h.trigger(2);
    expect(reported(h.aborted(3, 2))).toEqual(['finished']);
  });

  it('without a final checkpoint the task finishes when its input ends', () => {
    const h = new TaskHarness({ ...SOURCE, awaitFinalCheckpoint: false });
    expect(reported(h.send({ type: 'task.endOfInput', now: h.now }))).toEqual(['finished']);
    const t = new TaskHarness({ inputChannels: 1, awaitFinalCheckpoint: false });
    expect(reported(t.endOfPartition(0))).toEqual(['finished']);
  });

  it('a two-phase-commit sink pre-commits its last transaction in the final checkpoint and begins none', () => {
    const h = new TaskHarness({ inputChannels: 1, twoPhaseCommitSink: true, taskId: 'sink#0' });
    h.endOfPartition(0);
    const out = h.trigger(1);
    expect(ofKind(out, 'preCommit')).toHaveLength(1);
    expect(ofKind(out, 'beginTransaction')).toEqual([]);
    expect(h.view.openTransaction).toBeNull();
    const done = h.complete(1);
    expect(ofKind(done, 'commit')).toHaveLength(1);
    expect(ofKind(done, 'abortTransaction')).toEqual([]);
    expect(reported(done)).toEqual(['finished']);
  });

  it('stop-with-savepoint (suspend): the completion of the savepoint finishes the task', () => {
    const h = new TaskHarness({ ...SOURCE, twoPhaseCommitSink: true, taskId: 'sink#0' });
    const out = h.trigger(5, OPTIONS.stop('suspend'));
    expect(broadcasts(out)).toEqual(['barrier:5']);
    expect(ofKind(out, 'beginTransaction')).toHaveLength(1); // no drain: a new transaction opens
    expect(h.view.finishing).toBe('stoppingWithSavepoint');
    expect(reported(h.complete(4))).toEqual([]);
    const done = h.complete(5);
    expect(ofKind(done, 'commit').map((c) => c.checkpointId)).toEqual([5]);
    expect(ofKind(done, 'abortTransaction')).toHaveLength(1); // the transaction opened after it
    expect(reported(done)).toEqual(['finished']);
  });

  it('stop-with-savepoint (terminate) drains: the savepoint pre-commits the last transaction and begins none', () => {
    const h = new TaskHarness({ ...SOURCE, twoPhaseCommitSink: true, taskId: 'sink#0' });
    const out = h.trigger(5, OPTIONS.stop('terminate'));
    expect(ofKind(out, 'beginTransaction')).toEqual([]);
    expect(reported(h.complete(5))).toEqual(['finished']);
  });

  it('the abort of the current stop-with-savepoint fails the task (after catching up)', () => {
    const h = new TaskHarness({ ...SOURCE, twoPhaseCommitSink: true, taskId: 'sink#0' });
    h.trigger(4);
    h.trigger(5, OPTIONS.stop('suspend'));
    const out = h.aborted(5, 4);
    expect(ofKind(out, 'commit').map((c) => c.checkpointId)).toEqual([4]);
    expect(reported(out)).toEqual(['failed']);
    expect(h.view.failure).toMatch(/stop-with-savepoint 5 failed/);
  });

  it('a stop-with-savepoint reached through barriers finishes a task with inputs', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    h.barrier(0, 3, OPTIONS.stop('terminate'));
    expect(h.view.lifecycle).toBe('running');
    h.barrier(1, 3, OPTIONS.stop('terminate'));
    expect(h.view.finishing).toBe('stoppingWithSavepoint');
    // upstream may end its partitions before this task hears of the completion
    h.endOfPartition(0);
    h.endOfPartition(1);
    expect(h.view.finishing).toBe('stoppingWithSavepoint');
    expect(reported(h.complete(3))).toEqual(['finished']);
  });

  it('while stopping with a savepoint, a newer checkpoint is declined as CHECKPOINT_DECLINED_TASK_CLOSING', () => {
    const h = new TaskHarness(SOURCE);
    h.trigger(5, OPTIONS.stop('suspend'));
    const out = h.trigger(6);
    expect(declines(out)).toEqual([[6, 'CHECKPOINT_DECLINED_TASK_CLOSING']]);
    expect(broadcasts(out)).toEqual(['cancelMarker:6']);
  });

  it('an aborted unrelated checkpoint does not stop a stop-with-savepoint', () => {
    const h = new TaskHarness(SOURCE);
    h.trigger(5, OPTIONS.stop('suspend'));
    expect(reported(h.aborted(4))).toEqual([]);
    expect(h.view.finishing).toBe('stoppingWithSavepoint');
  });

  it('cancel and fail end the attempt from any live state, once; later lifecycle events are ignored', () => {
    for (const run of [false, true]) {
      const h = new TaskHarness(SOURCE, { run });
      expect(reported(h.send({ type: 'task.cancel', now: 1 }))).toEqual(['canceled']);
      expect(h.send({ type: 'task.cancel', now: 2 })).toEqual([]);
      expect(h.send({ type: 'task.fail', message: 'late', now: 3 })).toEqual([]);
      expect(h.view.lifecycle).toBe('canceled');
    }
    const f = new TaskHarness(SOURCE);
    expect(reported(f.send({ type: 'task.fail', message: 'oom', now: 1 }))).toEqual(['failed']);
    expect(f.view.failure).toBe('oom');
  });

  it('failure cancels the running snapshots', () => {
    const h = new TaskHarness(SOURCE, { asyncReplies: false });
    h.trigger(1);
    h.trigger(2);
    const out = h.send({ type: 'task.fail', message: 'x', now: 1 });
    expect(ofKind(out, 'cancelSnapshot').map((c) => c.checkpointId)).toEqual([1, 2]);
    expect(h.view.snapshotsInProgress).toEqual([]);
  });

  it('rejects lifecycle events out of order, changing nothing', () => {
    const h = new TaskHarness(SOURCE);
    const before = h.snapshot;
    for (const type of ['task.start', 'task.initialized'] as const) {
      expect(ofKind(h.send({ type, now: 5 }), 'rejected')).toMatchObject([{ eventType: type, rejection: { code: 'invalid-request' } }]);
    }
    const t = new TaskHarness({ inputChannels: 2 });
    expect(ofKind(t.send({ type: 'task.endOfInput', now: 5 }), 'rejected')).toHaveLength(1);
    expect(h.snapshot).toBe(before);
  });
});
