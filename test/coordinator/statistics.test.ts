/**
 * Statistics (CheckpointStatsTracker as seen from CheckpointCoordinatorTest).
 */
import { describe, expect, it } from 'vitest';
import { completeCheckpoint, startFixture, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { InMemoryIdCounter } from '../../runtime/coordinator/memory-store.js';

useProtocolMonitors();

describe('statistics', () => {
  it('start at zero', async () => {
    const f = await startFixture();
    expect(f.c.stats()).toEqual({
      triggered: 0,
      completed: 0,
      failed: 0,
      restored: 0,
      failuresByReason: {},
      lateAcknowledgements: 0,
      duplicateAcknowledgements: 0,
      latestCompleted: null,
      latestFailed: null,
      latestRestored: null,
    });
  });

  it('count triggered, completed and failed checkpoints, with the latest of each', async () => {
    const counter = new InMemoryIdCounter();
    const f = await startFixture({ counter, config: { tolerableFailures: Infinity, timeout: 100 } });
    f.time.advance(10);
    await completeCheckpoint(f); // 1 completes at 1010
    void f.c.triggerCheckpoint();
    f.time.advance(100); // 2 expires at 1110
    counter.failNext = true;
    await f.c.triggerCheckpoint(); // fails before a pending checkpoint exists
    f.report('sink#0', 'failed');
    await f.c.triggerCheckpoint(); // NOT_ALL_REQUIRED_TASKS_RUNNING
    const s = f.c.stats();
    expect(s.triggered).toBe(2);
    expect(s.completed).toBe(1);
    expect(s.failed).toBe(3);
    expect(s.failuresByReason).toEqual({ CHECKPOINT_EXPIRED: 1, IO_EXCEPTION: 1, NOT_ALL_REQUIRED_TASKS_RUNNING: 1 });
    expect(s.latestCompleted).toEqual({ checkpointId: 1, snapshot: 'checkpoint', timestamp: 1010, completedAt: 1010, bytesPersisted: 0 });
    expect(s.latestFailed).toEqual({ checkpointId: -1, reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING', at: 1110 });
  });

  it('count savepoints as completed too', async () => {
    const f = await startFixture();
    const sp = f.c.triggerSavepoint();
    f.ackAll(1);
    await sp;
    expect(f.c.stats()).toMatchObject({ triggered: 1, completed: 1, latestCompleted: { checkpointId: 1, snapshot: 'savepoint' } });
  });

  it('count late and duplicate acknowledgements', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    f.ack('src#0', 1);
    f.ack('src#0', 1);
    f.ack('src#1', 1);
    f.ack('sink#0', 1);
    f.ack('sink#0', 1);
    f.ack('src#0', 1);
    expect(f.c.stats()).toMatchObject({ duplicateAcknowledgements: 1, lateAcknowledgements: 2 });
  });
});
