/**
 * The in-process transport and the shared pieces every transport uses: idempotency keys, the
 * dedup window, backoff bounds, limits and configuration errors.
 * @packageDocumentation
 */
import { describe, expect, it } from 'vitest';
import { InProcessNetwork } from '../../adapters/in-process/index.js';
import { DedupWindow, idempotencyKeyOf } from '../../adapters/shared/dedup.js';
import { backoffDelay, resolveRetry } from '../../adapters/shared/retry.js';
import { ConfigError } from '../../spec/errors.js';

const at = { channel: 'taskToCoordinator', address: 'job/coordinator/control' };

describe('idempotency keys and the dedup window', () => {
  it('keys a message by its @idempotencyKey fields, and none for a message without', () => {
    const ack = { type: 'acknowledgeCheckpoint', jobId: 'j', taskId: 't', attempt: 1, checkpointId: 7, metrics: {}, state: null };
    expect(idempotencyKeyOf(ack)).toBe('acknowledgeCheckpoint\u0000j\u0000t\u00001\u00007');
    const otherMetrics = { ...ack, metrics: { other: 1 } };
    const nextAttempt = { ...ack, attempt: 2 };
    const announcement = { type: 'announcement', sequenceNumber: 1, barrier: { checkpointId: 4 } };
    expect(idempotencyKeyOf(otherMetrics)).toBe(idempotencyKeyOf(ack));
    expect(idempotencyKeyOf(nextAttempt)).not.toBe(idempotencyKeyOf(ack));
    expect(idempotencyKeyOf(announcement)).toBe('announcement\u00004');
    expect(idempotencyKeyOf({ type: 'endOfPartition' })).toBeNull();
    // Every heartbeat is news: no key, so no redelivery filter drops the second one of an attempt.
    expect(idempotencyKeyOf({ type: 'heartbeat', jobId: 'j', taskId: 't', attempt: 1 } as { readonly type: string })).toBeNull();
  });

  it('remembers the last capacity keys, oldest evicted first', () => {
    const w = new DedupWindow(2);
    w.add('a');
    w.add('b');
    w.add('a');
    w.add('c');
    expect([w.has('a'), w.has('b'), w.has('c'), w.size]).toEqual([false, true, true, 2]);
    expect(() => new DedupWindow(0)).toThrow(ConfigError);
  });
});

describe('backoff', () => {
  it('stays within [0, min(max, base * 2^attempt)] and reaches both ends', () => {
    const p = resolveRetry({ baseMs: 10, maxMs: 100 });
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, p, () => 0.999999))).toEqual([10, 20, 40, 80, 100]);
    expect(backoffDelay(5, p, () => 0)).toBe(0);
    expect(() => resolveRetry({ budgetMs: -1 })).toThrow(/retry\.budgetMs/);
  });
});

describe('in-process transport', () => {
  it('holds messages until a subscriber comes, then delivers them in order, asynchronously', async () => {
    const net = new InProcessNetwork();
    const t = net.transport();
    const got: number[] = [];
    const sends = [1, 2, 3].map((n) => t.send(at, new Uint8Array([n])));
    t.subscribe(at, (b) => void got.push(b[0] as number));
    expect(got).toEqual([]);
    await Promise.all(sends);
    expect(got).toEqual([1, 2, 3]);
  });

  it('refuses a message over the limit with too-large, and sends after close with closed', async () => {
    const t = new InProcessNetwork({ maxMessageBytes: 4 }).transport();
    await expect(t.send(at, new Uint8Array(5))).rejects.toMatchObject({ code: 'too-large' });
    await t.close();
    await expect(t.send(at, new Uint8Array(1))).rejects.toMatchObject({ code: 'closed' });
    expect(() => new InProcessNetwork({ maxMessageBytes: 0 })).toThrow(/maxMessageBytes/);
  });

  it('reports backpressure when messages pile up behind a slow consumer, and its end', async () => {
    const net = new InProcessNetwork({ highWater: 4 });
    const t = net.transport();
    const events: string[] = [];
    t.onEvent((e) => events.push(e.type));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    t.subscribe(at, () => gate);
    const sends = Array.from({ length: 6 }, () => t.send(at, new Uint8Array(1)));
    await Promise.resolve();
    expect(events).toEqual(['backpressure.on']);
    release();
    await Promise.all(sends);
    expect(events).toEqual(['backpressure.on', 'backpressure.off']);
  });
});
