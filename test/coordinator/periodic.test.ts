/**
 * Periodic scheduling (CheckpointCoordinatorTest: testMinCheckpointPause, testStopPeriodicScheduler,
 * testPeriodicSchedulingWithInactiveTasks; CheckpointCoordinatorTriggeringTest): the random
 * initial delay, the fixed rate, the minimum pause and stopping the scheduler.
 */
import { describe, expect, it } from 'vitest';
import { flush, startFixture, track, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { DeferredCounter } from '../support/deferred-ports.js';

useProtocolMonitors();

const periodicDeadline = (f: { time: { pending(): Array<{ name: string; at: number }> } }) => f.time.pending().find((t) => t.name === 'periodic')?.at;

describe('initial delay', () => {
  it('is uniform in [minPause, interval], drawn from the random port', async () => {
    const draws: Array<[number, number]> = [
      [0, 2000],
      [0.5, 6000],
      [0.9999999, 10_000],
    ];
    for (const [random, delay] of draws) {
      const f = await startFixture({ config: { interval: 10_000, minPause: 2000 }, random: () => random });
      expect(f.c.startScheduler()).toEqual({ ok: true });
      expect(f.commandsOf('startTimer')).toEqual([{ kind: 'startTimer', timer: { kind: 'periodic' }, delayMs: delay }]);
      expect(periodicDeadline(f)).toBe(1000 + delay);
      expect(f.c.state().scheduler).toBe('started');
    }
  });

  it('fires at the initial delay, then at a fixed rate whatever the checkpoints take', async () => {
    const f = await startFixture({ config: { interval: 1000 }, random: () => 0.9999999 });
    f.c.startScheduler();
    f.time.advance(999);
    expect(f.sentOf('triggerCheckpoint')).toEqual([]);
    f.time.advance(1); // t = 2000
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1]);
    f.time.advance(700); // a slow checkpoint: completes at 2700
    f.ackAll(1);
    f.time.advance(300); // t = 3000
    f.ackAll(2);
    f.time.advance(1000); // t = 4000
    f.ackAll(3);
    const timestamps = [...new Set(f.sentOf('triggerCheckpoint').map((m) => m.timestamp))];
    expect(timestamps).toEqual([2000, 3000, 4000]);
    expect(f.c.state().completed).toEqual([3]);
  });

  it('keeps ticking while tasks are not running, and checkpoints once they run', async () => {
    const f = await startFixture({ config: { interval: 1000 }, random: () => 0.9999999, running: false });
    f.c.startScheduler();
    f.time.advance(1000);
    f.time.advance(1000);
    expect(f.commandsOf('requestFailed').map((c) => c.reason)).toEqual(['NOT_ALL_REQUIRED_TASKS_RUNNING', 'NOT_ALL_REQUIRED_TASKS_RUNNING']);
    expect(f.commandsOf('allocateId')).toEqual([]);
    f.runAll();
    f.time.advance(1000);
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1]);
  });

  it('re-arms with a fresh initial delay when started again', async () => {
    let r = 0;
    const f = await startFixture({ config: { interval: 1000, minPause: 100 }, random: () => r });
    f.c.startScheduler();
    expect(periodicDeadline(f)).toBe(1100);
    r = 0.5;
    f.c.startScheduler();
    expect(periodicDeadline(f)).toBe(1000 + 100 + 450);
    expect(f.time.pending().filter((t) => t.name === 'periodic')).toHaveLength(1);
  });
});

describe('minimum pause', () => {
  it('drops a periodic request that comes too early and re-arms the timer for the remaining time', async () => {
    const f = await startFixture({ config: { interval: 1000, minPause: 800 }, random: () => 0 });
    f.c.startScheduler(); // first tick after the min pause: t = 1800
    f.time.advance(800);
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1]);
    f.time.advance(900); // t = 2700
    f.ackAll(1);
    f.clearLog();
    f.time.advance(100); // tick at t = 2800: only 100 ms since the completion
    expect(f.commandsOf('requestFailed')).toEqual([{ kind: 'requestFailed', requestId: null, snapshot: 'checkpoint', reason: 'MINIMUM_TIME_BETWEEN_CHECKPOINTS' }]);
    expect(f.commandsOf('allocateId')).toEqual([]);
    expect(periodicDeadline(f)).toBe(3500);
    expect(f.commandsOf('failureCounted')).toEqual([]);
    f.time.advance(699);
    expect(f.c.state().pending).toEqual([]);
    f.time.advance(1); // t = 3500
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([2]);
    expect(periodicDeadline(f)).toBe(4500);
    expect(f.c.stats().failuresByReason.MINIMUM_TIME_BETWEEN_CHECKPOINTS).toBe(1);
  });

  it('drops a periodic request that waited behind max concurrent once the checkpoint before it completes', async () => {
    const f = await startFixture({ config: { interval: 1000, minPause: 500 }, random: () => 0.9999999 });
    f.c.startScheduler();
    f.time.advance(1000); // t = 2000: checkpoint 1
    f.time.advance(1000); // t = 3000: queued behind checkpoint 1
    expect(f.c.state().queued).toBe(1);
    f.time.advance(200); // t = 3200
    f.clearLog();
    f.ackAll(1);
    expect(f.commandsOf('requestFailed').map((c) => c.reason)).toEqual(['MINIMUM_TIME_BETWEEN_CHECKPOINTS']);
    expect(f.c.state().queued).toBe(0);
    expect(periodicDeadline(f)).toBe(3700);
  });

  it('does not apply to requests from users', async () => {
    const f = await startFixture({ config: { interval: 100_000, minPause: 50_000 } });
    const first = f.c.triggerCheckpoint();
    f.ackAll(1);
    expect((await first).status).toBe('completed');
    const next = f.c.triggerCheckpoint();
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([2]);
    f.ackAll(2);
    expect((await next).status).toBe('completed');
  });
});

describe('stopping the scheduler', () => {
  it('aborts pending checkpoints and fails queued requests with CHECKPOINT_COORDINATOR_SUSPEND', async () => {
    const f = await startFixture({ config: { interval: 1000, tolerableFailures: 0 }, random: () => 0 });
    f.c.startScheduler();
    f.time.advance(0);
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1]);
    const queued = f.c.triggerCheckpoint();
    expect(f.c.state().queued).toBe(1);
    expect(f.c.stopScheduler()).toEqual({ ok: true });
    expect(await queued).toEqual({ status: 'failed', snapshot: 'checkpoint', reason: 'CHECKPOINT_COORDINATOR_SUSPEND' });
    expect(f.commandsOf('checkpointAborted').map((c) => [c.checkpointId, c.reason])).toEqual([[1, 'CHECKPOINT_COORDINATOR_SUSPEND']]);
    expect(f.sentOf('notifyCheckpointAborted').map((m) => m.checkpointId)).toEqual([1, 1, 1]);
    expect(f.jobFailures).toEqual([]);
    expect(f.c.state().scheduler).toBe('stopped');
    expect(periodicDeadline(f)).toBeUndefined();
    f.clearLog();
    f.time.advance(10_000);
    expect(f.commands).toEqual([]);
  });

  it('still takes checkpoints that users ask for', async () => {
    const f = await startFixture({ config: { interval: 1000 } });
    f.c.startScheduler();
    f.c.stopScheduler();
    const p = f.c.triggerCheckpoint();
    f.ackAll(1);
    expect(await p).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'checkpoint' });
  });

  it('fails a periodic request in flight with PERIODIC_SCHEDULER_SHUTDOWN', async () => {
    const counter = new DeferredCounter();
    const f = await startFixture({ config: { interval: 1000 }, counter, random: () => 0 });
    f.c.startScheduler();
    f.time.advance(0);
    expect(f.c.state().trigger).toBe('allocatingId');
    f.c.stopScheduler();
    const manual = track(f.c.triggerCheckpoint());
    await counter.release(); // id 1 arrives after the stop
    expect(f.commandsOf('requestFailed')).toEqual([{ kind: 'requestFailed', requestId: null, snapshot: 'checkpoint', reason: 'PERIODIC_SCHEDULER_SHUTDOWN' }]);
    expect(f.commandsOf('pendingCreated')).toEqual([]);
    // The manual request goes on and gets the next id: id 1 was consumed.
    await counter.release();
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([2]);
    f.ackAll(2);
    await flush();
    expect(manual.value).toEqual({ status: 'completed', checkpointId: 2, snapshot: 'checkpoint' });
  });

  it('aborts pending checkpoints even when periodic checkpoints were never started', async () => {
    const f = await startFixture();
    const p = f.c.triggerCheckpoint();
    f.c.stopScheduler();
    expect(await p).toMatchObject({ status: 'aborted', checkpointId: 1, reason: 'CHECKPOINT_COORDINATOR_SUSPEND' });
  });

  it('refuses to start without an interval', async () => {
    const f = await startFixture();
    const r = f.c.startScheduler();
    expect(r).toMatchObject({ ok: false, rejection: { code: 'invalid-request' } });
    expect(f.c.state().scheduler).toBe('stopped');
    expect(f.time.pending()).toEqual([]);
  });
});
