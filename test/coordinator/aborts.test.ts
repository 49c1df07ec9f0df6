/**
 * Abort paths (CheckpointCoordinatorTest: testTriggerAndDeclineCheckpointSimple/Complex,
 * testReportLatestCompletedCheckpointIdWithAbort, testFailUnacknowledgedPendingCheckpointsFor…;
 * CheckpointCoordinatorFailureTest): declines, task failures, failover aborts.
 */
import { describe, expect, it } from 'vitest';
import { completeCheckpoint, flush, startFixture, track, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { DeferredCounter } from '../support/deferred-ports.js';

useProtocolMonitors();

describe('declines', () => {
  it('abort the checkpoint with the task reason, discard its state and notify every task once', async () => {
    const f = await startFixture({ config: { tolerableFailures: 5 } });
    const p = f.c.triggerCheckpoint();
    f.ack('src#0', 1);
    f.ack('sink#0', 1);
    f.decline('src#1', 1, 'CHECKPOINT_DECLINED_TASK_NOT_READY');
    expect(await p).toEqual({ status: 'aborted', checkpointId: 1, snapshot: 'checkpoint', reason: 'CHECKPOINT_DECLINED_TASK_NOT_READY' });
    expect(f.discarded).toEqual([
      { key: 'src#0@1', sizeBytes: 10 },
      { key: 'sink#0@1', sizeBytes: 10 },
    ]);
    expect(f.sentOf('notifyCheckpointAborted').map((m) => [m.taskId, m.checkpointId, m.latestCompletedCheckpointId])).toEqual([
      ['src#0', 1, -1],
      ['src#1', 1, -1],
      ['sink#0', 1, -1],
    ]);
    expect(f.c.state().pending).toEqual([]);
    expect(f.time.pending()).toEqual([]);
  });

  it('abort only once: repeated declines send no second abort round', async () => {
    const f = await startFixture({ config: { tolerableFailures: 5 } });
    void f.c.triggerCheckpoint();
    f.decline('src#0', 1);
    f.clearLog();
    expect(f.decline('src#1', 1)).toEqual({ ok: true });
    expect(f.decline('src#0', 1)).toEqual({ ok: true });
    expect(f.commands).toEqual([]);
    expect(f.sent).toEqual([]);
  });

  it('carry the latest completed checkpoint id in abort notices', async () => {
    const f = await startFixture({ config: { tolerableFailures: 5 } });
    await completeCheckpoint(f);
    void f.c.triggerCheckpoint();
    f.decline('sink#0', 2);
    expect(new Set(f.sentOf('notifyCheckpointAborted').map((m) => m.latestCompletedCheckpointId))).toEqual(new Set([1]));
  });

  it('for an id never seen are rejected and change nothing', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    const before = f.c.actor.getSnapshot().context;
    expect(f.decline('src#0', 42)).toMatchObject({ ok: false, rejection: { code: 'unknown-checkpoint' } });
    expect(f.c.actor.getSnapshot().context).toBe(before);
  });

  it('for a checkpoint that already completed change nothing', async () => {
    const f = await startFixture();
    await completeCheckpoint(f);
    f.clearLog();
    expect(f.decline('src#0', 1)).toEqual({ ok: true });
    expect(f.commands).toEqual([]);
    expect(f.c.state().completed).toEqual([1]);
  });

  it('abort only the declined checkpoint when several are pending', async () => {
    const f = await startFixture({ config: { maxConcurrent: 3, tolerableFailures: 5 } });
    void f.c.triggerCheckpoint();
    const second = f.c.triggerCheckpoint();
    void f.c.triggerCheckpoint();
    f.decline('src#0', 2);
    expect(await second).toMatchObject({ status: 'aborted', checkpointId: 2 });
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1, 3]);
  });
});

describe('task failures', () => {
  it('abort with TASK_FAILURE every checkpoint the failed attempt has not acknowledged', async () => {
    const f = await startFixture({ config: { maxConcurrent: 2 } });
    const first = track(f.c.triggerCheckpoint());
    const second = f.c.triggerCheckpoint();
    f.ack('sink#0', 1);
    f.report('sink#0', 'failed');
    expect(await second).toEqual({ status: 'aborted', checkpointId: 2, snapshot: 'checkpoint', reason: 'TASK_FAILURE' });
    await flush();
    expect(first.value).toBeUndefined();
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1]);
    expect(f.commandsOf('failureCounted')).toEqual([]);
    expect(f.jobFailures).toEqual([]);
  });

  it('treat a new attempt as the end of the old one', async () => {
    const f = await startFixture();
    const p = f.c.triggerCheckpoint();
    f.report('src#1', 'deploying', 1);
    expect(await p).toMatchObject({ status: 'aborted', reason: 'TASK_FAILURE' });
    expect(f.c.actor.getSnapshot().context.tasks.get('src#1')).toEqual({ attempt: 1, state: 'deploying' });
  });

  it('treat a canceled attempt like a failed one', async () => {
    const f = await startFixture();
    const p = f.c.triggerCheckpoint();
    f.report('src#0', 'canceled');
    expect(await p).toMatchObject({ status: 'aborted', reason: 'TASK_FAILURE' });
  });

  it('while the id is being allocated abort the new checkpoint at once instead of leaving it to time out', async () => {
    const counter = new DeferredCounter();
    const f = await startFixture({ counter, config: { timeout: 60_000 } });
    const p = f.c.triggerCheckpoint();
    const next = track(f.c.triggerCheckpoint());
    f.report('src#1', 'deploying', 1); // planned with attempt 0, which is gone now
    f.report('src#1', 'running', 1);
    await counter.release();
    expect(await p).toEqual({ status: 'aborted', checkpointId: 1, snapshot: 'checkpoint', reason: 'TASK_FAILURE' });
    expect(f.sentOf('triggerCheckpoint').filter((m) => m.checkpointId === 1)).toEqual([]);
    expect(f.time.pending().filter((t) => t.name === 'timeout/1')).toEqual([]);
    // The queued request runs with the new attempt.
    await counter.release();
    expect(f.commandsOf('pendingCreated')[1]?.plan).toContainEqual({ taskId: 'src#1', attempt: 1 });
    f.ack('src#0', 2);
    f.ack('src#1', 2, { attempt: 1 });
    f.ack('sink#0', 2);
    await flush();
    expect(next.value).toMatchObject({ status: 'completed', checkpointId: 2 });
  });

  it('ignore a state report that goes backwards (reordered delivery)', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    const before = f.c.actor.getSnapshot().context;
    expect(f.report('src#0', 'deploying')).toEqual({ ok: true });
    expect(f.c.actor.getSnapshot().context).toBe(before);
  });
});

describe('failover', () => {
  it('aborts every pending checkpoint and keeps queued requests', async () => {
    const f = await startFixture();
    const pending = f.c.triggerCheckpoint();
    const queued = f.c.triggerCheckpoint();
    expect(f.c.abortPending()).toEqual({ ok: true });
    expect(await pending).toMatchObject({ status: 'aborted', checkpointId: 1, reason: 'JOB_FAILOVER_REGION' });
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([2]);
    f.ackAll(2);
    expect(await queued).toEqual({ status: 'completed', checkpointId: 2, snapshot: 'checkpoint' });
  });

  it('counts a failover abort only when its reason is counted', async () => {
    const f = await startFixture({ config: { tolerableFailures: 0 } });
    void f.c.triggerCheckpoint();
    f.c.abortPending('JOB_FAILOVER_REGION');
    expect(f.jobFailures).toEqual([]);
    void f.c.triggerCheckpoint();
    f.c.abortPending('CHECKPOINT_EXPIRED');
    expect(f.jobFailures).toEqual([{ reason: 'CHECKPOINT_EXPIRED', checkpointId: 2, taskId: null }]);
  });
});
