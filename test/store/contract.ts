/**
 * The behaviour every durable store shares, as one suite run against each backend: round trips,
 * retention and subsumption, the id counter, leader epochs and fencing (also through two real
 * coordinators), and state snapshots with compression.
 * @packageDocumentation
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CoordinatorToTaskMessage } from '../../spec/index.js';
import { EMPTY_METRICS, taskIdsOf } from '../../spec/index.js';
import type { CheckpointOutcome } from '../../runtime/coordinator/create-coordinator.js';
import { createCoordinator } from '../../runtime/coordinator/create-coordinator.js';
import { ManualTime } from '../../runtime/time.js';
import type { DurableState, DurableStoreOptions, FencedPorts } from '../../runtime/store/index.js';
import { CheckpointIdError, FencedWriteError } from '../../runtime/store/index.js';
import { checkpointOf, idsOf, plain } from './support.js';

/** Opens a new handle on one store (the same directory, or the same schema and job). */
export type Opener = (options?: DurableStoreOptions) => Promise<DurableState>;

const JOB = {
  jobId: 'contract',
  vertices: [
    { id: 'src', parallelism: 2, inputs: [] },
    { id: 'sink', parallelism: 1, inputs: [{ from: 'src', pattern: 'all-to-all' as const }] },
  ],
};

/** A coordinator retaining 2 checkpoints, whose tasks acknowledge every trigger, on the given ports. */
async function coordinatorOn(ports: FencedPorts) {
  const sent: CoordinatorToTaskMessage[] = [];
  const time = new ManualTime(1000);
  const c = await createCoordinator({ topology: JOB, config: { retained: 2 }, transport: { send: (m) => void sent.push(m) }, store: ports.store, counter: ports.counter, clock: time, timers: time });
  const tasks = taskIdsOf(JOB);
  for (const taskId of tasks) for (const state of ['deploying', 'initializing', 'running'] as const) c.receive({ type: 'taskStateChanged', jobId: JOB.jobId, taskId, attempt: 0, state });
  return {
    c,
    /** Triggers a checkpoint; once it is pending, lets `beforeAcks` run, then every task acknowledges. */
    async checkpoint(beforeAcks: () => Promise<unknown> = async () => {}): Promise<CheckpointOutcome> {
      let settled = false;
      const outcome = c.triggerCheckpoint().finally(() => (settled = true));
      while (!settled && c.state().pending.length === 0) await new Promise((r) => setImmediate(r));
      const id = c.state().pending.at(-1)?.checkpointId;
      if (id !== undefined) {
        await beforeAcks();
        for (const taskId of tasks) {
          c.receive({ type: 'acknowledgeCheckpoint', jobId: JOB.jobId, taskId, attempt: 0, checkpointId: id, metrics: EMPTY_METRICS, state: { key: `${taskId}/chk-${id}`, sizeBytes: 1 } });
        }
      }
      return outcome;
    },
  };
}

function records(n: number): Buffer {
  const rows: string[] = [];
  for (let i = 0; i < n; i++) rows.push(`{"key":"user-${i % 97}","count":${i},"window":"2024-01-01T00:00:00Z"}`);
  return Buffer.from(rows.join('\n'));
}

/**
 * Registers the shared suite.
 * @param name - the backend's name.
 * @param fresh - makes a new empty store and returns its opener.
 */
export function describeDurableStore(name: string, fresh: () => Promise<Opener>): void {
  const open: DurableState[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  const store = async (options?: DurableStoreOptions): Promise<[DurableState, Opener]> => {
    const opener = await fresh();
    const tracked: Opener = async (o) => {
      const s = await opener(o);
      open.push(s);
      return s;
    };
    return [await tracked(options), tracked];
  };

  describe(`${name}: checkpoints and ids`, () => {
    it('starts empty, as leader of epoch 1', async () => {
      const [s] = await store();
      expect(s.epoch).toBe(1);
      expect(s.recovery).toEqual({ checkpoints: [], ignored: [], epoch: 1, nextId: 1 });
      expect(await s.store.load()).toEqual([]);
    });

    it('keeps a checkpoint across a reopen, field for field', async () => {
      const [a, reopen] = await store();
      const c = checkpointOf(await a.counter.getAndIncrement(), 'checkpoint', 50);
      await a.store.add(c, []);
      const [loaded] = await (await reopen()).store.load();
      expect(plain(loaded!)).toEqual(plain(c));
      expect(loaded!.taskStates.get('task#4')).toEqual({ key: 'task#4/chk-1', sizeBytes: 14 });
      expect(loaded!.taskStates.get('task#5')).toBeNull();
      expect(loaded!.taskStates.get('nope')).toBeUndefined();
      expect(loaded!.taskStates.size).toBe(50);
    });

    it('retains the configured number', async () => {
      const [s] = await store({ retained: 2 });
      for (let i = 0; i < 4; i++) await s.store.add(checkpointOf(await s.counter.getAndIncrement()), []);
      expect(idsOf(await s.store.load())).toEqual([3, 4]);
    });

    it('removes the ids the coordinator names as subsumed', async () => {
      const [s] = await store({ retained: 5 });
      for (let i = 0; i < 3; i++) await s.store.add(checkpointOf(await s.counter.getAndIncrement()), []);
      await s.store.add(checkpointOf(await s.counter.getAndIncrement()), [1, 3]);
      expect(idsOf(await s.store.load())).toEqual([2, 4]);
    });

    it('follows the subsumption rules of the reference (1.16) for savepoints', async () => {
      const [s] = await store({ retained: 1 });
      const next = () => s.counter.getAndIncrement();
      await s.store.add(checkpointOf(await next()), []);
      // A newer savepoint does not subsume the newest checkpoint (later increments may need it).
      await s.store.add(checkpointOf(await next(), 'savepoint'), []);
      expect((await s.store.load()).map((c) => [c.checkpointId, c.snapshot])).toEqual([
        [1, 'checkpoint'],
        [2, 'savepoint'],
      ]);
      // A newer checkpoint subsumes both: savepoint entries may always go.
      await s.store.add(checkpointOf(await next()), []);
      expect(idsOf(await s.store.load())).toEqual([3]);
      // A synchronous savepoint may subsume the newest checkpoint.
      await s.store.add(checkpointOf(await next(), 'sync-savepoint'), []);
      expect(idsOf(await s.store.load())).toEqual([4]);
    });

    it('hands out ids 1, 2, 3 and continues after a reopen without reuse', async () => {
      const [a, reopen] = await store();
      expect([await a.counter.getAndIncrement(), await a.counter.getAndIncrement(), await a.counter.getAndIncrement()]).toEqual([1, 2, 3]);
      expect(await (await reopen()).counter.getAndIncrement()).toBe(4);
    });

    it('skips the rest of a reserved block after a restart, never handing an id out twice', async () => {
      const [a, reopen] = await store({ idBlockSize: 10 });
      expect([await a.counter.getAndIncrement(), await a.counter.getAndIncrement()]).toEqual([1, 2]);
      const b = await reopen({ idBlockSize: 10 });
      expect(b.recovery.nextId).toBe(11);
      expect(await b.counter.getAndIncrement()).toBe(11);
    });

    it('gives concurrent callers distinct increasing ids', async () => {
      const [s] = await store({ idBlockSize: 3 });
      expect(await Promise.all(Array.from({ length: 10 }, () => s.counter.getAndIncrement()))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it('refuses a checkpoint whose id the counter never handed out, or one stored already', async () => {
      const [s] = await store();
      await expect(s.store.add(checkpointOf(1), [])).rejects.toThrow(/has not handed it out/);
      await s.store.add(checkpointOf(await s.counter.getAndIncrement()), []);
      await expect(s.store.add(checkpointOf(1), [])).rejects.toBeInstanceOf(CheckpointIdError);
      expect(idsOf(await s.store.load())).toEqual([1]);
    });
  });

  describe(`${name}: leader epochs`, () => {
    it('acquireLeadership returns strictly increasing epochs, across reopens', async () => {
      const [a, reopen] = await store();
      const epochs = [a.epoch];
      for (let i = 0; i < 3; i++) epochs.push((await a.acquireLeadership()).epoch);
      const b = await reopen();
      epochs.push(b.epoch, (await b.acquireLeadership()).epoch);
      expect(epochs).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await b.currentEpoch()).toBe(6);
    });

    it('refuses every write of a deposed leader and changes nothing', async () => {
      const [old, reopen] = await store({ retained: 2 });
      const id1 = await old.counter.getAndIncrement();
      await old.store.add(checkpointOf(id1), []);
      const id2 = await old.counter.getAndIncrement(); // allocated, not yet stored when deposed
      const leader = await reopen({ retained: 2 });
      const before = await leader.store.loadReport();

      const add = old.store.add(checkpointOf(id2), [id1]);
      await expect(add).rejects.toBeInstanceOf(FencedWriteError);
      await expect(add).rejects.toMatchObject({ code: 'fenced', operation: 'add', writerEpoch: 1, currentEpoch: 2 });
      await expect(old.counter.getAndIncrement()).rejects.toMatchObject({ code: 'fenced', operation: 'allocate' });
      expect(await leader.store.loadReport()).toEqual(before);

      // The new leader continues the ids without reuse.
      const id3 = await leader.counter.getAndIncrement();
      expect(id3).toBe(id2 + 1);
      await leader.store.add(checkpointOf(id3), []);
      expect(idsOf(await leader.store.load())).toEqual([id1, id3]);
    });

    it('fences ports bound to an old epoch, and refuses an epoch never acquired', async () => {
      const [s] = await store();
      const next = await s.acquireLeadership();
      await expect(s.fenced(1).counter.getAndIncrement()).rejects.toMatchObject({ writerEpoch: 1, currentEpoch: 2 });
      await expect(s.fenced(9).counter.getAndIncrement()).rejects.toThrow(/never acquired/);
      expect(await s.fenced(next.epoch).counter.getAndIncrement()).toBe(1);
      expect(() => s.fenced(0)).toThrow(/epoch/);
    });

    it('checks the epoch before every id of a reserved block', async () => {
      const [old, reopen] = await store({ idBlockSize: 100 });
      expect(await old.counter.getAndIncrement()).toBe(1);
      const leader = await reopen({ idBlockSize: 100 });
      await expect(old.counter.getAndIncrement()).rejects.toBeInstanceOf(FencedWriteError);
      expect(await leader.counter.getAndIncrement()).toBe(101);
    });

    it('a read-only handle writes nothing', async () => {
      const [leader, reopen] = await store();
      const reader = await reopen({ leadership: 'none' });
      expect(reader.epoch).toBe(0);
      await expect(reader.counter.getAndIncrement()).rejects.toBeInstanceOf(FencedWriteError);
      expect(await leader.counter.getAndIncrement()).toBe(1);
    });

    it('lets no write of a deposed epoch through while leadership changes concurrently', async () => {
      const [a, reopen] = await store();
      const b = await reopen(); // epoch 2
      const results = await Promise.allSettled([a.counter.getAndIncrement(), b.acquireLeadership(), b.counter.getAndIncrement()]);
      expect(results[0].status).toBe('rejected');
      const c = (results[1] as PromiseFulfilledResult<FencedPorts>).value;
      expect(c.epoch).toBe(3);
      // b's own write raced its acquisition: it either went first (id 1) or was fenced.
      const bId = results[2].status === 'fulfilled' ? [results[2].value] : [];
      expect(bId.every((id) => id === 1)).toBe(true);
      expect(await c.counter.getAndIncrement()).toBe(bId.length + 1);
    });

    it('two coordinators: the deposed one cannot complete a checkpoint, ids continue on the new one', async () => {
      const [a, reopen] = await store({ retained: 2 });
      const first = await coordinatorOn(a);
      expect(await first.checkpoint()).toMatchObject({ status: 'completed', checkpointId: 1 });

      // Checkpoint 2 is pending on the first coordinator when a second one takes over.
      let b: DurableState | undefined;
      const deposed = await first.checkpoint(async () => (b = await reopen({ retained: 2 })));
      expect(deposed).toMatchObject({ status: 'aborted', checkpointId: 2, reason: 'FINALIZE_CHECKPOINT_FAILURE' });
      expect(await first.checkpoint()).toMatchObject({ status: 'failed' }); // its counter is fenced too
      first.c.shutdown();

      const second = await coordinatorOn(b!);
      expect(second.c.state().completed).toEqual([1]);
      expect(await second.checkpoint()).toMatchObject({ status: 'completed', checkpointId: 3 }); // 2 went to the deposed one
      const report = await b!.store.loadReport();
      expect(idsOf(report.checkpoints)).toEqual([1, 3]);
      expect(report.ignored).toEqual([]);
    });
  });

  describe(`${name}: state snapshots`, () => {
    it('compresses a large state, reports the byte counts, and reads back the exact bytes', async () => {
      const [s] = await store();
      const payload = records(2000);
      const stored = await s.snapshots.put('map#0', 7, payload);
      expect(stored.compressed).toBe(true);
      expect(stored.bytesBefore).toBe(payload.length);
      expect(stored.bytesAfter).toBeLessThan(payload.length / 4);
      expect(stored.handle).toEqual({ key: 'map%230/chk-7', sizeBytes: stored.bytesAfter });
      expect((await s.snapshots.get(stored.handle)).equals(payload)).toBe(true);
      expect(s.snapshots.totals()).toEqual({ states: 1, compressed: 1, bytesBefore: payload.length, bytesAfter: stored.bytesAfter });
    });

    it('stores a state below the threshold as it is', async () => {
      const [s] = await store({ compression: { thresholdBytes: 4096 } });
      const payload = records(10);
      const stored = await s.snapshots.put('src#1', 1, payload);
      expect(stored).toMatchObject({ compressed: false, bytesBefore: payload.length, bytesAfter: payload.length });
      expect((await s.snapshots.get(stored.handle)).equals(payload)).toBe(true);
    });

    it('stores everything as it is with compression off', async () => {
      const [s] = await store({ compression: false });
      const stored = await s.snapshots.put('src#1', 1, records(2000));
      expect(stored.compressed).toBe(false);
      expect(stored.bytesAfter).toBe(stored.bytesBefore);
    });

    it('keeps incompressible data raw rather than larger', async () => {
      const [s] = await store({ compression: { thresholdBytes: 0 } });
      const noise = Buffer.alloc(4096);
      for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
      const stored = await s.snapshots.put('t', 1, noise);
      expect(stored.bytesAfter).toBeLessThanOrEqual(noise.length);
      expect((await s.snapshots.get(stored.handle)).equals(noise)).toBe(true);
    });

    it('discards states', async () => {
      const [s] = await store();
      const a = await s.snapshots.put('a', 1, records(5));
      const b = await s.snapshots.put('a', 2, records(5));
      await s.snapshots.discard([a.handle, { key: 'unknown/chk-9', sizeBytes: 0 }]);
      await expect(s.snapshots.get(a.handle)).rejects.toThrow(/missing/);
      expect((await s.snapshots.get(b.handle)).length).toBe(b.bytesBefore);
    });

    it('refuses a key it did not make', async () => {
      const [s] = await store();
      await expect(s.snapshots.get({ key: '../../etc/passwd', sizeBytes: 1 })).rejects.toThrow(/not a key of this store/);
    });
  });
}
