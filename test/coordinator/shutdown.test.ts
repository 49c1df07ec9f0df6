/**
 * Shutdown (CheckpointCoordinatorTest: testStopPeriodicScheduler…, testTriggerCheckpointWithShuttingDownCoordinator,
 * testScheduleTriggerRequestDuringShutdown, testShutdownCheckpointCoordinatorOnFailure).
 */
import { describe, expect, it } from 'vitest';
import { completeCheckpoint, flush, startFixture, track, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { DeferredCounter, DeferredStore } from '../support/deferred-ports.js';

useProtocolMonitors();

describe('shutdown', () => {
  it('aborts pending checkpoints and fails queued requests with CHECKPOINT_COORDINATOR_SHUTDOWN, uncounted', async () => {
    const f = await startFixture({ config: { tolerableFailures: 0, interval: 1000 } });
    f.c.startScheduler();
    const pending = f.c.triggerCheckpoint();
    f.ack('src#0', 1);
    const queued = f.c.triggerCheckpoint();
    f.c.shutdown();
    expect(await pending).toEqual({ status: 'aborted', checkpointId: 1, snapshot: 'checkpoint', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    expect(await queued).toEqual({ status: 'failed', snapshot: 'checkpoint', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    expect(f.sentOf('notifyCheckpointAborted').map((m) => m.taskId)).toEqual(['src#0', 'src#1', 'sink#0']);
    expect(f.discarded).toEqual([{ key: 'src#0@1', sizeBytes: 10 }]);
    expect(f.jobFailures).toEqual([]);
    expect(f.c.state().status).toBe('shutDown');
    expect(f.time.pending()).toEqual([]);
  });

  it('is idempotent', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    f.c.shutdown();
    f.clearLog();
    f.c.shutdown();
    expect(f.commands.map((c) => c.kind)).toEqual(['rejected']);
    expect(f.sent).toEqual([]);
    expect(f.c.state().status).toBe('shutDown');
  });

  it('makes later requests fail and rejects messages and controls', async () => {
    const f = await startFixture({ config: { interval: 1000 } });
    await completeCheckpoint(f);
    f.c.shutdown();
    const before = f.c.actor.getSnapshot().context;
    expect(await f.c.triggerCheckpoint()).toEqual({ status: 'failed', snapshot: 'checkpoint', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    expect(await f.c.triggerSavepoint()).toEqual({ status: 'failed', snapshot: 'savepoint', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    expect(await f.c.triggerSavepoint('terminate')).toEqual({ status: 'failed', snapshot: 'sync-savepoint', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    for (const r of [f.ack('src#0', 1), f.decline('src#0', 1), f.report('src#0', 'failed'), f.c.startScheduler(), f.c.restore('global'), f.c.abortPending()]) {
      expect(r).toMatchObject({ ok: false, rejection: { code: 'shut-down' } });
    }
    expect(f.restores).toEqual([]);
    expect(f.c.actor.getSnapshot().context).toBe(before);
  });

  it('fails a trigger in flight; the id that arrives later is not used', async () => {
    const counter = new DeferredCounter();
    const f = await startFixture({ counter });
    const p = f.c.triggerCheckpoint();
    f.c.shutdown();
    expect(await p).toEqual({ status: 'failed', snapshot: 'checkpoint', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    await counter.release();
    expect(f.commandsOf('pendingCreated')).toEqual([]);
    expect(f.sent).toEqual([]);
  });

  it('lets a store write in flight finish, without notifying anyone', async () => {
    const store = new DeferredStore();
    const f = await startFixture({ store });
    const p = track(f.c.triggerCheckpoint());
    f.ackAll(1);
    f.c.shutdown();
    await flush();
    expect(p.value).toBeUndefined();
    await store.release();
    expect(p.value).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'checkpoint' });
    expect(store.entries.map((c) => c.checkpointId)).toEqual([1]);
    expect(f.sentOf('notifyCheckpointComplete')).toEqual([]);
    expect(f.sentOf('notifyCheckpointAborted')).toEqual([]);
  });

  it('a store write that fails after shutdown aborts the checkpoint with CHECKPOINT_COORDINATOR_SHUTDOWN', async () => {
    const store = new DeferredStore();
    const f = await startFixture({ store, config: { tolerableFailures: 0 } });
    const p = f.c.triggerCheckpoint();
    f.ackAll(1);
    f.c.shutdown();
    await store.fail();
    expect(await p).toMatchObject({ status: 'aborted', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    expect(f.jobFailures).toEqual([]);
    expect(f.discarded.map((h) => h.key).sort()).toEqual(['sink#0@1', 'src#0@1', 'src#1@1']);
    expect(f.time.pending()).toEqual([]);
    expect(f.sent.filter((m) => m.type !== 'triggerCheckpoint')).toEqual([]);
  });
});
