import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileStore } from '../../runtime/store/index.js';
import { checkpointOf, idsOf, plain, tempDir, useTempDirs } from './support.js';

useTempDirs();

describe('file store', () => {
  it('creates its directory when missing and starts empty, as leader of epoch 1', async () => {
    const dir = join(await tempDir(), 'a', 'b');
    const s = await openFileStore(dir);
    expect((await stat(dir)).isDirectory()).toBe(true);
    expect(s.epoch).toBe(1);
    expect(s.recovery).toEqual({ checkpoints: [], ignored: [], epoch: 1, nextId: 1 });
    expect(await s.store.load()).toEqual([]);
  });

  it('keeps a checkpoint across a reopen, field for field', async () => {
    const dir = await tempDir();
    const a = await openFileStore(dir);
    const id = await a.counter.getAndIncrement();
    const c = checkpointOf(id, 'checkpoint', 50);
    await a.store.add(c, []);
    await a.close();
    const b = await openFileStore(dir);
    const [loaded] = await b.store.load();
    expect(plain(loaded!)).toEqual(plain(c));
    expect(loaded!.taskStates.get('task#4')).toEqual({ key: `task#4/chk-${id}`, sizeBytes: 14 });
    expect(loaded!.taskStates.get('task#5')).toBeNull();
    expect(loaded!.taskStates.get('nope')).toBeUndefined();
    expect(loaded!.taskStates.size).toBe(50);
  });

  it('retains the configured number, removing subsumed checkpoint files', async () => {
    const dir = await tempDir();
    const s = await openFileStore(dir, { retained: 2 });
    for (let i = 0; i < 4; i++) await s.store.add(checkpointOf(await s.counter.getAndIncrement()), []);
    expect(idsOf(await s.store.load())).toEqual([3, 4]);
    expect((await readdir(join(dir, 'checkpoints'))).sort()).toEqual(['chk-3.json', 'chk-4.json']);
  });

  it('removes the ids the coordinator names as subsumed', async () => {
    const s = await openFileStore(await tempDir(), { retained: 5 });
    for (let i = 0; i < 3; i++) await s.store.add(checkpointOf(await s.counter.getAndIncrement()), []);
    await s.store.add(checkpointOf(await s.counter.getAndIncrement()), [1, 3]);
    expect(idsOf(await s.store.load())).toEqual([2, 4]);
  });

  it('follows the subsumption rules of the reference (1.16) for savepoints', async () => {
    const s = await openFileStore(await tempDir(), { retained: 1 });
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
    const dir = await tempDir();
    const a = await openFileStore(dir);
    expect([await a.counter.getAndIncrement(), await a.counter.getAndIncrement(), await a.counter.getAndIncrement()]).toEqual([1, 2, 3]);
    const b = await openFileStore(dir);
    expect(await b.counter.getAndIncrement()).toBe(4);
  });

  it('skips the rest of a reserved block after a restart, never handing an id out twice', async () => {
    const dir = await tempDir();
    const a = await openFileStore(dir, { idBlockSize: 10 });
    expect([await a.counter.getAndIncrement(), await a.counter.getAndIncrement()]).toEqual([1, 2]);
    const b = await openFileStore(dir, { idBlockSize: 10 });
    expect(await b.counter.getAndIncrement()).toBe(11);
    expect(b.recovery.nextId).toBe(11);
  });

  it('gives concurrent callers distinct increasing ids', async () => {
    const s = await openFileStore(await tempDir(), { idBlockSize: 3 });
    const ids = await Promise.all(Array.from({ length: 10 }, () => s.counter.getAndIncrement()));
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('refuses a checkpoint whose id the counter never handed out, or one stored already', async () => {
    const s = await openFileStore(await tempDir());
    await expect(s.store.add(checkpointOf(1), [])).rejects.toThrow(/has not handed it out/);
    const id = await s.counter.getAndIncrement();
    await s.store.add(checkpointOf(id), []);
    await expect(s.store.add(checkpointOf(id), [])).rejects.toThrow(/already stored/);
    expect(idsOf(await s.store.load())).toEqual([1]);
  });

  it('keeps only a few manifests behind the newest', async () => {
    const dir = await tempDir();
    const s = await openFileStore(dir);
    for (let i = 0; i < 20; i++) await s.counter.getAndIncrement();
    const manifests = (await readdir(dir)).filter((n) => n.startsWith('manifest-'));
    expect(manifests.length).toBeLessThanOrEqual(3);
    expect(manifests.length).toBeGreaterThan(0);
  });
});
