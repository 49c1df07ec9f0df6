/**
 * Restore and coordinator restarts (CheckpointCoordinatorRestoringTest, CheckpointCoordinatorTest:
 * testRestoreLatestCheckpointedState…, testCheckpointIdCounter…).
 */
import { describe, expect, it } from 'vitest';
import { ProtocolMonitor } from '../../spec/index.js';
import { InMemoryCheckpointStore, InMemoryIdCounter } from '../../runtime/coordinator/memory-store.js';
import { ManualTime } from '../../runtime/time.js';
import { completeCheckpoint, startFixture, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { DeferredStore } from '../support/deferred-ports.js';

useProtocolMonitors();

describe('restore', () => {
  it('with no checkpoint restores every task from nothing', async () => {
    const f = await startFixture();
    expect(f.c.restore('global')).toEqual({ ok: true });
    expect(f.restores).toEqual([{ scope: 'global', checkpoint: null, tasks: ['src#0', 'src#1', 'sink#0'] }]);
    expect(f.c.stats().restored).toBe(0);
    expect(f.c.stats().latestRestored).toBeNull();
  });

  it('regional and initial with no checkpoint restore the given tasks from nothing', async () => {
    const f = await startFixture();
    f.c.restore('regional', ['sink#0']);
    f.c.restore('initial');
    expect(f.restores).toEqual([
      { scope: 'regional', checkpoint: null, tasks: ['sink#0'] },
      { scope: 'initial', checkpoint: null, tasks: ['src#0', 'src#1', 'sink#0'] },
    ]);
  });

  it('never restores a savepoint: the latest completed checkpoint wins', async () => {
    const f = await startFixture();
    await completeCheckpoint(f);
    const sp = f.c.triggerSavepoint();
    f.ackAll(2);
    await sp;
    f.c.restore('global');
    expect(f.restores.map((r) => r.checkpoint?.checkpointId)).toEqual([1]);
  });

  it('global: restores exactly the latest completed checkpoint to every task', async () => {
    const f = await startFixture({ config: { retained: 3 } });
    await completeCheckpoint(f);
    await completeCheckpoint(f);
    await completeCheckpoint(f);
    f.time.advance(42);
    f.c.restore('global');
    expect(f.restores).toHaveLength(1);
    expect(f.restores[0]?.checkpoint?.checkpointId).toBe(3);
    expect(f.restores[0]?.checkpoint?.taskStates.get('sink#0')).toEqual({ key: 'sink#0@3', sizeBytes: 10 });
    expect(f.restores[0]?.tasks).toEqual(['src#0', 'src#1', 'sink#0']);
    expect(f.c.stats()).toMatchObject({ restored: 1, latestRestored: { checkpointId: 3, at: 1042 } });
    expect(f.monitor.reached('recovery-happens')).toBe(true);
  });

  it('regional: restores only the given tasks', async () => {
    const f = await startFixture();
    await completeCheckpoint(f);
    expect(f.c.restore('regional', ['src#1'])).toEqual({ ok: true });
    expect(f.restores.map((r) => [r.scope, r.checkpoint?.checkpointId, r.tasks])).toEqual([['regional', 1, ['src#1']]]);
  });

  it('regional: rejects a task that is not part of the job', async () => {
    const f = await startFixture();
    const before = f.c.actor.getSnapshot().context;
    expect(f.c.restore('regional', ['nope#0'])).toMatchObject({ ok: false, rejection: { code: 'unknown-task', path: '$.tasks' } });
    expect(f.restores).toEqual([]);
    expect(f.c.actor.getSnapshot().context).toBe(before);
  });

  it('initial: restores the latest checkpoint the store held at start', async () => {
    const store = new InMemoryCheckpointStore();
    const monitor = new ProtocolMonitor();
    const first = await startFixture({ store, monitor });
    await completeCheckpoint(first);
    first.c.shutdown();
    monitor.observe({ kind: 'coordinatorRestarted' });
    const second = await startFixture({ store, monitor, running: false });
    second.c.restore('initial');
    expect(second.restores.map((r) => [r.scope, r.checkpoint?.checkpointId, r.tasks])).toEqual([['initial', 1, ['src#0', 'src#1', 'sink#0']]]);
  });
});

describe('coordinator restart', () => {
  it('continues ids without reuse and restores the latest checkpoint', async () => {
    const store = new InMemoryCheckpointStore();
    const counter = new InMemoryIdCounter();
    const monitor = new ProtocolMonitor();
    const before = await startFixture({ store, counter, monitor, config: { tolerableFailures: 5 } });
    await completeCheckpoint(before); // 1
    await completeCheckpoint(before); // 2
    void before.c.triggerCheckpoint(); // 3, pending when the coordinator dies
    before.ack('src#0', 3);
    before.c.actor.stop();

    monitor.observe({ kind: 'coordinatorRestarted' });
    const after = await startFixture({ store, counter, monitor, time: new ManualTime(before.time.now()) });
    expect(after.c.state().completed).toEqual([2]);
    after.c.restore('initial');
    expect(after.restores.map((r) => r.checkpoint?.checkpointId)).toEqual([2]);
    const next = await completeCheckpoint(after);
    expect(next).toMatchObject({ status: 'completed', checkpointId: 4 });
    expect(store.load().map((c) => c.checkpointId)).toEqual([4]);
    // An acknowledgement for the checkpoint that died with the old coordinator is unknown now.
    expect(after.ack('src#1', 3)).toMatchObject({ ok: false, rejection: { code: 'unknown-checkpoint' } });
  });

  it('starts with the tasks it is told are deployed', async () => {
    const f = await startFixture({
      running: false,
      tasks: { 'src#0': { attempt: 2, state: 'running' }, 'src#1': { attempt: 0, state: 'running' }, 'sink#0': { attempt: 1, state: 'running' } },
    });
    void f.c.triggerCheckpoint();
    expect(f.commandsOf('pendingCreated')[0]?.plan).toEqual([
      { taskId: 'src#0', attempt: 2 },
      { taskId: 'src#1', attempt: 0 },
      { taskId: 'sink#0', attempt: 1 },
    ]);
  });
});

describe('restore while a completed checkpoint is being stored', () => {
  it('waits for the store: a successful write is what gets restored', async () => {
    const store = new DeferredStore();
    const f = await startFixture({ store });
    const first = f.c.triggerCheckpoint();
    f.ackAll(1);
    expect(f.c.state().pending).toMatchObject([{ checkpointId: 1, stage: 'finalizing' }]);
    f.c.abortPending('JOB_FAILOVER_REGION');
    expect(f.c.restore('global')).toEqual({ ok: true });
    expect(f.restores).toEqual([]); // not yet: checkpoint 1 may still complete
    await store.release();
    expect(await first).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'checkpoint' });
    expect(f.restores.map((r) => r.checkpoint?.checkpointId ?? null)).toEqual([1]);
  });

  it('waits for the store: a failed write restores the previous checkpoint', async () => {
    const store = new DeferredStore();
    const f = await startFixture({ store });
    const first = f.c.triggerCheckpoint();
    f.ackAll(1);
    await store.release();
    expect((await first).status).toBe('completed');
    const second = f.c.triggerCheckpoint();
    f.ackAll(2);
    f.c.restore('regional', ['sink#0']);
    f.c.restore('regional', ['src#0']);
    await store.fail();
    expect(await second).toMatchObject({ status: 'aborted', checkpointId: 2, reason: 'FINALIZE_CHECKPOINT_FAILURE' });
    expect(f.restores.map((r) => [r.scope, r.checkpoint?.checkpointId ?? null, [...r.tasks]])).toEqual([['regional', 1, ['sink#0', 'src#0']]]);
  });
});
