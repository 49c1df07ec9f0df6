/**
 * The leader lease every durable store shares, as one suite run against each backend: two
 * contenders and one leader, a standby taking over once renewals stop (timed on its own clock),
 * racing standbys with exactly one winner, a deposed leader told by value and fenced in the
 * store, checkpoint ids continuing without reuse, release and `done`, and an epoch acquired
 * without a lease.
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { CampaignResult, DurableState, DurableStoreOptions, LeaseBackend, LeaseOptions, LeaseView, Leadership } from '../../runtime/store/index.js';
import { campaign, FencedWriteError } from '../../runtime/store/index.js';
import { checkpointOf } from './support.js';

/** Opens a new handle on one store, without taking leadership. */
export type LeaseOpener = (options?: DurableStoreOptions) => Promise<DurableState>;

const TIMEOUT = 400;
const RENEW = 40;
const timing = (holder: string): LeaseOptions => ({ holder, leaseTimeoutMs: TIMEOUT, renewMs: RENEW, pollMs: 20 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lease of `backend` with renewals held back while `paused` (a leader frozen, or a store that stalls). */
function stallable(backend: LeaseBackend): { backend: LeaseBackend; pause(): void; resume(): void } {
  let gate: Promise<void> | null = null;
  let open = () => {};
  return {
    backend: {
      readLease: () => backend.readLease(),
      takeLease: (seen, holder) => backend.takeLease(seen, holder),
      renewLease: async (epoch, holder) => {
        await gate;
        return backend.renewLease(epoch, holder);
      },
      releaseLease: (epoch, holder, state) => backend.releaseLease(epoch, holder, state),
    },
    pause: () => void (gate = new Promise((r) => (open = r))),
    resume: () => {
      gate = null;
      open();
    },
  };
}

const leadingOf = (r: CampaignResult): Leadership => {
  if (r.status !== 'leading') throw new Error(`expected to lead, got ${r.status}`);
  return r.leadership;
};

/**
 * Registers the shared suite.
 * @param name - the backend's name.
 * @param fresh - makes a new empty store and returns its opener.
 */
export function describeLeaderLease(name: string, fresh: () => Promise<LeaseOpener>): void {
  const handles: DurableState[] = [];
  const leaders: Leadership[] = [];
  const aborts: AbortController[] = [];
  afterEach(async () => {
    for (const a of aborts.splice(0)) a.abort();
    for (const l of leaders.splice(0)) await l.stop();
    for (const h of handles.splice(0)) await h.close();
  });
  /** `n` handles on one new store. */
  const stores = async (n: number, options: DurableStoreOptions = {}): Promise<DurableState[]> => {
    const open = await fresh();
    const all: DurableState[] = [];
    for (let i = 0; i < n; i++) all.push(await open({ leadership: 'none', ...options }));
    handles.push(...all);
    return all;
  };
  /** Campaigns, tracked for clean-up; `standby` collects what it was told. */
  const contend = (backend: LeaseBackend, holder: string, standby: LeaseView[] = []) => {
    const abort = new AbortController();
    aborts.push(abort);
    let settled: CampaignResult | null = null;
    const result = campaign(backend, timing(holder), { signal: abort.signal, onStandby: (v) => standby.push(v) }).then((r) => {
      settled = r;
      if (r.status === 'leading') leaders.push(r.leadership);
      return r;
    });
    return { result, abort, standby, settled: () => settled };
  };

  describe(`${name}: leader lease`, () => {
    it('two contenders on a new store: exactly one leads epoch 1, the other stands by for it while it renews', async () => {
      const [a, b] = await stores(2);
      const x = contend(a!.lease, 'x');
      const y = contend(b!.lease, 'y');
      const first = leadingOf(await Promise.race([x.result, y.result]));
      expect(first.epoch).toBe(1);
      await sleep(3 * TIMEOUT);
      const loser = first.holder === 'x' ? y : x;
      expect(loser.settled()).toBeNull();
      expect(loser.standby.map((v) => [v.epoch, v.lease?.holder])).toEqual([[1, first.holder]]);
      expect(first.fresh()).toBe(true);
      const view = await b!.lease.readLease();
      expect(view.epoch).toBe(1);
      expect(view.lease?.beat).toBeGreaterThan(3);
      loser.abort.abort();
      expect(await loser.result).toEqual({ status: 'cancelled' });
    });

    it('a standby takes over once the leader stops renewing, no sooner than the lease timeout on its own clock', async () => {
      const [a, b] = await stores(2);
      const leader = leadingOf(await contend(a!.lease, 'leader').result);
      await sleep(2 * RENEW);
      await leader.stop();
      const since = performance.now();
      const standby = contend(b!.lease, 'standby');
      const next = leadingOf(await standby.result);
      expect(performance.now() - since).toBeGreaterThanOrEqual(TIMEOUT);
      expect(next.epoch).toBe(2);
      expect(standby.standby.map((v) => [v.epoch, v.lease?.holder])).toEqual([[1, 'leader']]);
      expect((await a!.lease.readLease()).lease).toMatchObject({ holder: 'standby', state: 'held' });
    });

    it('racing standbys: exactly one takes over, the others stand by for the winner', async () => {
      const all = await stores(5);
      const leader = leadingOf(await contend(all[0]!.lease, 'leader').result);
      const standbys = all.slice(1).map((s, i) => contend(s.lease, `standby-${i}`));
      await sleep(2 * RENEW);
      await leader.stop();
      const winner = leadingOf(await Promise.race(standbys.map((s) => s.result)));
      await sleep(2 * TIMEOUT);
      expect(winner.epoch).toBe(2);
      expect(standbys.filter((s) => s.settled() !== null)).toHaveLength(1);
      for (const s of standbys.filter((s) => s.settled() === null)) expect(s.standby.map((v) => [v.epoch, v.lease?.holder])).toEqual([[1, 'leader'], [2, winner.holder]]);
    });

    it('takers racing on the same view: one bumps the epoch, every other one is refused', async () => {
      const all = await stores(6);
      const seen = await all[0]!.lease.readLease();
      const epochs = await Promise.all(all.map((s, i) => s.lease.takeLease(seen, `taker-${i}`)));
      expect(epochs.filter((e) => e !== null)).toEqual([1]);
      const again = await Promise.all(all.map((s, i) => s.lease.takeLease({ epoch: 1, lease: seen.lease }, `late-${i}`)));
      expect(again.every((e) => e === null)).toBe(true);
    });

    it('a live leader keeps its lease: a takeover from a view its renewal already changed is refused', async () => {
      const [a, b] = await stores(2);
      const leader = leadingOf(await contend(a!.lease, 'leader').result);
      const seen = await b!.lease.readLease();
      await sleep(3 * RENEW);
      expect(await b!.lease.takeLease(seen, 'standby')).toBeNull();
      expect((await b!.lease.readLease()).epoch).toBe(1);
      expect(leader.deposition).toBeNull();
    });

    it('a deposed leader is told by value, stops being fresh, and its store writes are refused with FencedWriteError', async () => {
      const [a, b] = await stores(2, { idBlockSize: 8 });
      const stall = stallable(a!.lease);
      const leader = leadingOf(await contend(stall.backend, 'leader').result);
      const old = a!.fenced(leader.epoch);
      const before = [await old.counter.getAndIncrement(), await old.counter.getAndIncrement()];
      await old.store.add(checkpointOf(before[1]!), []);
      const told: unknown[] = [];
      leader.onDeposed((d) => told.push(d));
      stall.pause(); // renewals stall: as for a frozen leader
      const next = leadingOf(await contend(b!.lease, 'standby').result);
      expect(next.epoch).toBe(2);
      expect(leader.fresh()).toBe(false);
      stall.resume();
      while (leader.deposition === null) await sleep(RENEW);
      expect(told).toEqual([{ epoch: 1, storeEpoch: 2, holder: 'standby', state: 'held' }]);
      await expect(old.counter.getAndIncrement()).rejects.toBeInstanceOf(FencedWriteError);
      await expect(old.store.add(checkpointOf(3), [])).rejects.toMatchObject({ name: 'FencedWriteError', writerEpoch: 1, currentEpoch: 2 });
      expect((await b!.store.load()).map((c) => c.checkpointId)).toEqual([before[1]]);
    });

    it('checkpoint ids continue without reuse after a takeover: above the deposed leader\'s whole reserved block', async () => {
      const [a, b] = await stores(2, { idBlockSize: 16 });
      const leader = leadingOf(await contend(a!.lease, 'leader').result);
      const old = a!.fenced(leader.epoch);
      const before: number[] = [];
      for (let i = 0; i < 3; i++) before.push(await old.counter.getAndIncrement());
      await leader.stop();
      const next = leadingOf(await contend(b!.lease, 'standby').result);
      const ports = b!.fenced(next.epoch);
      const after: number[] = [];
      for (let i = 0; i < 20; i++) after.push(await ports.counter.getAndIncrement());
      expect(before).toEqual([1, 2, 3]);
      expect(after[0]).toBe(17);
      expect(after).toEqual([...after].sort((x, y) => x - y));
      expect(new Set([...before, ...after]).size).toBe(23);
    });

    it('a released lease is taken at once; a lease released as done ends the campaign', async () => {
      const [a, b, c] = await stores(3);
      const leader = leadingOf(await contend(a!.lease, 'leader').result);
      expect(await leader.release('released')).toBe(true);
      const since = performance.now();
      const next = leadingOf(await contend(b!.lease, 'next').result);
      expect(performance.now() - since).toBeLessThan(TIMEOUT);
      expect(next.epoch).toBe(2);
      expect(await next.release('done')).toBe(true);
      expect(await contend(c!.lease, 'late').result).toEqual({ status: 'done', epoch: 2, holder: 'next' });
      expect(await leader.release('released')).toBe(false);
    });

    it('an epoch acquired without a lease deposes the holder, and is taken over only after the timeout', async () => {
      const [a, b] = await stores(2);
      const leader = leadingOf(await contend(a!.lease, 'leader').result);
      const acquired = await b!.acquireLeadership();
      expect(acquired.epoch).toBe(2);
      while (leader.deposition === null) await sleep(RENEW);
      expect(leader.deposition).toEqual({ epoch: 1, storeEpoch: 2, holder: null, state: null });
      const since = performance.now();
      const standby = contend(a!.lease, 'standby');
      expect(leadingOf(await standby.result).epoch).toBe(3);
      expect(performance.now() - since).toBeGreaterThanOrEqual(TIMEOUT);
      expect(standby.standby).toEqual([{ epoch: 2, lease: null }]);
    });
  });
}
