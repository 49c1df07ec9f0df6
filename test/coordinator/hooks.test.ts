/**
 * Master hooks / operator coordinators (CheckpointCoordinatorMasterHooksTest,
 * CheckpointCoordinatorTest: testTimeoutWhileCheckpointOperatorCoordinatorNotFinishing): triggered
 * before the tasks, failures, notifications, restore and reset.
 */
import { describe, expect, it } from 'vitest';
import { completeCheckpoint, flush, startFixture, track, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { DeferredHook, RecordingHook } from '../support/deferred-ports.js';

useProtocolMonitors();

describe('hooks', () => {
  it('are triggered before the tasks, and their state is part of the completed checkpoint', async () => {
    const log: string[] = [];
    const a = new RecordingHook('a', log);
    const b = new RecordingHook('b', log);
    const f = await startFixture({ hooks: { a, b }, send: (m) => void log.push(`${m.type} ${m.taskId}`) });
    const p = f.c.triggerCheckpoint();
    expect(log).toEqual(['hook a 1', 'hook b 1', 'triggerCheckpoint src#0', 'triggerCheckpoint src#1']);
    f.ackAll(1);
    expect(await p).toMatchObject({ status: 'completed', checkpointId: 1 });
    expect(f.store.load()[0]?.hookStates).toEqual({ a: { key: 'a@1', sizeBytes: 1 }, b: { key: 'b@1', sizeBytes: 1 } });
    expect(a.calls).toEqual(['trigger 1', 'notify 1 complete']);
  });

  it('hold the trigger in flight until they answer; tasks may acknowledge meanwhile', async () => {
    const h = new DeferredHook('h');
    const f = await startFixture({ hooks: { h } });
    const p = track(f.c.triggerCheckpoint());
    expect(f.c.state().trigger).toBe('awaitingHooks');
    expect(f.c.state().pending[0]?.stage).toBe('hooks');
    expect(f.sentOf('triggerCheckpoint')).toEqual([]);
    f.ackAll(1); // externally induced sources snapshot on their own
    await flush();
    expect(p.value).toBeUndefined();
    await h.release(1);
    expect(f.sentOf('triggerCheckpoint').map((m) => m.taskId)).toEqual(['src#0', 'src#1']);
    expect(await p.promise).toMatchObject({ status: 'completed', checkpointId: 1 });
    expect(f.c.state().trigger).toBe('idle');
  });

  it('that fail abort the checkpoint with TRIGGER_CHECKPOINT_FAILURE and trigger no task', async () => {
    const f = await startFixture({ hooks: { bad: new RecordingHook('bad', [], true) }, config: { tolerableFailures: 0 } });
    const p = f.c.triggerCheckpoint();
    expect(await p).toEqual({ status: 'aborted', checkpointId: 1, snapshot: 'checkpoint', reason: 'TRIGGER_CHECKPOINT_FAILURE' });
    expect(f.sentOf('triggerCheckpoint')).toEqual([]);
    expect(f.jobFailures).toEqual([]);
    expect(f.c.state().trigger).toBe('idle');
  });

  it('are told about aborts', async () => {
    const h = new RecordingHook('h');
    const f = await startFixture({ hooks: { h }, config: { tolerableFailures: 5 } });
    void f.c.triggerCheckpoint();
    f.decline('src#0', 1);
    expect(h.calls).toEqual(['trigger 1', 'notify 1 aborted']);
  });

  it('that answer with no state count as acknowledged', async () => {
    const f = await startFixture({ hooks: { quiet: { trigger: () => null } } });
    const p = f.c.triggerCheckpoint();
    f.ackAll(1);
    expect(await p).toMatchObject({ status: 'completed' });
    expect(f.store.load()[0]?.hookStates).toEqual({ quiet: null });
  });

  it('are told about subsumption as an abort', async () => {
    const h = new RecordingHook('h');
    const f = await startFixture({ hooks: { h }, config: { maxConcurrent: 2 } });
    void f.c.triggerCheckpoint();
    void f.c.triggerCheckpoint();
    f.ackAll(2);
    expect(h.calls).toEqual(['trigger 1', 'trigger 2', 'notify 1 aborted', 'notify 2 complete']);
  });

  it('still running when a task declines: the checkpoint aborts and no task is triggered later', async () => {
    const h = new DeferredHook('h');
    const f = await startFixture({ hooks: { h }, config: { tolerableFailures: 5 } });
    const first = f.c.triggerCheckpoint();
    const second = track(f.c.triggerCheckpoint());
    f.decline('sink#0', 1);
    expect(await first).toMatchObject({ status: 'aborted', reason: 'CHECKPOINT_DECLINED' });
    expect(h.calls).toEqual(['trigger 1', 'notify 1 aborted', 'trigger 2']);
    await h.release(1);
    expect(f.sentOf('triggerCheckpoint').filter((m) => m.checkpointId === 1)).toEqual([]);
    await h.release(2);
    f.ackAll(2);
    expect(await second.promise).toMatchObject({ status: 'completed', checkpointId: 2 });
  });

  it('that hang let the checkpoint expire, and the next request proceeds', async () => {
    const slow = new DeferredHook('slow');
    const f = await startFixture({ hooks: { slow }, config: { timeout: 1000, tolerableFailures: 5 } });
    const first = f.c.triggerCheckpoint();
    const second = track(f.c.triggerCheckpoint());
    f.time.advance(1000);
    expect(await first).toMatchObject({ status: 'aborted', checkpointId: 1, reason: 'CHECKPOINT_EXPIRED' });
    expect(f.sentOf('triggerCheckpoint').filter((m) => m.checkpointId === 1)).toEqual([]);
    expect(slow.calls).toEqual(['trigger 1', 'notify 1 aborted', 'trigger 2']);
    await slow.release(1); // the late answer changes nothing
    expect(f.sentOf('triggerCheckpoint').filter((m) => m.checkpointId === 1)).toEqual([]);
    await slow.release(2);
    f.ackAll(2);
    expect(await second.promise).toMatchObject({ status: 'completed', checkpointId: 2 });
  });

  it('are restored from the latest checkpoint on a global restore, and reset when there is none', async () => {
    const h = new RecordingHook('h');
    const f = await startFixture({ hooks: { h } });
    f.c.restore('global');
    await completeCheckpoint(f);
    await completeCheckpoint(f);
    f.c.restore('global');
    f.c.restore('initial');
    f.c.restore('regional', ['sink#0']);
    expect(h.calls.filter((c) => c.startsWith('restore'))).toEqual(['restore -1 null', 'restore 2 h@2', 'restore 2 h@2']);
  });
});
