/**
 * Triggering and completing checkpoints (CheckpointCoordinatorTest, CheckpointCoordinatorTriggeringTest):
 * who is triggered, when a checkpoint completes, one trigger in flight, max concurrency, timeouts
 * and the options sent to tasks.
 */
import { describe, expect, it } from 'vitest';
import { SIMPLE_JOB, completeCheckpoint, flush, startFixture, track, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { DeferredCounter } from '../support/deferred-ports.js';

useProtocolMonitors();

describe('trigger and complete', () => {
  it('triggers only the sources and completes once every task acknowledged', async () => {
    const f = await startFixture();
    const outcome = track(f.c.triggerCheckpoint());

    const triggers = f.sentOf('triggerCheckpoint');
    expect(triggers.map((m) => [m.taskId, m.attempt, m.checkpointId, m.timestamp])).toEqual([
      ['src#0', 0, 1, 1000],
      ['src#1', 0, 1, 1000],
    ]);
    expect(triggers[0]?.options).toEqual({ snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 });

    f.ackAll(1, ['src#0', 'src#1']);
    await flush();
    expect(outcome.value).toBeUndefined();
    expect(f.c.state().pending).toEqual([{ checkpointId: 1, snapshot: 'checkpoint', stage: 'triggered', acknowledged: 2, required: 3 }]);
    expect(f.sentOf('notifyCheckpointComplete')).toEqual([]);

    f.time.advance(250);
    f.ackAll(1, ['sink#0']);
    await flush();
    expect(outcome.value).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'checkpoint' });
    expect(f.c.state().pending).toEqual([]);
    expect(f.c.state().completed).toEqual([1]);
    expect(f.sentOf('notifyCheckpointComplete').map((m) => [m.taskId, m.checkpointId, m.timestamp, m.lastSubsumedCheckpointId])).toEqual([
      ['src#0', 1, 1000, -1],
      ['src#1', 1, 1000, -1],
      ['sink#0', 1, 1000, -1],
    ]);
    const stored = f.store.load();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ checkpointId: 1, snapshot: 'checkpoint', timestamp: 1000, completedAt: 1250, discardOnSubsume: true });
    expect(stored[0]?.taskStates.toJSON()).toEqual([
      ['sink#0', { key: 'sink#0@1', sizeBytes: 10 }],
      ['src#0', { key: 'src#0@1', sizeBytes: 10 }],
      ['src#1', { key: 'src#1@1', sizeBytes: 10 }],
    ]);
  });

  it('stores the checkpoint before it notifies the tasks', async () => {
    const f = await startFixture();
    await completeCheckpoint(f);
    const kinds = f.commands.map((c) => c.kind);
    expect(kinds.indexOf('storeCheckpoint')).toBeLessThan(kinds.indexOf('checkpointCompleted'));
    expect(kinds.indexOf('checkpointCompleted')).toBeLessThan(kinds.indexOf('notifyComplete'));
    const stored = f.observations.findIndex((o) => o.kind === 'stored');
    const notified = f.observations.findIndex((o) => o.kind === 'notified');
    expect(stored).toBeGreaterThanOrEqual(0);
    expect(stored).toBeLessThan(notified);
  });

  it('hands out strictly increasing ids, one per checkpoint', async () => {
    const f = await startFixture();
    const outcomes = [await completeCheckpoint(f), await completeCheckpoint(f), await completeCheckpoint(f)];
    expect(outcomes.map((o) => o.status === 'completed' && o.checkpointId)).toEqual([1, 2, 3]);
    expect(f.observations.filter((o) => o.kind === 'idAllocated').map((o) => o.kind === 'idAllocated' && o.checkpointId)).toEqual([1, 2, 3]);
  });

  it('asks for a full snapshot when told to', async () => {
    const f = await startFixture();
    const p = f.c.triggerCheckpoint('full');
    expect(f.sentOf('triggerCheckpoint')[0]?.options.snapshot).toBe('full');
    f.ackAll(1);
    expect(await p).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'full' });
    expect(f.store.load()[0]?.snapshot).toBe('full');
  });

  it('takes the timestamp when triggering starts, not when the request was made', async () => {
    const f = await startFixture();
    const first = f.c.triggerCheckpoint();
    const second = f.c.triggerCheckpoint(); // queued behind the first (max concurrent 1)
    expect(f.c.state().queued).toBe(1);
    f.time.advance(500);
    f.ackAll(1);
    await first;
    expect(f.sentOf('triggerCheckpoint').filter((m) => m.checkpointId === 2).map((m) => m.timestamp)).toEqual([1500, 1500]);
    f.ackAll(2);
    expect(await second).toEqual({ status: 'completed', checkpointId: 2, snapshot: 'checkpoint' });
  });

  it('has at most one trigger in flight: the next request waits for the id of the current one', async () => {
    const counter = new DeferredCounter();
    const f = await startFixture({ counter });
    const a = f.c.triggerSavepoint();
    const b = f.c.triggerSavepoint();
    expect(f.commandsOf('allocateId')).toHaveLength(1);
    expect(f.c.state().trigger).toBe('allocatingId');
    expect(f.c.state().queued).toBe(1);
    await counter.release();
    expect(f.commandsOf('allocateId')).toHaveLength(2);
    await counter.release();
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1, 2]);
    f.ackAll(1);
    f.ackAll(2);
    expect((await a).status).toBe('completed');
    expect((await b).status).toBe('completed');
  });
});

describe('trigger failures', () => {
  it('aborts with TRIGGER_CHECKPOINT_FAILURE when sending a trigger fails (a task finished meanwhile)', async () => {
    const f = await startFixture({
      config: { tolerableFailures: 0 },
      send: (m) => (m.type === 'triggerCheckpoint' && m.taskId === 'src#1' ? Promise.reject(new Error('task gone')) : undefined),
    });
    const p = f.c.triggerCheckpoint();
    f.ack('src#0', 1);
    expect(await p).toEqual({ status: 'aborted', checkpointId: 1, snapshot: 'checkpoint', reason: 'TRIGGER_CHECKPOINT_FAILURE' });
    expect(f.sentOf('notifyCheckpointAborted').map((m) => m.taskId)).toEqual(['src#0', 'src#1', 'sink#0']);
    expect(f.discarded).toEqual([{ key: 'src#0@1', sizeBytes: 10 }]);
    expect(f.jobFailures).toEqual([]);
  });
});

describe('options sent to tasks', () => {
  it('sends unaligned options when unaligned checkpoints are enabled', async () => {
    const f = await startFixture({ config: { unaligned: true } });
    void f.c.triggerCheckpoint();
    expect(f.sentOf('triggerCheckpoint')[0]?.options).toEqual({ snapshot: 'checkpoint', alignment: 'unaligned', alignedCheckpointTimeoutMs: 0 });
  });

  it('starts aligned with a timeout when an aligned-checkpoint timeout is set', async () => {
    const f = await startFixture({ config: { unaligned: true, alignedCheckpointTimeout: 250 } });
    void f.c.triggerCheckpoint();
    expect(f.sentOf('triggerCheckpoint')[0]?.options).toEqual({ snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 250 });
  });

  it('never blocks inputs in at-least-once mode', async () => {
    const f = await startFixture({ config: { mode: 'at-least-once' } });
    void f.c.triggerCheckpoint();
    expect(f.sentOf('triggerCheckpoint')[0]?.options.alignment).toBe('at-least-once');
  });
});

describe('max concurrent checkpoints', () => {
  it('queues requests beyond max concurrent and runs them after a completion', async () => {
    const f = await startFixture();
    const first = f.c.triggerCheckpoint();
    const second = track(f.c.triggerCheckpoint());
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1]);
    expect(f.c.state().queued).toBe(1);
    f.ackAll(1);
    expect((await first).status).toBe('completed');
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([2]);
    expect(f.c.state().queued).toBe(0);
    await flush();
    expect(second.value).toBeUndefined();
    f.ackAll(2);
    expect(await second.promise).toEqual({ status: 'completed', checkpointId: 2, snapshot: 'checkpoint' });
  });

  it('runs up to max concurrent checkpoints side by side', async () => {
    const f = await startFixture({ config: { maxConcurrent: 2 } });
    void f.c.triggerCheckpoint();
    void f.c.triggerCheckpoint();
    void f.c.triggerCheckpoint();
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1, 2]);
    expect(f.c.state().queued).toBe(1);
    expect(f.commandsOf('pendingCreated').map((c) => c.pendingCount)).toEqual([1, 2]);
  });

  it('dequeues after an abort too', async () => {
    const f = await startFixture();
    const first = f.c.triggerCheckpoint();
    const second = f.c.triggerCheckpoint();
    f.decline('src#0', 1);
    expect(await first).toMatchObject({ status: 'aborted', checkpointId: 1, reason: 'CHECKPOINT_DECLINED' });
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([2]);
    f.ackAll(2);
    expect((await second).status).toBe('completed');
  });
});

describe('timeout', () => {
  it('expires a checkpoint that is not acknowledged in time', async () => {
    const f = await startFixture({ config: { timeout: 5000, tolerableFailures: 5 } });
    const p = track(f.c.triggerCheckpoint());
    f.ack('src#0', 1);
    f.time.advance(4999);
    await flush();
    expect(p.value).toBeUndefined();
    f.time.advance(1);
    expect(await p.promise).toEqual({ status: 'aborted', checkpointId: 1, snapshot: 'checkpoint', reason: 'CHECKPOINT_EXPIRED' });
    expect(f.sentOf('notifyCheckpointAborted').map((m) => [m.taskId, m.checkpointId, m.latestCompletedCheckpointId, m.timestamp])).toEqual([
      ['src#0', 1, -1, 1000],
      ['src#1', 1, -1, 1000],
      ['sink#0', 1, -1, 1000],
    ]);
    expect(f.discarded).toEqual([{ key: 'src#0@1', sizeBytes: 10 }]);
    expect(f.monitor.reached('checkpoint-expires')).toBe(true);
  });

  it('cancels the timeout when the checkpoint completes', async () => {
    const f = await startFixture({ config: { timeout: 5000 } });
    expect(f.time.pending()).toEqual([]);
    const p = f.c.triggerCheckpoint();
    expect(f.time.pending()).toEqual([{ name: 'timeout/1', at: 6000 }]);
    f.ackAll(1);
    await p;
    expect(f.time.pending()).toEqual([]);
    f.clearLog();
    f.time.advance(10_000);
    expect(f.commands).toEqual([]);
  });

  it('arms the timeout when the pending checkpoint is created, before the tasks are triggered', async () => {
    const f = await startFixture({ config: { timeout: 700 } });
    void f.c.triggerCheckpoint();
    const kinds = f.commands.map((c) => c.kind);
    expect(kinds.indexOf('startTimer')).toBeLessThan(kinds.indexOf('trigger'));
    expect(f.commandsOf('startTimer')).toEqual([{ kind: 'startTimer', timer: { kind: 'timeout', checkpointId: 1 }, delayMs: 700 }]);
  });
});

describe('plan calculation', () => {
  it('fails with NOT_ALL_REQUIRED_TASKS_RUNNING when a source is not running', async () => {
    const f = await startFixture({ running: false });
    f.report('src#0', 'running');
    f.report('src#1', 'initializing');
    f.report('sink#0', 'running');
    expect(await f.c.triggerCheckpoint()).toEqual({ status: 'failed', snapshot: 'checkpoint', reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' });
    expect(f.commandsOf('allocateId')).toEqual([]);
    expect(f.sent).toEqual([]);
    expect(f.commandsOf('failureCounted')).toEqual([]);
  });

  it('fails with NOT_ALL_REQUIRED_TASKS_RUNNING when a task has no attempt yet', async () => {
    const f = await startFixture({ running: false });
    f.report('src#0', 'running');
    f.report('src#1', 'running');
    expect(await f.c.triggerCheckpoint()).toMatchObject({ status: 'failed', reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' });
  });

  it('waits for a deployed non-source task that is not running yet (only triggered tasks must run)', async () => {
    const f = await startFixture({ running: false });
    f.report('src#0', 'running');
    f.report('src#1', 'running');
    f.report('sink#0', 'deploying');
    const p = f.c.triggerCheckpoint();
    expect(f.c.state().pending).toHaveLength(1);
    f.ackAll(1);
    expect((await p).status).toBe('completed');
  });

  it('excludes finished tasks and triggers a running task whose upstream all finished', async () => {
    const f = await startFixture();
    f.report('src#0', 'finished');
    f.report('src#1', 'finished');
    const p = f.c.triggerCheckpoint();
    expect(f.sentOf('triggerCheckpoint').map((m) => m.taskId)).toEqual(['sink#0']);
    expect(f.c.state().pending[0]?.required).toBe(1);
    f.ackAll(1, ['sink#0']);
    expect((await p).status).toBe('completed');
    expect(f.sentOf('notifyCheckpointComplete').map((m) => m.taskId)).toEqual(['sink#0']);
  });

  it('on a pointwise edge, triggers only the task whose own producer finished', async () => {
    const f = await startFixture({
      topology: {
        jobId: 'pipeline',
        vertices: [
          { id: 'src', parallelism: 2, inputs: [] },
          { id: 'map', parallelism: 2, inputs: [{ from: 'src', pattern: 'pointwise' }] },
          { id: 'sink', parallelism: 1, inputs: [{ from: 'map', pattern: 'all-to-all' }] },
        ],
      },
    });
    f.report('src#0', 'finished');
    const p = f.c.triggerCheckpoint();
    expect(f.sentOf('triggerCheckpoint').map((m) => m.taskId)).toEqual(['src#1', 'map#0']);
    expect(f.commandsOf('pendingCreated')[0]?.plan.map((t) => t.taskId)).toEqual(['src#1', 'map#0', 'map#1', 'sink#0']);
    f.ackAll(1, ['src#1', 'map#0', 'map#1', 'sink#0']);
    expect((await p).status).toBe('completed');
  });

  it('fails when a task finished and checkpoints after tasks finish are disabled', async () => {
    const f = await startFixture({ config: { checkpointsAfterTasksFinish: false } });
    f.report('src#0', 'finished');
    expect(await f.c.triggerCheckpoint()).toMatchObject({ status: 'failed', reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' });
  });

  it('fails when a task failed and has not been redeployed', async () => {
    const f = await startFixture();
    f.report('sink#0', 'failed');
    expect(await f.c.triggerCheckpoint()).toMatchObject({ status: 'failed', reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' });
    f.report('sink#0', 'running', 1);
    const p = f.c.triggerCheckpoint();
    expect(f.commandsOf('pendingCreated')[0]?.plan).toContainEqual({ taskId: 'sink#0', attempt: 1 });
    f.ack('src#0', 1);
    f.ack('src#1', 1);
    f.ack('sink#0', 1, { attempt: 1 });
    expect((await p).status).toBe('completed');
  });

  it('uses the job of the topology for every message it sends', async () => {
    const f = await startFixture();
    await completeCheckpoint(f);
    expect(new Set(f.sent.map((m) => m.jobId))).toEqual(new Set([SIMPLE_JOB.jobId]));
  });
});
