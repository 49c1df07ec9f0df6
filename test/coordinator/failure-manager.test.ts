/**
 * The tolerable-failure threshold as the coordinator applies it (CheckpointFailureManagerTest,
 * CheckpointCoordinatorFailureTest: testFailingCompletedCheckpointStoreAdd,
 * testTriggerCheckpointWithCounterIOException).
 */
import { describe, expect, it } from 'vitest';
import { completeCheckpoint, startFixture, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { InMemoryCheckpointStore, InMemoryIdCounter } from '../../runtime/coordinator/memory-store.js';

useProtocolMonitors();

describe('counting failures', () => {
  it('fails the job on the first counted failure with tolerance 0', async () => {
    const f = await startFixture({ config: { tolerableFailures: 0 } });
    void f.c.triggerCheckpoint();
    f.decline('sink#0', 1, 'CHECKPOINT_DECLINED');
    expect(f.commandsOf('failureCounted')).toEqual([{ kind: 'failureCounted', checkpointId: 1, reason: 'CHECKPOINT_DECLINED', counter: 1, failedJob: true }]);
    expect(f.jobFailures).toEqual([{ reason: 'CHECKPOINT_DECLINED', checkpointId: 1, taskId: 'sink#0' }]);
  });

  it('fails the job when consecutive counted failures exceed the tolerance, then starts over', async () => {
    const f = await startFixture({ config: { tolerableFailures: 2, timeout: 100 } });
    for (let i = 0; i < 4; i++) {
      void f.c.triggerCheckpoint();
      f.time.advance(100);
    }
    expect(f.commandsOf('failureCounted').map((c) => [c.checkpointId, c.reason, c.counter, c.failedJob])).toEqual([
      [1, 'CHECKPOINT_EXPIRED', 1, false],
      [2, 'CHECKPOINT_EXPIRED', 2, false],
      [3, 'CHECKPOINT_EXPIRED', 3, true],
      [4, 'CHECKPOINT_EXPIRED', 1, false],
    ]);
    expect(f.jobFailures).toEqual([{ reason: 'CHECKPOINT_EXPIRED', checkpointId: 3, taskId: null }]);
  });

  it('resets the counter on success', async () => {
    const f = await startFixture({ config: { tolerableFailures: 1, timeout: 100 } });
    void f.c.triggerCheckpoint();
    f.time.advance(100);
    expect(f.c.state().failureCounter).toBe(1);
    await completeCheckpoint(f);
    expect(f.c.state().failureCounter).toBe(0);
    void f.c.triggerCheckpoint();
    f.time.advance(100);
    expect(f.jobFailures).toEqual([]);
    expect(f.c.state().failureCounter).toBe(1);
  });

  it('ignores failures of ids at or below the last success (an id counter that went back after a restart)', async () => {
    const store = new InMemoryCheckpointStore();
    const first = await startFixture({ store, counter: new InMemoryIdCounter(5) });
    await completeCheckpoint(first); // checkpoint 5 is the last success
    first.c.shutdown();
    const f = await startFixture({ store, counter: new InMemoryIdCounter(3), config: { tolerableFailures: 0, timeout: 100 } });
    void f.c.triggerCheckpoint(); // id 3, below the last success
    f.time.advance(100);
    expect(f.commandsOf('checkpointAborted').map((c) => [c.checkpointId, c.reason])).toEqual([[3, 'CHECKPOINT_EXPIRED']]);
    expect(f.commandsOf('failureCounted')).toEqual([]);
    expect(f.jobFailures).toEqual([]);
  });

  it('counts only counted reasons', async () => {
    const f = await startFixture({ config: { tolerableFailures: 0, maxConcurrent: 2 } });
    const uncounted = ['CHECKPOINT_DECLINED_TASK_NOT_READY', 'CHECKPOINT_DECLINED_TASK_CLOSING', 'CHECKPOINT_DECLINED_SUBSUMED', 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER', 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM', 'CHANNEL_STATE_SHARED_STREAM_EXCEPTION', 'TASK_CHECKPOINT_FAILURE'] as const;
    let id = 0;
    for (const reason of uncounted) {
      void f.c.triggerCheckpoint();
      f.decline('src#0', ++id, reason);
    }
    void f.c.triggerCheckpoint(); // subsumed below
    void f.c.triggerCheckpoint();
    f.ackAll(id + 2);
    expect(f.commandsOf('checkpointAborted').map((c) => c.reason)).toEqual([...uncounted, 'CHECKPOINT_SUBSUMED']);
    expect(f.commandsOf('failureCounted')).toEqual([]);
    expect(f.jobFailures).toEqual([]);
    void f.c.triggerCheckpoint();
    f.decline('src#0', id + 3, 'CHECKPOINT_ASYNC_EXCEPTION');
    expect(f.jobFailures.map((j) => j.reason)).toEqual(['CHECKPOINT_ASYNC_EXCEPTION']);
  });

  it('never counts anything with an unlimited tolerance', async () => {
    const f = await startFixture({ config: { tolerableFailures: Infinity, timeout: 10 } });
    for (let i = 0; i < 20; i++) {
      void f.c.triggerCheckpoint();
      f.time.advance(10);
    }
    expect(f.c.stats().failuresByReason.CHECKPOINT_EXPIRED).toBe(20);
    expect(f.commandsOf('failureCounted')).toEqual([]);
    expect(f.jobFailures).toEqual([]);
  });

  it('counts an I/O failure of the id counter with an unknown id', async () => {
    const counter = new InMemoryIdCounter();
    const f = await startFixture({ config: { tolerableFailures: 1 }, counter });
    counter.failNext = true;
    expect(await f.c.triggerCheckpoint()).toEqual({ status: 'failed', snapshot: 'checkpoint', reason: 'IO_EXCEPTION' });
    counter.failNext = true;
    expect(await f.c.triggerCheckpoint()).toEqual({ status: 'failed', snapshot: 'checkpoint', reason: 'IO_EXCEPTION' });
    expect(f.commandsOf('failureCounted').map((c) => [c.checkpointId, c.counter, c.failedJob])).toEqual([
      [-1, 1, false],
      [-1, 2, true],
    ]);
    expect(f.commandsOf('pendingCreated')).toEqual([]);
    expect(f.jobFailures).toEqual([{ reason: 'IO_EXCEPTION', checkpointId: -1, taskId: null }]);
    // The counter works again: the next checkpoint gets id 1 (failed allocations consumed none here).
    expect(await completeCheckpoint(f)).toMatchObject({ status: 'completed', checkpointId: 1 });
  });

  it('does not count a non-I/O failure of the id counter', async () => {
    let fail = true;
    const f = await startFixture({
      config: { tolerableFailures: 0 },
      counter: {
        getAndIncrement: () => {
          if (fail) throw new Error('bug');
          return 1;
        },
      },
    });
    expect(await f.c.triggerCheckpoint()).toEqual({ status: 'failed', snapshot: 'checkpoint', reason: 'TRIGGER_CHECKPOINT_FAILURE' });
    expect(f.jobFailures).toEqual([]);
    fail = false;
    expect(await completeCheckpoint(f)).toMatchObject({ status: 'completed', checkpointId: 1 });
  });

  it('never counts a savepoint failure from the id counter', async () => {
    const counter = new InMemoryIdCounter();
    const f = await startFixture({ config: { tolerableFailures: 0 }, counter });
    counter.failNext = true;
    expect(await f.c.triggerSavepoint()).toMatchObject({ status: 'failed', reason: 'IO_EXCEPTION' });
    expect(f.jobFailures).toEqual([]);
  });
});

describe('store failures', () => {
  it('abort the checkpoint with FINALIZE_CHECKPOINT_FAILURE (counted) and send no completion notice', async () => {
    const store = new InMemoryCheckpointStore();
    const f = await startFixture({ store, config: { tolerableFailures: 1 } });
    store.failNextAdd = true;
    const p = f.c.triggerCheckpoint();
    f.ackAll(1);
    expect(await p).toEqual({ status: 'aborted', checkpointId: 1, snapshot: 'checkpoint', reason: 'FINALIZE_CHECKPOINT_FAILURE' });
    expect(f.sentOf('notifyCheckpointComplete')).toEqual([]);
    expect(f.sentOf('notifyCheckpointAborted').map((m) => m.checkpointId)).toEqual([1, 1, 1]);
    expect(f.discarded.map((h) => h.key).sort()).toEqual(['sink#0@1', 'src#0@1', 'src#1@1']);
    expect(f.commandsOf('failureCounted')).toEqual([{ kind: 'failureCounted', checkpointId: 1, reason: 'FINALIZE_CHECKPOINT_FAILURE', counter: 1, failedJob: false }]);
    expect(store.load()).toEqual([]);
    expect(f.c.state().completed).toEqual([]);
    // The store works again.
    expect(await completeCheckpoint(f)).toMatchObject({ status: 'completed', checkpointId: 2 });
  });
});
