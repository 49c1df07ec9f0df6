import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FencedWriteError, openFileStore } from '../../runtime/store/index.js';
import { checkpointOf, idsOf, tempDir, useTempDirs } from './support.js';

useTempDirs();

describe('file store fencing', () => {
  it('acquireLeadership returns strictly increasing epochs, across reopens', async () => {
    const dir = await tempDir();
    const a = await openFileStore(dir);
    const epochs = [a.epoch];
    for (let i = 0; i < 3; i++) epochs.push((await a.acquireLeadership()).epoch);
    const b = await openFileStore(dir);
    epochs.push(b.epoch, (await b.acquireLeadership()).epoch);
    expect(epochs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await b.currentEpoch()).toBe(6);
  });

  it('refuses every write of a deposed leader and changes nothing', async () => {
    const dir = await tempDir();
    const old = await openFileStore(dir, { retained: 2 });
    const id1 = await old.counter.getAndIncrement();
    await old.store.add(checkpointOf(id1), []);
    const id2 = await old.counter.getAndIncrement(); // allocated, not yet stored when deposed
    const leader = await openFileStore(dir, { retained: 2 });
    const before = await leader.store.loadReport();
    const files = await readdir(join(dir, 'checkpoints'));

    const add = old.store.add(checkpointOf(id2), [id1]);
    await expect(add).rejects.toBeInstanceOf(FencedWriteError);
    await expect(add).rejects.toMatchObject({ code: 'fenced', operation: 'add', writerEpoch: 1, currentEpoch: 2 });
    await expect(old.counter.getAndIncrement()).rejects.toMatchObject({ code: 'fenced', operation: 'allocate' });
    expect(await leader.store.loadReport()).toEqual(before);
    expect(await readdir(join(dir, 'checkpoints'))).toEqual(files);

    // The new leader continues the ids without reuse.
    const id3 = await leader.counter.getAndIncrement();
    expect(id3).toBe(id2 + 1);
    await leader.store.add(checkpointOf(id3), []);
    expect(idsOf(await leader.store.load())).toEqual([id1, id3]);
  });

  it('fences ports bound to an old epoch, and refuses an epoch never acquired', async () => {
    const s = await openFileStore(await tempDir());
    const next = await s.acquireLeadership();
    await expect(s.fenced(1).counter.getAndIncrement()).rejects.toMatchObject({ writerEpoch: 1, currentEpoch: 2 });
    await expect(s.fenced(9).counter.getAndIncrement()).rejects.toThrow(/never acquired/);
    expect(await s.fenced(next.epoch).counter.getAndIncrement()).toBe(1);
    expect(() => s.fenced(0)).toThrow(/epoch/);
  });

  it('checks the epoch before every id of a reserved block', async () => {
    const dir = await tempDir();
    const old = await openFileStore(dir, { idBlockSize: 100 });
    expect(await old.counter.getAndIncrement()).toBe(1);
    const leader = await openFileStore(dir, { idBlockSize: 100 });
    await expect(old.counter.getAndIncrement()).rejects.toBeInstanceOf(FencedWriteError);
    expect(await leader.counter.getAndIncrement()).toBe(101);
  });

  it('a read-only handle writes nothing', async () => {
    const dir = await tempDir();
    const leader = await openFileStore(dir);
    const reader = await openFileStore(dir, { leadership: 'none' });
    expect(reader.epoch).toBe(0);
    await expect(reader.counter.getAndIncrement()).rejects.toBeInstanceOf(FencedWriteError);
    expect(await leader.counter.getAndIncrement()).toBe(1);
  });

  it('lets exactly one of two racing leaders write after each acquisition', async () => {
    const dir = await tempDir();
    const a = await openFileStore(dir);
    const b = await openFileStore(dir);
    // Interleave: a's writes race b's acquisitions; each acquisition deposes the previous epoch.
    const results = await Promise.allSettled([a.counter.getAndIncrement(), b.acquireLeadership(), b.counter.getAndIncrement()]);
    expect(results[0].status).toBe('rejected');
    expect(results[2].status).toBe('rejected');
    const c = (results[1] as PromiseFulfilledResult<{ epoch: number; counter: { getAndIncrement(): Promise<number> } }>).value;
    expect(c.epoch).toBe(3);
    expect(await c.counter.getAndIncrement()).toBe(1);
  });
});
