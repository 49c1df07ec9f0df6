/**
 * The request queue and the decider (CheckpointRequestDeciderTest), as pure functions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TriggerRequest } from '../../../machines/coordinator/index.js';
import { comparePriority, decide, submit } from '../../../machines/coordinator/index.js';

let seq = 0;
function req(over: Partial<TriggerRequest> = {}): TriggerRequest {
  seq++;
  return { seq, requestId: over.periodic ? null : `r${seq}`, snapshot: 'checkpoint', forced: false, periodic: false, createdAt: 0, ...over };
}

describe('comparePriority', () => {
  it('orders savepoints, then forced, then user requests, then older, then by submission', () => {
    const periodic = req({ periodic: true, createdAt: 0 });
    const userOld = req({ createdAt: 5 });
    const userNew = req({ createdAt: 9 });
    const userSameTimeLater = req({ createdAt: 9 });
    const forced = req({ forced: true, createdAt: 10 });
    const savepoint = req({ snapshot: 'savepoint', createdAt: 20 });
    const syncSavepoint = req({ snapshot: 'sync-savepoint', forced: true, createdAt: 30 });
    const expected = [syncSavepoint, savepoint, forced, userOld, userNew, userSameTimeLater, periodic];
    const shuffled = [periodic, userSameTimeLater, savepoint, userOld, syncSavepoint, forced, userNew];
    expect([...shuffled].sort(comparePriority)).toEqual(expected);
  });
});

describe('submit', () => {
  it('inserts in priority order while there is room', () => {
    const a = req({ periodic: true });
    const b = req();
    const r1 = submit([], a, 3);
    const r2 = submit(r1.queue, b, 3);
    expect(r2).toEqual({ queue: [b, a], rejected: [] });
  });

  it('rejects a new request when full and the lowest entry is a user request', () => {
    const q = [req(), req()];
    const n = req({ snapshot: 'savepoint' });
    expect(submit(q, n, 2)).toEqual({ queue: q, rejected: [n] });
  });

  it('evicts the lowest periodic entry when full', () => {
    const user = req();
    const periodic = req({ periodic: true });
    const n = req();
    expect(submit([user, periodic], n, 2)).toEqual({ queue: [user, n], rejected: [periodic] });
  });

  it('evicts a new periodic request that is itself the lowest', () => {
    const older = req({ periodic: true, createdAt: 1 });
    const n = req({ periodic: true, createdAt: 2 });
    expect(submit([older], n, 1)).toEqual({ queue: [older], rejected: [n] });
  });

  it('keeps the queue sorted and bounded, and loses nothing silently (property)', () => {
    const seed = Number(process.env.SEED) || Date.now() % 2 ** 31;
    console.log(`request queue property: seed ${seed} (replay with SEED=${seed})`);
    const request = fc.record({
      snapshot: fc.constantFrom('checkpoint', 'full', 'savepoint', 'sync-savepoint' as const),
      forced: fc.boolean(),
      periodic: fc.boolean(),
      createdAt: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(request, { maxLength: 30 }), (max, specs) => {
        let queue: readonly TriggerRequest[] = [];
        let rejected = 0;
        specs.forEach((s, i) => {
          const r = submit(queue, { ...s, seq: i + 1, requestId: s.periodic ? null : `r${i}` } as TriggerRequest, max);
          expect(r.rejected.length).toBeLessThanOrEqual(1);
          if (r.rejected[0] && r.rejected[0].seq !== i + 1) expect(r.rejected[0].periodic).toBe(true);
          rejected += r.rejected.length;
          queue = r.queue;
          expect(queue.length).toBeLessThanOrEqual(max);
          for (let j = 1; j < queue.length; j++) expect(comparePriority(queue[j - 1] as TriggerRequest, queue[j] as TriggerRequest)).toBeLessThan(0);
        });
        expect(queue.length + rejected).toBe(specs.length);
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe('decide', () => {
  it('waits on an empty queue', () => {
    expect(decide([], 0, 1, null, 0, 0)).toEqual({ kind: 'wait' });
  });

  it('waits at max concurrent unless the head is forced', () => {
    const user = req();
    const forced = req({ forced: true, snapshot: 'savepoint' });
    expect(decide([user], 1, 1, null, 0, 0)).toEqual({ kind: 'wait' });
    expect(decide([forced, user], 5, 1, null, 0, 0)).toEqual({ kind: 'execute', request: forced });
    expect(decide([user], 0, 1, null, 0, 0)).toEqual({ kind: 'execute', request: user });
  });

  it('drops a periodic head that comes before the minimum pause ends, with the remaining time', () => {
    const periodic = req({ periodic: true });
    expect(decide([periodic], 0, 1, 1000, 500, 1200)).toEqual({ kind: 'tooEarly', request: periodic, remainingMs: 300 });
    expect(decide([periodic], 0, 1, 1000, 500, 1500)).toEqual({ kind: 'execute', request: periodic });
    expect(decide([periodic], 0, 1, null, 500, 0)).toEqual({ kind: 'execute', request: periodic });
  });

  it('never drops user or forced requests for timing', () => {
    const user = req();
    const forcedPeriodic = req({ periodic: true, forced: true });
    expect(decide([user], 0, 1, 1000, 500, 1001)).toEqual({ kind: 'execute', request: user });
    expect(decide([forcedPeriodic], 0, 1, 1000, 500, 1001)).toEqual({ kind: 'execute', request: forcedPeriodic });
  });

  it('judges max concurrent before the minimum pause', () => {
    const periodic = req({ periodic: true });
    expect(decide([periodic], 1, 1, 1000, 500, 1001)).toEqual({ kind: 'wait' });
  });
});
