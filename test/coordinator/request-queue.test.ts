/**
 * The request queue as the coordinator uses it (CheckpointRequestDeciderTest): priority order
 * and the bound, with eviction of periodic requests and rejection of new user requests.
 */
import { describe, expect, it } from 'vitest';
import { flush, startFixture, track, useProtocolMonitors } from '../support/coordinator-fixture.js';

useProtocolMonitors();

describe('priority', () => {
  it('runs savepoints first, then user checkpoints oldest first, then periodic ones', async () => {
    // Unaligned: savepoints are not forced, so everything queues behind the pending checkpoint.
    const f = await startFixture({ config: { unaligned: true, interval: 1_000_000 }, random: () => 0 });
    const first = f.c.triggerCheckpoint(); // checkpoint 1, pending
    f.c.startScheduler();
    f.time.advance(0); // periodic request, queued
    f.time.advance(10);
    void f.c.triggerCheckpoint(); // user checkpoint A
    f.time.advance(10);
    void f.c.triggerSavepoint(); // savepoint
    f.time.advance(10);
    void f.c.triggerCheckpoint('full'); // user checkpoint B
    expect(f.c.state().queued).toBe(4);

    f.ackAll(1);
    await first;
    const order: string[] = [];
    for (let id = 2; id <= 5; id++) {
      const created = f.commandsOf('pendingCreated').find((c) => c.checkpointId === id);
      expect(created, `checkpoint ${id} was created`).toBeDefined();
      order.push(`${created?.snapshot}:${created?.requestId === null ? 'periodic' : 'user'}`);
      f.ackAll(id);
    }
    expect(order).toEqual(['savepoint:user', 'checkpoint:user', 'full:user', 'checkpoint:periodic']);
  });

  it('runs a forced savepoint at once, past a full queue of checkpoints', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    void f.c.triggerCheckpoint();
    void f.c.triggerCheckpoint();
    const sp = f.c.triggerSavepoint();
    expect(f.c.state().pending.map((p) => p.snapshot)).toEqual(['checkpoint', 'savepoint']);
    expect(f.c.state().queued).toBe(2);
    f.ackAll(2);
    expect(await sp).toEqual({ status: 'completed', checkpointId: 2, snapshot: 'savepoint' });
  });
});

describe('bound', () => {
  it('rejects a new user request with TOO_MANY_CHECKPOINT_REQUESTS when the queue is full of user requests', async () => {
    const f = await startFixture({ config: { maxQueuedRequests: 3 } });
    void f.c.triggerCheckpoint(); // pending
    const queued = [track(f.c.triggerCheckpoint()), track(f.c.triggerCheckpoint()), track(f.c.triggerCheckpoint())];
    expect(f.c.state().queued).toBe(3);
    expect(await f.c.triggerCheckpoint()).toEqual({ status: 'failed', snapshot: 'checkpoint', reason: 'TOO_MANY_CHECKPOINT_REQUESTS' });
    expect(f.c.state().queued).toBe(3);
    await flush();
    expect(queued.map((q) => q.value)).toEqual([undefined, undefined, undefined]);
    expect(f.commandsOf('failureCounted')).toEqual([]);
  });

  it('evicts the lowest-priority periodic request to admit a user request', async () => {
    const f = await startFixture({ config: { maxQueuedRequests: 2, interval: 1000 }, random: () => 0 });
    void f.c.triggerCheckpoint(); // pending
    f.c.startScheduler();
    f.time.advance(0); // periodic p1 queued
    f.time.advance(1000); // periodic p2 queued
    expect(f.c.state().queued).toBe(2);
    f.clearLog();
    const user = track(f.c.triggerCheckpoint());
    expect(f.commandsOf('requestFailed')).toEqual([{ kind: 'requestFailed', requestId: null, snapshot: 'checkpoint', reason: 'TOO_MANY_CHECKPOINT_REQUESTS' }]);
    expect(f.c.state().queued).toBe(2);
    await flush();
    expect(user.value).toBeUndefined();
    // The queue is now [user, p1]: another periodic request is the lowest priority itself.
    f.clearLog();
    f.time.advance(1000);
    expect(f.commandsOf('requestFailed').map((c) => [c.requestId, c.reason])).toEqual([[null, 'TOO_MANY_CHECKPOINT_REQUESTS']]);
    expect(f.c.state().queued).toBe(2);
    f.ackAll(1);
    expect(f.commandsOf('pendingCreated').map((c) => c.requestId)).toEqual([expect.stringMatching(/^request-/)]);
  });

  it('evicts a periodic request in favour of a user savepoint in unaligned mode', async () => {
    const f = await startFixture({ config: { maxQueuedRequests: 1, interval: 1000, unaligned: true }, random: () => 0 });
    void f.c.triggerCheckpoint();
    f.c.startScheduler();
    f.time.advance(0);
    expect(f.c.state().queued).toBe(1);
    const sp = f.c.triggerSavepoint();
    expect(f.c.state().queued).toBe(1);
    expect(f.commandsOf('requestFailed').map((c) => c.reason)).toEqual(['TOO_MANY_CHECKPOINT_REQUESTS']);
    f.c.stopScheduler();
    expect(await sp).toMatchObject({ status: 'failed', snapshot: 'savepoint', reason: 'CHECKPOINT_COORDINATOR_SUSPEND' });
  });
});
