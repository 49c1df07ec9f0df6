import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptStateError, openFileStore } from '../../runtime/store/index.js';
import { describeDurableStore } from './contract.js';
import { checkpointOf, idsOf, plain, tempDir, useTempDirs } from './support.js';

useTempDirs();

describeDurableStore('file store', async () => {
  const dir = await tempDir();
  return (options) => openFileStore(dir, options);
});

describe('file store on disk', () => {
  it('creates its directory when missing', async () => {
    const dir = join(await tempDir(), 'a', 'b');
    await openFileStore(dir);
    expect((await stat(dir)).isDirectory()).toBe(true);
  });

  it('deletes the files of subsumed checkpoints', async () => {
    const dir = await tempDir();
    const s = await openFileStore(dir, { retained: 2, inlineCheckpointBytes: 0 });
    for (let i = 0; i < 4; i++) await s.store.add(checkpointOf(await s.counter.getAndIncrement()), []);
    expect((await readdir(join(dir, 'checkpoints'))).sort()).toEqual(['chk-3.json', 'chk-4.json']);
  });

  it('keeps a small checkpoint in the manifest and a larger one in a file of its own', async () => {
    const dir = await tempDir();
    const s = await openFileStore(dir, { retained: 3, inlineCheckpointBytes: 2048 });
    const small = checkpointOf(await s.counter.getAndIncrement());
    const large = checkpointOf(await s.counter.getAndIncrement(), 'checkpoint', 100);
    await s.store.add(small, []);
    expect(await readdir(join(dir, 'checkpoints'))).toEqual([]);
    await s.store.add(large, []);
    expect(await readdir(join(dir, 'checkpoints'))).toEqual(['chk-2.json']);
    const reopened = await openFileStore(dir, { retained: 3 });
    expect(reopened.recovery.ignored).toEqual([]);
    expect(reopened.recovery.checkpoints.map(plain)).toEqual([plain(small), plain(large)]);
    // Subsuming both leaves no file behind, and the manifest no longer holds the small one.
    for (let i = 0; i < 3; i++) await reopened.store.add(checkpointOf(await reopened.counter.getAndIncrement()), []);
    expect(await readdir(join(dir, 'checkpoints'))).toEqual([]);
    expect(idsOf(await reopened.store.load())).toEqual([3, 4, 5]);
  });

  it('leaves no checkpoint file behind when a fenced add is refused', async () => {
    const dir = await tempDir();
    const old = await openFileStore(dir);
    const id = await old.counter.getAndIncrement();
    await openFileStore(dir);
    await expect(old.store.add(checkpointOf(id), [])).rejects.toThrow(/deposed/);
    expect(await readdir(join(dir, 'checkpoints'))).toEqual([]);
  });

  it('keeps only a few manifests behind the newest', async () => {
    const dir = await tempDir();
    const s = await openFileStore(dir);
    for (let i = 0; i < 20; i++) await s.counter.getAndIncrement();
    const manifests = (await readdir(dir)).filter((n) => n.startsWith('manifest-'));
    expect(manifests.length).toBeGreaterThan(0);
    expect(manifests.length).toBeLessThanOrEqual(3);
  });

  it('rejects a corrupted state file with CorruptStateError', async () => {
    const dir = await tempDir();
    const s = await openFileStore(dir);
    const stored = await s.snapshots.put('sink#0', 3, Buffer.from('state '.repeat(500)));
    const path = join(dir, 'snapshots', 'sink%230', 'chk-3.bin');
    const data = await readFile(path);
    data[data.length - 1] = data[data.length - 1]! ^ 0xff;
    await writeFile(path, data);
    await expect(s.snapshots.get(stored.handle)).rejects.toBeInstanceOf(CorruptStateError);
  });

  it('keeps task ids that are not file names apart and inside its directory', async () => {
    const dir = await tempDir();
    const s = await openFileStore(dir);
    const dots = await s.snapshots.put('..', 1, Buffer.from('x'));
    const slash = await s.snapshots.put('a/b', 1, Buffer.from('y'));
    expect((await s.snapshots.get(dots.handle)).toString()).toBe('x');
    expect((await s.snapshots.get(slash.handle)).toString()).toBe('y');
    expect((await readdir(join(dir, 'snapshots'))).sort()).toEqual(['%2E%2E', 'a%2Fb']);
  });
});
