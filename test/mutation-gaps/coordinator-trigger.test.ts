/**
 * Scenario behaviour of triggering, acknowledging and finishing checkpoints that the scenario
 * tests left unpinned (Stryker left these mutants of `machines/coordinator/` alive): late timer,
 * transport and hook failures for checkpoints being stored or gone, declines and stale
 * acknowledgements while a checkpoint is stored, task reports that must not abort, what an abort
 * discards of the hooks' state, an abort while another id is allocated, and the completed
 * checkpoint the coordinator keeps.
 */
import { describe, expect, it } from 'vitest';
import type { CoordinatorToTaskMessage, StateHandle } from '../../spec/index.js';
import type { CheckpointHook } from '../../runtime/coordinator/ports.js';
import { flush, startFixture, track, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { DeferredCounter, DeferredHook, DeferredStore } from '../support/deferred-ports.js';

useProtocolMonitors();

const rejectionOf = (r: unknown) => (r as { rejection?: unknown }).rejection;

/** A transport whose trigger messages fail only when the test says so. */
function failingTriggers() {
  const failures: Array<() => void> = [];
  const send = (m: CoordinatorToTaskMessage) => {
    if (m.type !== 'triggerCheckpoint') return undefined;
    return new Promise<void>((_resolve, reject) => failures.push(() => reject(new Error('connection reset'))));
  };
  const failAll = async () => {
    for (const fail of failures.splice(0)) fail();
    await flush();
  };
  return { send, failAll };
}


/** Checkpoint 1 acknowledged and being stored, checkpoint 2 acknowledged and waiting behind it. */
async function storedAndWaiting() {
  const store = new DeferredStore();
  const f = await startFixture({ store, config: { maxConcurrent: 2 } });
  const one = f.c.triggerCheckpoint();
  const two = f.c.triggerCheckpoint();
  f.ackAll(1);
  f.ackAll(2);
  return { store, f, one, two };
}

/** Lets the store answer both writes; both checkpoints complete. */
async function bothComplete(store: DeferredStore, one: Promise<unknown>, two: Promise<unknown>): Promise<void> {
  await store.release();
  await store.release();
  expect(await one).toMatchObject({ status: 'completed', checkpointId: 1 });
  expect(await two).toMatchObject({ status: 'completed', checkpointId: 2 });
}

describe('a checkpoint being stored', () => {
  it('does not expire when its timeout fires meanwhile', async () => {
    const store = new DeferredStore();
    const f = await startFixture({ store, config: { timeout: 10_000 } });
    const p = f.c.triggerCheckpoint();
    f.ackAll(1);
    f.time.advance(15_000);
    expect(f.c.state().pending).toMatchObject([{ checkpointId: 1, stage: 'finalizing' }]);
    await store.release();
    expect(await p).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'checkpoint' });
    expect(f.commandsOf('checkpointAborted')).toEqual([]);
  });

  it('is not aborted when sending its trigger fails late', async () => {
    const store = new DeferredStore();
    const transport = failingTriggers();
    const f = await startFixture({ store, send: transport.send });
    const p = f.c.triggerCheckpoint();
    f.ackAll(1);
    await transport.failAll();
    await store.release();
    expect(await p).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'checkpoint' });
  });

  it('is not aborted by a decline while it waits for the store behind an older one', async () => {
    const { store, f, one, two } = await storedAndWaiting();
    expect(f.c.state().pending).toMatchObject([
      { checkpointId: 1, stage: 'finalizing' },
      { checkpointId: 2, stage: 'acknowledged' },
    ]);
    expect(f.decline('src#0', 2)).toEqual({ ok: true });
    await bothComplete(store, one, two);
    expect(f.commandsOf('checkpointAborted')).toEqual([]);
  });

  it('rejects an acknowledgement of a newer attempt and discards its state, counting no duplicate', async () => {
    const store = new DeferredStore();
    const f = await startFixture({ store });
    const p = f.c.triggerCheckpoint();
    f.ackAll(1);
    f.report('src#0', 'running', 1);
    f.clearLog();
    const state: StateHandle = { key: 'src#0@1#1', sizeBytes: 4 };
    expect(rejectionOf(f.ack('src#0', 1, { attempt: 1, state }))).toEqual({ code: 'stale-attempt', path: '$.attempt', message: 'checkpoint 1 waits for attempt 0 of src#0' });
    expect(f.commandsOf('discardState')).toEqual([{ kind: 'discardState', checkpointId: 1, handles: [state] }]);
    // Without state there is nothing to discard.
    expect(rejectionOf(f.ack('src#0', 1, { attempt: 1, state: null }))).toMatchObject({ code: 'stale-attempt' });
    expect(f.commandsOf('discardState')).toHaveLength(1);
    expect(f.c.actor.getSnapshot().context.stats.duplicateAcknowledgements).toBe(0);
    await store.release();
    expect((await p).status).toBe('completed');
  });
});

describe('late failures for a checkpoint that is gone', () => {
  it('of sending its trigger change nothing: the next checkpoint completes', async () => {
    const transport = failingTriggers();
    const f = await startFixture({ send: transport.send });
    const p = f.c.triggerCheckpoint();
    f.decline('sink#0', 1);
    expect(await p).toMatchObject({ status: 'aborted', checkpointId: 1, reason: 'CHECKPOINT_DECLINED' });
    await transport.failAll();
    const next = f.c.triggerCheckpoint();
    f.ackAll(2);
    expect(await next).toEqual({ status: 'completed', checkpointId: 2, snapshot: 'checkpoint' });
  });

  it('of a hook change nothing: the next checkpoint completes', async () => {
    const hook = new DeferredHook('h');
    const f = await startFixture({ hooks: { h: hook }, config: { timeout: 10_000 } });
    const p = track(f.c.triggerCheckpoint());
    await flush();
    f.time.advance(10_000);
    await flush();
    expect(p.value).toMatchObject({ status: 'aborted', checkpointId: 1, reason: 'CHECKPOINT_EXPIRED' });
    await hook.fail(1);
    const next = f.c.triggerCheckpoint();
    await flush();
    await hook.release(2);
    f.ackAll(2);
    expect(await next).toEqual({ status: 'completed', checkpointId: 2, snapshot: 'checkpoint' });
  });
});

describe('task reports while a checkpoint is pending', () => {
  it('a task finishing before it acknowledged does not abort the checkpoint: its acknowledgement still counts', async () => {
    const f = await startFixture();
    const p = f.c.triggerCheckpoint();
    f.report('sink#0', 'finished');
    expect(f.c.state().pending).toMatchObject([{ checkpointId: 1 }]);
    f.ackAll(1);
    expect(await p).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'checkpoint' });
  });

  it('a finished task is not part of later checkpoints: its acknowledgement is refused, its restart aborts nothing', async () => {
    const f = await startFixture();
    f.report('src#0', 'finished');
    const p = f.c.triggerCheckpoint();
    expect(rejectionOf(f.ack('src#0', 1))).toEqual({ code: 'unknown-task', path: '$.taskId', message: 'task src#0 is not part of checkpoint 1' });
    f.report('src#0', 'deploying', 1);
    expect(f.c.state().pending).toMatchObject([{ checkpointId: 1 }]);
    f.ackAll(1, ['src#1', 'sink#0']);
    expect(await p).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'checkpoint' });
  });

  it('a late failure report of an attempt that finished changes nothing', async () => {
    const f = await startFixture();
    f.report('src#0', 'finished');
    expect(f.report('src#0', 'failed')).toEqual({ ok: true });
    const p = f.c.triggerCheckpoint();
    f.ackAll(1, ['src#1', 'sink#0']);
    expect(await p).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'checkpoint' });
  });
});

describe('an abort after the hooks ran', () => {
  it('discards the state the hooks took, and nothing for a hook that took none', async () => {
    const withState: CheckpointHook = { trigger: (id) => ({ key: `withState@${id}`, sizeBytes: 1 }) };
    const without: CheckpointHook = { trigger: () => null };
    const f = await startFixture({ hooks: { withState, without } });
    const p = f.c.triggerCheckpoint();
    await flush();
    expect(f.c.state().pending).toMatchObject([{ checkpointId: 1, stage: 'triggered' }]);
    f.decline('src#0', 1);
    expect(await p).toMatchObject({ status: 'aborted', reason: 'CHECKPOINT_DECLINED' });
    expect(f.commandsOf('discardState').map((c) => c.handles)).toEqual([[{ key: 'withState@1', sizeBytes: 1 }]]);
  });
});

describe('an abort while another checkpoint waits for its id', () => {
  it('leaves that trigger in flight: it becomes a checkpoint and completes', async () => {
    const counter = new DeferredCounter();
    const f = await startFixture({ counter, config: { maxConcurrent: 2 } });
    const one = f.c.triggerCheckpoint();
    await counter.release();
    const two = f.c.triggerCheckpoint();
    await flush();
    expect(counter.waitingCount).toBe(1);
    f.decline('src#0', 1);
    expect(await one).toMatchObject({ status: 'aborted', checkpointId: 1 });
    await counter.release();
    expect(f.sentOf('triggerCheckpoint').filter((m) => m.checkpointId === 2)).toHaveLength(2);
    f.ackAll(2);
    expect(await two).toEqual({ status: 'completed', checkpointId: 2, snapshot: 'checkpoint' });
  });
});

describe('the completed checkpoint the coordinator keeps', () => {
  it('is the one it stored, even when the store answered later', async () => {
    const store = new DeferredStore();
    const f = await startFixture({ store });
    const p = f.c.triggerCheckpoint();
    f.ackAll(1);
    f.time.advance(300);
    await store.release();
    expect((await p).status).toBe('completed');
    f.c.restore('global');
    expect(f.restores[0]?.checkpoint?.completedAt).toBe(store.entries[0]?.completedAt);
    expect(store.entries[0]?.completedAt).toBe(1000);
  });
});

describe('a batch of acknowledgements', () => {
  it('that completes no checkpoint is applied in one step, while a checkpoint is stored or waits for the store', async () => {
    const { store, f, one, two } = await storedAndWaiting();
    f.clearLog();
    // Redeliveries for the stored checkpoint 1 and for checkpoint 2 waiting behind it.
    expect(f.c.receiveBatch([f.ackMessage('src#0', 1), f.ackMessage('src#1', 1), f.ackMessage('src#0', 2), f.ackMessage('src#1', 2)])).toEqual([]);
    expect(f.commandsOf('continueBatch')).toEqual([]);
    expect(f.c.actor.getSnapshot().context.stats.duplicateAcknowledgements).toBe(4);
    await bothComplete(store, one, two);
  });

  it('rejects a newer attempt for a stored checkpoint and goes on with the rest', async () => {
    const store = new DeferredStore();
    const f = await startFixture({ store });
    const p = f.c.triggerCheckpoint();
    f.ackAll(1);
    f.report('src#0', 'running', 1);
    const rejections = f.c.receiveBatch([f.ackMessage('src#0', 1, { attempt: 1 }), f.ackMessage('src#1', 1)]);
    expect(rejections).toEqual([{ code: 'stale-attempt', path: '$.attempt', message: 'checkpoint 1 waits for attempt 0 of src#0' }]);
    expect(f.c.actor.getSnapshot().context.stats.duplicateAcknowledgements).toBe(1);
    await store.release();
    expect((await p).status).toBe('completed');
  });

  it('counts duplicates for a checkpoint every task acknowledged while its hooks still run', async () => {
    const hook = new DeferredHook('h');
    const f = await startFixture({ hooks: { h: hook } });
    const p = f.c.triggerCheckpoint();
    await flush();
    f.ackAll(1);
    expect(f.c.state().pending).toMatchObject([{ checkpointId: 1, stage: 'hooks', acknowledged: 3, required: 3 }]);
    expect(f.c.receiveBatch([f.ackMessage('src#0', 1), f.ackMessage('sink#0', 1)])).toEqual([]);
    expect(f.c.actor.getSnapshot().context.stats.duplicateAcknowledgements).toBe(2);
    await hook.release(1);
    expect(await p).toEqual({ status: 'completed', checkpointId: 1, snapshot: 'checkpoint' });
  });
});

describe('a metrics report', () => {
  it('from the current attempt is accepted', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    const metrics = { bytesProcessedDuringAlignment: 0, alignmentDurationMs: 1, syncDurationMs: 2, asyncDurationMs: 3, checkpointStartDelayMs: 0, bytesPersisted: 10, unaligned: false };
    expect(f.c.receive({ type: 'reportCheckpointMetrics', jobId: f.jobId, taskId: 'src#0', attempt: 0, checkpointId: 1, metrics })).toEqual({ ok: true });
    expect(f.commandsOf('rejected')).toEqual([]);
  });
});

describe('shutdown while the hooks of a checkpoint run', () => {
  it('aborts that checkpoint once, as a checkpoint, not as a failed request', async () => {
    const hook = new DeferredHook('h');
    const f = await startFixture({ hooks: { h: hook } });
    const p = f.c.triggerCheckpoint();
    await flush();
    expect(f.c.state()).toMatchObject({ trigger: 'awaitingHooks', pending: [{ checkpointId: 1, stage: 'hooks' }] });
    f.c.shutdown();
    expect(await p).toEqual({ status: 'aborted', checkpointId: 1, snapshot: 'checkpoint', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
    expect(f.commandsOf('requestFailed')).toEqual([]);
    expect(f.commandsOf('checkpointAborted').map((c) => c.checkpointId)).toEqual([1]);
  });
});
