/**
 * Savepoints and stop-with-savepoint (CheckpointCoordinatorTest: testTriggerAndConfirmSimpleSavepoint,
 * testSavepointsAreNotSubsumed, testConcurrentSavepoints, testMinDelayBetweenSavepoints,
 * testSavepointScheduledInUnalignedMode, jobFailsIfInFlightSynchronousSavepointIsDiscarded).
 */
import { describe, expect, it } from 'vitest';
import { completeCheckpoint, flush, startFixture, track, useProtocolMonitors } from '../support/coordinator-fixture.js';

useProtocolMonitors();

describe('savepoints', () => {
  it('complete without being stored and without a completion notice', async () => {
    const written: number[] = [];
    const f = await startFixture({ writeSavepoint: (c) => void written.push(c.checkpointId) });
    const p = f.c.triggerSavepoint();
    expect(f.sentOf('triggerCheckpoint').map((m) => [m.taskId, m.options])).toEqual([
      ['src#0', { snapshot: 'savepoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 }],
      ['src#1', { snapshot: 'savepoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 }],
    ]);
    f.ackAll(1);
    expect(await p).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'savepoint' });
    expect(written).toEqual([1]);
    expect(f.store.load()).toEqual([]);
    expect(f.c.state().completed).toEqual([]);
    expect(f.sentOf('notifyCheckpointComplete')).toEqual([]);
    expect(f.commandsOf('storeCheckpoint')).toEqual([]);
    expect(f.monitor.reached('savepoint-completes')).toBe(true);
  });

  it('are aligned even when unaligned checkpoints are enabled', async () => {
    const f = await startFixture({ config: { unaligned: true } });
    void f.c.triggerSavepoint();
    expect(f.sentOf('triggerCheckpoint')[0]?.options).toEqual({ snapshot: 'savepoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 });
  });

  it('are forced past max concurrent when unaligned checkpoints are disabled', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    const a = f.c.triggerSavepoint();
    const b = f.c.triggerSavepoint();
    expect(f.commandsOf('pendingCreated').map((c) => [c.checkpointId, c.snapshot, c.forced, c.pendingCount])).toEqual([
      [1, 'checkpoint', false, 1],
      [2, 'savepoint', true, 2],
      [3, 'savepoint', true, 3],
    ]);
    f.ackAll(3);
    f.ackAll(2);
    expect((await a).status).toBe('completed');
    expect((await b).status).toBe('completed');
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1]);
  });

  it('ignore the minimum pause', async () => {
    const f = await startFixture({ config: { minPause: 60_000, interval: 60_000 } });
    await completeCheckpoint(f);
    const sp = f.c.triggerSavepoint();
    expect(f.c.state().pending.map((p) => p.snapshot)).toEqual(['savepoint']);
    f.ackAll(2);
    expect((await sp).status).toBe('completed');
  });

  it('do not subsume older pending checkpoints', async () => {
    const f = await startFixture();
    const cp = track(f.c.triggerCheckpoint());
    const sp = f.c.triggerSavepoint();
    f.ackAll(2);
    expect(await sp).toMatchObject({ status: 'completed', checkpointId: 2 });
    await flush();
    expect(cp.value).toBeUndefined();
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1]);
    f.ackAll(1);
    expect(await cp.promise).toMatchObject({ status: 'completed', checkpointId: 1 });
  });

  it('queue with top priority when unaligned checkpoints are enabled', async () => {
    const f = await startFixture({ config: { unaligned: true } });
    void f.c.triggerCheckpoint(); // 1 pending
    const cp = f.c.triggerCheckpoint(); // queued first
    const sp = f.c.triggerSavepoint(); // queued second, runs first
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1]);
    expect(f.c.state().queued).toBe(2);
    f.ackAll(1);
    expect(f.commandsOf('pendingCreated').map((c) => [c.checkpointId, c.snapshot, c.forced])).toEqual([
      [1, 'checkpoint', false],
      [2, 'savepoint', false],
    ]);
    // Declined by an attempt of the job: the savepoint aborts, and the checkpoint runs next.
    f.decline('sink#0', 2);
    expect(await sp).toMatchObject({ status: 'aborted', checkpointId: 2, reason: 'CHECKPOINT_DECLINED' });
    f.ackAll(3);
    expect(await cp).toMatchObject({ status: 'completed', checkpointId: 3 });
  });

  it('reset the minimum-pause clock', async () => {
    const f = await startFixture({ config: { interval: 1000, minPause: 600 }, random: () => 0.9999999 });
    f.c.startScheduler(); // first tick at 2000
    f.time.advance(500);
    const sp = f.c.triggerSavepoint();
    f.time.advance(100);
    f.ackAll(1); // savepoint completes at 1600
    await sp;
    f.clearLog();
    f.time.advance(400); // tick at 2000: 400 ms after the savepoint
    expect(f.commandsOf('requestFailed').map((c) => c.reason)).toEqual(['MINIMUM_TIME_BETWEEN_CHECKPOINTS']);
    expect(f.time.pending().find((t) => t.name === 'periodic')?.at).toBe(2200);
  });

  it('failures are never counted', async () => {
    const f = await startFixture({ config: { tolerableFailures: 0, timeout: 100 } });
    const a = f.c.triggerSavepoint();
    f.decline('src#0', 1, 'CHECKPOINT_DECLINED');
    expect(await a).toMatchObject({ status: 'aborted', reason: 'CHECKPOINT_DECLINED' });
    const b = f.c.triggerSavepoint();
    f.time.advance(100);
    expect(await b).toMatchObject({ status: 'aborted', reason: 'CHECKPOINT_EXPIRED' });
    expect(f.commandsOf('failureCounted')).toEqual([]);
    expect(f.jobFailures).toEqual([]);
    expect(f.c.state().failureCounter).toBe(0);
  });

  it('are remembered as finished: a late acknowledgement is accepted and its state kept (the savepoint may hold it)', async () => {
    const f = await startFixture();
    const sp = f.c.triggerSavepoint();
    f.ackAll(1);
    await sp;
    expect(f.ack('sink#0', 1, { state: { key: 'stray', sizeBytes: 2 } })).toEqual({ ok: true });
    expect(f.discarded).toEqual([]);
    expect(f.c.stats().lateAcknowledgements).toBe(1);
  });
});

describe('stop-with-savepoint', () => {
  it('triggers the sync variant, notifies completion and subsumes older checkpoints', async () => {
    const f = await startFixture({ config: { maxConcurrent: 2 } });
    const cp = f.c.triggerCheckpoint();
    const sp = f.c.triggerSavepoint('suspend');
    expect(f.sentOf('triggerCheckpoint').filter((m) => m.checkpointId === 2).map((m) => m.options)).toEqual([
      { snapshot: 'sync-savepoint', syncMode: 'suspend', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 },
      { snapshot: 'sync-savepoint', syncMode: 'suspend', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 },
    ]);
    f.ackAll(2);
    expect(await sp).toEqual({ status: 'completed', checkpointId: 2, snapshot: 'sync-savepoint' });
    expect(await cp).toMatchObject({ status: 'aborted', checkpointId: 1, reason: 'CHECKPOINT_SUBSUMED' });
    expect(f.sentOf('notifyCheckpointComplete').map((m) => [m.taskId, m.checkpointId, m.lastSubsumedCheckpointId])).toEqual([
      ['src#0', 2, -1],
      ['src#1', 2, -1],
      ['sink#0', 2, -1],
    ]);
    expect(f.store.load()).toEqual([]);
  });

  it('sends the drain flavour for terminate', async () => {
    const f = await startFixture();
    void f.c.triggerSavepoint('terminate');
    expect(f.sentOf('triggerCheckpoint')[0]?.options).toMatchObject({ snapshot: 'sync-savepoint', syncMode: 'terminate' });
  });

  it('fails the job at once when a task declines it, whatever the tolerance', async () => {
    const f = await startFixture({ config: { tolerableFailures: Infinity } });
    const sp = f.c.triggerSavepoint('suspend');
    f.decline('src#1', 1, 'CHECKPOINT_DECLINED');
    expect(await sp).toMatchObject({ status: 'aborted', reason: 'CHECKPOINT_DECLINED' });
    expect(f.jobFailures).toEqual([{ reason: 'CHECKPOINT_DECLINED', checkpointId: 1, taskId: 'src#1' }]);
    expect(f.commandsOf('failureCounted')).toEqual([]);
  });

  it('does not fail the job when it fails on the coordinator side', async () => {
    const f = await startFixture({ config: { tolerableFailures: 0, timeout: 50 } });
    const sp = f.c.triggerSavepoint('terminate');
    f.time.advance(50);
    expect(await sp).toMatchObject({ status: 'aborted', reason: 'CHECKPOINT_EXPIRED' });
    expect(f.jobFailures).toEqual([]);
  });
});
