/**
 * Completion subsumes older pending checkpoints, and the store subsumes older completed ones
 * (CheckpointCoordinatorTest: testMultipleConcurrentCheckpoints, testSuccessfulCheckpointSubsumesUnsuccessful,
 * testCheckpointSubsumption…, testSavepointsAreNotSubsumed; CheckpointSubsumeHelper).
 */
import { describe, expect, it } from 'vitest';
import { completeCheckpoint, startFixture, track, useProtocolMonitors, flush } from '../support/coordinator-fixture.js';

useProtocolMonitors();

describe('subsuming pending checkpoints', () => {
  it('completing N aborts every pending checkpoint below N with CHECKPOINT_SUBSUMED', async () => {
    const f = await startFixture({ config: { maxConcurrent: 3, tolerableFailures: 0 } });
    const one = f.c.triggerCheckpoint();
    const two = f.c.triggerCheckpoint();
    const three = f.c.triggerCheckpoint();
    f.ack('src#0', 1);
    f.ackAll(2);
    expect(await two).toMatchObject({ status: 'completed', checkpointId: 2 });
    expect(await one).toEqual({ status: 'aborted', checkpointId: 1, snapshot: 'checkpoint', reason: 'CHECKPOINT_SUBSUMED' });
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([3]);
    expect(f.discarded).toContainEqual({ key: 'src#0@1', sizeBytes: 10 });
    // The abort round of 1 goes out before the completion round of 2.
    const kinds = f.commands.filter((c) => c.kind === 'notifyAborted' || c.kind === 'notifyComplete').map((c) => `${c.kind} ${c.checkpointId}`);
    expect(kinds).toEqual(['notifyAborted 1', 'notifyComplete 2']);
    expect(f.jobFailures).toEqual([]);
    f.ackAll(3);
    expect((await three).status).toBe('completed');
  });

  it('never subsumes a pending savepoint', async () => {
    const f = await startFixture({ config: { maxConcurrent: 2 } });
    const sp = track(f.c.triggerSavepoint()); // id 1, forced
    const cp = f.c.triggerCheckpoint(); // id 2
    f.ackAll(2);
    expect(await cp).toMatchObject({ status: 'completed', checkpointId: 2 });
    await flush();
    expect(sp.value).toBeUndefined();
    expect(f.c.state().pending.map((p) => [p.checkpointId, p.snapshot])).toEqual([[1, 'savepoint']]);
    f.ackAll(1);
    expect(await sp.promise).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'savepoint' });
  });

  it('leaves newer pending checkpoints alone', async () => {
    const f = await startFixture({ config: { maxConcurrent: 2 } });
    void f.c.triggerCheckpoint();
    const two = track(f.c.triggerCheckpoint());
    f.ackAll(1);
    await flush();
    expect(two.value).toBeUndefined();
    expect(f.c.state().pending.map((p) => p.checkpointId)).toEqual([2]);
  });
});

describe('the store', () => {
  it('keeps one checkpoint by default and announces the subsumed one to the tasks', async () => {
    const f = await startFixture();
    await completeCheckpoint(f);
    f.clearLog();
    await completeCheckpoint(f);
    expect(f.store.load().map((c) => c.checkpointId)).toEqual([2]);
    expect(f.c.state().completed).toEqual([2]);
    expect(f.commandsOf('storeCheckpoint').map((c) => [c.checkpoint.checkpointId, c.subsumed])).toEqual([[2, [1]]]);
    expect(new Set(f.sentOf('notifyCheckpointComplete').map((m) => m.lastSubsumedCheckpointId))).toEqual(new Set([1]));
  });

  it('keeps the configured number of checkpoints', async () => {
    const f = await startFixture({ config: { retained: 3 } });
    const lastSubsumed: number[] = [];
    for (let i = 0; i < 5; i++) {
      f.clearLog();
      await completeCheckpoint(f);
      lastSubsumed.push(f.sentOf('notifyCheckpointComplete')[0]?.lastSubsumedCheckpointId ?? NaN);
    }
    expect(f.store.load().map((c) => c.checkpointId)).toEqual([3, 4, 5]);
    expect(lastSubsumed).toEqual([-1, -1, -1, 1, 2]);
  });

  it('keeps its contents unchanged when a savepoint completes', async () => {
    const f = await startFixture();
    await completeCheckpoint(f);
    const sp = f.c.triggerSavepoint();
    f.ackAll(2);
    expect(await sp).toMatchObject({ status: 'completed', snapshot: 'savepoint' });
    expect(f.store.load().map((c) => c.checkpointId)).toEqual([1]);
    expect(f.commandsOf('finalizeSavepoint').map((c) => c.checkpoint.checkpointId)).toEqual([2]);
  });
});
