import { describe, expect, it } from 'vitest';
import { MAX_ABORTED_BEFORE_START } from '../../machines/task/index.js';
import { acks, broadcasts, declines, messages, ofKind, OPTIONS, reported, TaskHarness } from './task-harness.js';

const SOURCE = { inputChannels: 0 } as const;

describe('snapshot phases per checkpoint', () => {
  it('a source starts on the trigger: barrier downstream, synchronous part, asynchronous part, acknowledgement', () => {
    const h = new TaskHarness(SOURCE, { asyncReplies: false });
    expect(h.view.barrierHandler).toBe('triggeredByCoordinator');
    const started = h.trigger(1);
    expect(started.map((c) => c.kind)).toEqual(['broadcast', 'snapshotSync', 'snapshotAsync']);
    expect(h.view.snapshotsInProgress).toEqual([{ checkpointId: 1, phase: 'async' }]);
    h.now += 25;
    const out = h.send({ type: 'snapshot.asyncCompleted', checkpointId: 1, state: { key: 'k1', sizeBytes: 42 }, now: h.now });
    expect(messages(out)).toMatchObject([{ type: 'acknowledgeCheckpoint', checkpointId: 1, state: { key: 'k1' }, metrics: { asyncDurationMs: 25, bytesPersisted: 42 } }]);
    expect(h.view.snapshotsInProgress).toEqual([]);
  });

  it('takes the synchronous part within the step that starts the snapshot; a failure report for a snapshot that ended changes nothing', () => {
    const h = new TaskHarness(SOURCE);
    expect(acks(h.trigger(1))).toEqual([1]);
    const before = h.snapshot;
    expect(h.send({ type: 'snapshot.syncFailed', checkpointId: 1, message: 'late', now: h.now })).toEqual([]);
    expect(h.snapshot.context).toBe(before.context);
    expect(h.view.lifecycle).toBe('running');
  });

  it('the synchronous duration the runtime measured is reported, and left out of the asynchronous one', () => {
    const h = new TaskHarness(SOURCE, { asyncReplies: false });
    h.trigger(1);
    h.now += 30;
    const out = h.send({ type: 'snapshot.asyncCompleted', checkpointId: 1, state: null, syncDurationMs: 10, now: h.now });
    expect(messages(out)).toMatchObject([{ type: 'acknowledgeCheckpoint', metrics: { syncDurationMs: 10, asyncDurationMs: 20 } }]);
  });

  it('the out-of-order guard drops an id at or below the last started one (duplicate or late trigger)', () => {
    const h = new TaskHarness(SOURCE);
    expect(acks(h.trigger(2))).toEqual([2]);
    const before = h.snapshot.context;
    expect(h.trigger(2)).toEqual([]);
    expect(h.trigger(1)).toEqual([]);
    expect(h.snapshot.context).toBe(before);
    expect(acks(h.trigger(3))).toEqual([3]);
  });

  it('a trigger while not running is declined with CHECKPOINT_DECLINED_TASK_NOT_READY and a cancel marker', () => {
    const h = new TaskHarness(SOURCE, { run: false });
    const deploying = h.trigger(1);
    expect(declines(deploying)).toEqual([[1, 'CHECKPOINT_DECLINED_TASK_NOT_READY']]);
    expect(broadcasts(deploying)).toEqual(['cancelMarker:1']);
    const initializing = new TaskHarness(SOURCE, { run: false, syncReplies: false });
    initializing.send({ type: 'task.start', now: 1 });
    expect(initializing.view.lifecycle).toBe('initializing');
    expect(declines(initializing.trigger(1))).toEqual([[1, 'CHECKPOINT_DECLINED_TASK_NOT_READY']]);
    // not counted as started: the same id runs once the task does
    initializing.send({ type: 'task.initialized', now: 2 });
    expect(ofKind(initializing.trigger(1), 'snapshotSync').map((c) => c.checkpointId)).toEqual([1]);
  });

  it('a trigger to an attempt that ended is declined without a cancel marker', () => {
    const h = new TaskHarness(SOURCE);
    h.send({ type: 'task.cancel', now: h.now });
    const out = h.trigger(1);
    expect(declines(out)).toEqual([[1, 'CHECKPOINT_DECLINED_TASK_NOT_READY']]);
    expect(broadcasts(out)).toEqual([]);
  });

  it('an asynchronous failure declines with CHECKPOINT_ASYNC_EXCEPTION', () => {
    const h = new TaskHarness(SOURCE, { asyncReplies: false });
    h.trigger(1);
    const out = h.send({ type: 'snapshot.asyncFailed', checkpointId: 1, message: 'upload failed', now: h.now });
    expect(declines(out)).toEqual([[1, 'CHECKPOINT_ASYNC_EXCEPTION']]);
    expect(h.view.snapshotsInProgress).toEqual([]);
    expect(h.view.lifecycle).toBe('running');
    // a repeated failure (or a late success) of the same snapshot is stale
    expect(h.send({ type: 'snapshot.asyncFailed', checkpointId: 1, message: 'again', now: h.now })).toEqual([]);
    expect(h.send({ type: 'snapshot.asyncCompleted', checkpointId: 1, state: null, now: h.now })).toEqual([]);
  });

  it('a synchronous failure fails the task', () => {
    // The runtime runs no asynchronous part after a failed synchronous one: no async answer here.
    const h = new TaskHarness(SOURCE, { syncReplies: false, asyncReplies: false });
    h.send({ type: 'task.initialized', now: h.now });
    h.trigger(1);
    const out = h.send({ type: 'snapshot.syncFailed', checkpointId: 1, message: 'disk full', now: h.now });
    expect(reported(out)).toEqual(['failed']);
    expect(h.view.failure).toContain('disk full');
    expect(h.view.lifecycle).toBe('failed');
  });

  it('an abort notice during the asynchronous part cancels the snapshot and reports its figures', () => {
    const h = new TaskHarness(SOURCE, { asyncReplies: false });
    h.trigger(1);
    const out = h.aborted(1);
    expect(ofKind(out, 'cancelSnapshot').map((c) => c.checkpointId)).toEqual([1]);
    expect(messages(out).map((m) => m.type)).toEqual(['reportCheckpointMetrics']);
    expect(h.view.snapshotsInProgress).toEqual([]);
    expect(h.send({ type: 'snapshot.asyncCompleted', checkpointId: 1, state: null, now: h.now })).toEqual([]);
  });

  it('an abort before the trigger is remembered: the later trigger only broadcasts a cancel marker', () => {
    const h = new TaskHarness(SOURCE);
    expect(h.aborted(3)).toEqual([]);
    expect(h.view.abortedBeforeStart).toEqual([3]);
    const out = h.trigger(3);
    expect(out).toEqual([{ kind: 'broadcast', event: { type: 'cancelMarker', checkpointId: 3 } }]);
    expect(h.view.abortedBeforeStart).toEqual([]);
    expect(h.view.lastStartedCheckpointId).toBe(3);
  });

  it('an abort before the barriers arrive turns the aligned checkpoint into a cancel marker downstream', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    h.aborted(1);
    h.barrier(0, 1);
    const out = h.barrier(1, 1);
    expect(broadcasts(out)).toEqual(['cancelMarker:1']);
    expect(ofKind(out, 'snapshotSync')).toEqual([]);
    expect(declines(out)).toEqual([]);
    expect(ofKind(out, 'unblockChannel')).toHaveLength(1);
  });

  it(`remembers at most ${MAX_ABORTED_BEFORE_START} ids, evicting the oldest`, () => {
    const h = new TaskHarness(SOURCE);
    for (let id = 2; id <= MAX_ABORTED_BEFORE_START + 2; id++) h.aborted(id);
    expect(h.view.abortedBeforeStart).toHaveLength(MAX_ABORTED_BEFORE_START);
    expect(h.view.abortedBeforeStart[0]).toBe(3);
    // the evicted id starts normally, the remembered ones are skipped
    expect(acks(h.trigger(2))).toEqual([2]);
    expect(broadcasts(h.trigger(3))).toEqual(['cancelMarker:3']);
  });

  it('an abort of an id already started and finished is not remembered', () => {
    const h = new TaskHarness(SOURCE);
    h.trigger(1);
    expect(h.aborted(1)).toEqual([]);
    expect(h.view.abortedBeforeStart).toEqual([]);
  });

  it('starting a checkpoint forgets remembered ids below it (they can never start)', () => {
    const h = new TaskHarness(SOURCE);
    h.aborted(2);
    h.aborted(5);
    h.trigger(4);
    expect(h.view.abortedBeforeStart).toEqual([5]);
  });

  it('a task with open inputs rejects triggers (its barriers start checkpoints)', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    const before = h.snapshot;
    const out = h.trigger(1);
    expect(ofKind(out, 'rejected')).toMatchObject([{ rejection: { code: 'invalid-request' } }]);
    expect(h.snapshot).toBe(before);
  });

  it('several snapshots may run their asynchronous parts at once and are acknowledged independently', () => {
    const h = new TaskHarness(SOURCE, { asyncReplies: false });
    h.trigger(1);
    h.trigger(2);
    expect(h.view.snapshotsInProgress.map((s) => s.checkpointId)).toEqual([1, 2]);
    expect(acks(h.send({ type: 'snapshot.asyncCompleted', checkpointId: 2, state: null, now: h.now }))).toEqual([2]);
    expect(acks(h.send({ type: 'snapshot.asyncCompleted', checkpointId: 1, state: null, now: h.now }))).toEqual([1]);
  });

  it('forced-aligned options are forwarded as unaligned-capable', () => {
    const h = new TaskHarness(SOURCE);
    const out = h.trigger(1, { snapshot: 'checkpoint', alignment: 'forced-aligned', alignedCheckpointTimeoutMs: 0 });
    expect(ofKind(out, 'broadcast')[0]?.event).toMatchObject({ type: 'barrier', options: { alignment: 'unaligned' } });
    expect(ofKind(out, 'snapshotSync')[0]?.options.alignment).toBe('forced-aligned');
  });

  it('uses the options given for a savepoint', () => {
    const h = new TaskHarness(SOURCE);
    expect(ofKind(h.trigger(1, OPTIONS.savepoint), 'snapshotSync')[0]?.options.snapshot).toBe('savepoint');
  });
});
