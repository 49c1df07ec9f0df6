/**
 * Acknowledgements (CheckpointCoordinatorTest: testReceiveAcknowledgeMessageForDuplicate…,
 * testStateCleanupForLateOrUnknownMessages, PendingCheckpointTest): success, duplicates, unknown
 * attempts, late and unknown ids, foreign jobs, and which state gets discarded.
 */
import { describe, expect, it } from 'vitest';
import { completeCheckpoint, flush, startFixture, track, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { DeferredStore } from '../support/deferred-ports.js';
import { GHOST_IDS } from '../../machines/coordinator/index.js';

useProtocolMonitors();

describe('acknowledgements', () => {
  it('records each task state and sums the bytes persisted', async () => {
    const f = await startFixture();
    const p = f.c.triggerCheckpoint();
    f.ack('src#0', 1, { bytes: 100 });
    f.ack('src#1', 1, { bytes: 20, state: null });
    f.ack('sink#0', 1, { bytes: 3, state: { key: 'custom', sizeBytes: 7 } });
    expect(await p).toMatchObject({ status: 'completed' });
    expect(f.store.load()[0]?.taskStates.toJSON()).toEqual([
      ['sink#0', { key: 'custom', sizeBytes: 7 }],
      ['src#0', { key: 'src#0@1', sizeBytes: 10 }],
      ['src#1', null],
    ]);
    expect(f.c.stats().latestCompleted).toMatchObject({ checkpointId: 1, bytesPersisted: 123 });
    expect(f.discarded).toEqual([]);
  });

  it('accepts a duplicate from the same attempt without discarding its state', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    expect(f.ack('src#0', 1)).toEqual({ ok: true });
    expect(f.ack('src#0', 1)).toEqual({ ok: true });
    expect(f.c.state().pending[0]?.acknowledged).toBe(1);
    expect(f.c.stats().duplicateAcknowledgements).toBe(1);
    expect(f.discarded).toEqual([]);
    f.ackAll(1, ['src#1', 'sink#0']);
    expect(f.c.state().completed).toEqual([1]);
  });

  it('counts a duplicate that arrives while the checkpoint is being stored', async () => {
    const store = new DeferredStore();
    const f = await startFixture({ store });
    const p = track(f.c.triggerCheckpoint());
    f.ackAll(1);
    expect(f.c.state().pending[0]?.stage).toBe('finalizing');
    expect(f.ack('sink#0', 1)).toEqual({ ok: true });
    expect(f.c.stats().duplicateAcknowledgements).toBe(1);
    expect(f.discarded).toEqual([]);
    await store.release();
    expect(p.value).toMatchObject({ status: 'completed', checkpointId: 1 });
  });

  it('rejects an acknowledgement from an older attempt and discards its state', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    f.ack('src#0', 1);
    f.report('src#0', 'deploying', 1); // src#0 restarts after acknowledging: checkpoint 1 keeps its ack
    expect(f.c.state().pending).toHaveLength(1);
    const r = f.ack('src#1', 1, { attempt: 0 });
    expect(r).toEqual({ ok: true });
    f.report('src#1', 'deploying', 1); // src#1 restarts too (acknowledged, so nothing aborts)
    const stale = f.ack('sink#0', 1, { attempt: 0 });
    expect(stale).toEqual({ ok: true });
    expect(f.c.state().completed).toEqual([1]);
    // An acknowledgement from attempt 0 of src#0, now at attempt 1, for a new checkpoint.
    f.report('src#0', 'running', 1);
    f.report('src#1', 'running', 1);
    void f.c.triggerCheckpoint();
    const old = f.ack('src#0', 2, { attempt: 0 });
    expect(old).toMatchObject({ ok: false, rejection: { code: 'stale-attempt', path: '$.attempt' } });
    expect(f.discarded).toEqual([{ key: 'src#0@2', sizeBytes: 10 }]);
    expect(f.c.state().pending[0]?.acknowledged).toBe(0);
  });

  it('rejects an acknowledgement from a newer attempt than the checkpoint planned and discards its state', async () => {
    const f = await startFixture({ config: { maxConcurrent: 2 } });
    void f.c.triggerCheckpoint();
    f.ack('sink#0', 1); // acknowledged: the restart below does not abort checkpoint 1
    f.report('sink#0', 'running', 1);
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([1]);
    const r = f.ack('sink#0', 1, { attempt: 1, state: { key: 'new', sizeBytes: 1 } });
    expect(r).toMatchObject({ ok: false, rejection: { code: 'stale-attempt' } });
    expect(f.discarded).toEqual([{ key: 'new', sizeBytes: 1 }]);
  });

  it('accepts a late acknowledgement for a remembered id and discards its state', async () => {
    const f = await startFixture({ config: { tolerableFailures: 5 } });
    const p = f.c.triggerCheckpoint();
    f.ack('src#0', 1);
    f.decline('src#1', 1);
    expect(await p).toMatchObject({ status: 'aborted', reason: 'CHECKPOINT_DECLINED' });
    expect(f.discarded).toEqual([{ key: 'src#0@1', sizeBytes: 10 }]);
    f.discarded.length = 0;
    expect(f.ack('sink#0', 1)).toEqual({ ok: true });
    expect(f.discarded).toEqual([{ key: 'sink#0@1', sizeBytes: 10 }]);
    expect(f.c.stats().lateAcknowledgements).toBe(1);
  });

  it('accepts a late acknowledgement for a subsumed checkpoint and discards its state', async () => {
    const f = await startFixture({ config: { maxConcurrent: 2 } });
    void f.c.triggerCheckpoint();
    void f.c.triggerCheckpoint();
    f.ackAll(2); // completes 2 and subsumes 1
    f.discarded.length = 0;
    expect(f.ack('src#0', 1)).toEqual({ ok: true });
    expect(f.discarded).toEqual([{ key: 'src#0@1', sizeBytes: 10 }]);
    expect(f.c.stats().lateAcknowledgements).toBe(1);
  });

  describe('redelivered (acknowledgements are delivered at least once)', () => {
    it('a redelivery for a completed checkpoint is late and keeps the state the checkpoint references', async () => {
      const f = await startFixture();
      await completeCheckpoint(f);
      expect(f.ack('src#0', 1)).toEqual({ ok: true });
      expect(f.c.stats().lateAcknowledgements).toBe(1);
      expect(f.discarded).toEqual([]);
      // Another state for the same task and checkpoint is no redelivery: nothing references it.
      expect(f.ack('src#0', 1, { state: { key: 'other', sizeBytes: 1 } })).toEqual({ ok: true });
      expect(f.discarded).toEqual([{ key: 'other', sizeBytes: 1 }]);
    });

    it('a redelivery for a completed savepoint keeps its state', async () => {
      const f = await startFixture();
      const sp = f.c.triggerSavepoint();
      f.ackAll(1);
      await sp;
      expect(f.ack('sink#0', 1)).toEqual({ ok: true });
      expect(f.discarded).toEqual([]);
    });

    it('a redelivery from an attempt that restarted since keeps its state', async () => {
      const f = await startFixture({ config: { maxConcurrent: 2 } });
      void f.c.triggerCheckpoint();
      f.ack('sink#0', 1);
      f.report('sink#0', 'running', 1); // checkpoint 1 keeps the acknowledgement of attempt 0
      expect(f.ack('sink#0', 1, { attempt: 0 })).toMatchObject({ ok: false, rejection: { code: 'stale-attempt' } });
      expect(f.discarded).toEqual([]);
      f.ackAll(1, ['src#0', 'src#1']);
      expect(f.c.state().completed).toEqual([1]);
      expect(f.ack('sink#0', 1, { attempt: 0 })).toMatchObject({ ok: false, rejection: { code: 'stale-attempt' } });
      expect(f.discarded).toEqual([]);
    });

    it('a redelivery for a retained checkpoint older than the remembered ids is unknown but keeps its state', async () => {
      const f = await startFixture({ config: { tolerableFailures: Infinity } });
      await completeCheckpoint(f);
      for (let id = 2; id <= GHOST_IDS + 2; id++) {
        void f.c.triggerCheckpoint();
        f.decline('src#0', id);
      }
      f.discarded.length = 0;
      expect(f.c.state().completed).toEqual([1]);
      expect(f.ack('src#1', 1)).toMatchObject({ ok: false, rejection: { code: 'unknown-checkpoint' } });
      expect(f.discarded).toEqual([]);
      expect(f.store.load()[0]?.taskStates.get('src#1')).toEqual({ key: 'src#1@1', sizeBytes: 10 });
    });
  });

  it('rejects an acknowledgement for an id it never had, and discards its state', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    const before = f.c.actor.getSnapshot().context;
    const r = f.ack('src#0', 7);
    expect(r).toMatchObject({ ok: false, rejection: { code: 'unknown-checkpoint', path: '$.checkpointId' } });
    expect(f.discarded).toEqual([{ key: 'src#0@7', sizeBytes: 10 }]);
    expect(f.c.actor.getSnapshot().context).toBe(before);
  });

  it('forgets ids beyond the last 16 that left: an acknowledgement for an older one is unknown', async () => {
    const f = await startFixture({ config: { tolerableFailures: Infinity } });
    for (let id = 1; id <= GHOST_IDS + 1; id++) {
      void f.c.triggerCheckpoint();
      f.decline('src#0', id);
    }
    expect(f.ack('src#0', 2)).toEqual({ ok: true });
    expect(f.ack('src#0', 1)).toMatchObject({ ok: false, rejection: { code: 'unknown-checkpoint' } });
  });

  it('rejects an acknowledgement of another job and keeps its state', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    const before = f.c.actor.getSnapshot().context;
    const r = f.ack('src#0', 1, { jobId: 'other-job' });
    expect(r).toMatchObject({ ok: false, rejection: { code: 'wrong-job', path: '$.jobId' } });
    expect(f.discarded).toEqual([]);
    expect(f.c.actor.getSnapshot().context).toBe(before);
  });

  it('rejects an acknowledgement from a finished task the checkpoint does not wait for, and discards its state', async () => {
    const f = await startFixture();
    f.report('src#0', 'finished');
    void f.c.triggerCheckpoint();
    const r = f.ack('src#0', 1);
    expect(r).toMatchObject({ ok: false, rejection: { code: 'unknown-task' } });
    expect(f.discarded).toEqual([{ key: 'src#0@1', sizeBytes: 10 }]);
    f.ackAll(1, ['src#1', 'sink#0']);
    expect(f.c.state().completed).toEqual([1]);
    expect(f.store.load()[0]?.taskStates.toJSON().map(([t]) => t)).toEqual(['sink#0', 'src#1']);
  });

  it('accepts acknowledgements before a task was triggered (tasks that are not sources)', async () => {
    const f = await startFixture();
    const p = track(f.c.triggerCheckpoint());
    f.ack('sink#0', 1);
    f.ack('src#1', 1);
    await flush();
    expect(p.value).toBeUndefined();
    f.ack('src#0', 1);
    expect(await p.promise).toMatchObject({ status: 'completed', checkpointId: 1 });
  });

  it('counts metrics reports as statistics only', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    const before = f.c.actor.getSnapshot();
    const r = f.c.receive({ type: 'reportCheckpointMetrics', jobId: f.jobId, taskId: 'src#0', attempt: 0, checkpointId: 1, metrics: { bytesProcessedDuringAlignment: 0, alignmentDurationMs: 0, syncDurationMs: 0, asyncDurationMs: 0, checkpointStartDelayMs: 0, bytesPersisted: 0, unaligned: false } });
    expect(r).toEqual({ ok: true });
    expect(f.c.actor.getSnapshot().context).toBe(before.context);
  });
});
