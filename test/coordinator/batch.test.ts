/**
 * A batch of acknowledgements in one event behaves exactly as the same acknowledgements one by
 * one: same final state value and context (compared canonically), same commands in the same
 * order, same rejections, including batches that complete checkpoints midway and carry
 * duplicates, late, foreign, stale and unknown acknowledgements.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AcknowledgeCheckpoint, Rejection } from '../../spec/index.js';
import { EMPTY_METRICS } from '../../spec/index.js';
import type { CoordinatorCommand } from '../../machines/coordinator/index.js';
import { canonical } from '../support/canonical.js';
import type { Fixture, FixtureOptions } from '../support/coordinator-fixture.js';
import { startFixture, track, useProtocolMonitors, flush } from '../support/coordinator-fixture.js';
import { DeferredStore } from '../support/deferred-ports.js';
import { MachineHarness } from '../support/machine-harness.js';

useProtocolMonitors();

const withoutContinuations = (commands: readonly CoordinatorCommand[]) => commands.filter((c) => c.kind !== 'continueBatch');

function ackOf(taskId: string, checkpointId: number, over: Partial<AcknowledgeCheckpoint> = {}): AcknowledgeCheckpoint {
  return { type: 'acknowledgeCheckpoint', jobId: 'job', taskId, attempt: 0, checkpointId, metrics: { ...EMPTY_METRICS, bytesPersisted: checkpointId }, state: { key: `${taskId}@${checkpointId}#${over.attempt ?? 0}`, sizeBytes: 3 }, ...over };
}

/** Acknowledgements for checkpoints 1–3 that complete 1 and then 2 midway, with every kind of bad one around. */
const MIXED: AcknowledgeCheckpoint[] = [
  ackOf('src#0', 2),
  ackOf('src#0', 1),
  ackOf('src#0', 1), // duplicate
  ackOf('src#1', 1, { jobId: 'other' }), // foreign job
  ackOf('src#1', 1),
  ackOf('sink#0', 1, { attempt: 3 }), // attempt never deployed
  ackOf('sink#0', 99), // unknown id
  ackOf('sink#0', 1, { state: null }), // completes 1
  ackOf('sink#0', 1), // late
  ackOf('src#1', 2),
  ackOf('sink#0', 2), // completes 2
  ackOf('src#0', 3),
  ackOf('src#0', 2), // late
  ackOf('mystery#0', 3), // unknown task
  ackOf('src#1', 3),
];

/** Two coordinators in the same state, with checkpoints 1–3 pending. */
async function twoFixtures(options: () => FixtureOptions = () => ({})): Promise<[Fixture, Fixture]> {
  const make = async () => {
    const f = await startFixture({ config: { maxConcurrent: 3, tolerableFailures: Infinity }, ...options() });
    for (let i = 0; i < 3; i++) void f.c.triggerCheckpoint();
    f.clearLog();
    return f;
  };
  return [await make(), await make()];
}

function expectSameRun(one: Fixture, batch: Fixture): void {
  expect(withoutContinuations(batch.commands)).toEqual(one.commands);
  expect(batch.sent).toEqual(one.sent);
  expect(batch.discarded).toEqual(one.discarded);
  expect(batch.c.actor.getSnapshot().value).toEqual(one.c.actor.getSnapshot().value);
  expect(canonical(batch.c.actor.getSnapshot().context)).toBe(canonical(one.c.actor.getSnapshot().context));
}

describe('acknowledgement batches (runtime)', () => {
  it('complete checkpoints midway exactly as one by one, with the same rejections', async () => {
    const [one, batch] = await twoFixtures();
    const rejectedOne: Rejection[] = [];
    for (const a of MIXED) {
      const r = one.c.receive(a);
      if (!r.ok) rejectedOne.push(r.rejection);
    }
    const rejectedBatch = batch.c.receiveBatch(MIXED);

    expect(rejectedBatch).toEqual(rejectedOne);
    expect(rejectedOne.map((r) => r.code)).toEqual(['wrong-job', 'stale-attempt', 'unknown-checkpoint', 'unknown-task']);
    expectSameRun(one, batch);
    expect(batch.commandsOf('continueBatch')).toHaveLength(2);
    expect(one.c.state().completed).toEqual([2]);
    expect(one.c.stats()).toMatchObject({ completed: 2, duplicateAcknowledgements: 1, lateAcknowledgements: 2 });
    expect(one.c.state().pending).toEqual([{ checkpointId: 3, snapshot: 'checkpoint', stage: 'triggered', acknowledged: 2, required: 3 }]);
  });

  it('behave as one by one while the store write is still in flight', async () => {
    const [one, batch] = await twoFixtures(() => ({ store: new DeferredStore() }));
    for (const a of MIXED) one.c.receive(a);
    batch.c.receiveBatch(MIXED);
    expectSameRun(one, batch);
    for (const f of [one, batch]) {
      expect(f.c.state().pending.map((p) => [p.checkpointId, p.stage])).toEqual([
        [1, 'finalizing'],
        [2, 'acknowledged'],
        [3, 'triggered'],
      ]);
      await (f.store as DeferredStore).release(); // 1 is stored, then 2 starts and is stored
      await (f.store as DeferredStore).release();
    }
    expectSameRun(one, batch);
    expect(batch.c.state().completed).toEqual([2]);
  });

  it('resolve the request of every checkpoint they complete', async () => {
    const f = await startFixture({ config: { maxConcurrent: 2 } });
    const first = track(f.c.triggerCheckpoint());
    const second = track(f.c.triggerCheckpoint());
    const rejections = f.c.receiveBatch(['src#0', 'src#1', 'sink#0'].flatMap((t) => [ackOf(t, 2), ackOf(t, 1)]).slice(0, 5).concat([ackOf('sink#0', 1)]));
    expect(rejections).toEqual([]);
    await flush();
    expect(second.value).toEqual({ status: 'completed', checkpointId: 2, snapshot: 'checkpoint' });
    expect(first.value).toEqual({ status: 'aborted', checkpointId: 1, snapshot: 'checkpoint', reason: 'CHECKPOINT_SUBSUMED' });
  });
});

describe('acknowledgement batches (pure machine)', () => {
  const prepared = (firstAttemptOfSink = 0): MachineHarness => {
    const h = new MachineHarness({ config: { maxConcurrent: 3, tolerableFailures: Infinity } });
    if (firstAttemptOfSink > 0) h.send({ type: 'taskStateChanged', jobId: 'job', taskId: 'sink#0', attempt: firstAttemptOfSink, state: 'running' });
    for (let i = 0; i < 3; i++) h.send({ type: 'request.checkpoint', requestId: `r${i}`, checkpointType: 'configured' });
    return h;
  };

  const compare = (acks: AcknowledgeCheckpoint[]) => {
    const one = prepared();
    const batch = prepared();
    const start = one.commands.length;
    for (const a of acks) one.ack(a);
    batch.ackBatch(acks);
    expect(batch.snapshot.value).toEqual(one.snapshot.value);
    expect(canonical(batch.context)).toBe(canonical(one.context));
    expect(withoutContinuations(batch.commands.slice(start))).toEqual(one.commands.slice(start));
  };

  it('give the same snapshot and commands for the mixed batch', () => {
    compare(MIXED);
  });

  it('give the same snapshot and commands for random batches (property)', () => {
    const seed = Number(process.env.SEED) || Date.now() % 2 ** 31;
    console.log(`batch equivalence property: seed ${seed} (replay with SEED=${seed})`);
    const ack = fc.record({
      taskId: fc.constantFrom('src#0', 'src#1', 'sink#0', 'nope#0'),
      checkpointId: fc.integer({ min: 1, max: 5 }),
      attempt: fc.constantFrom(0, 0, 0, 1),
      jobId: fc.constantFrom('job', 'job', 'job', 'other'),
      stateless: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(ack, { maxLength: 30 }), (specs) => {
        compare(specs.map((s) => ackOf(s.taskId, s.checkpointId, { attempt: s.attempt, jobId: s.jobId, ...(s.stateless ? { state: null } : {}) })));
      }),
      { seed, numRuns: 200 },
    );
  });
});
