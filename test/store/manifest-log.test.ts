import { readdir, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestLog } from '../../runtime/store/file/manifest-log.js';
import { tempDir, useTempDirs } from './support.js';

useTempDirs();

const manifests = async (dir: string) => (await readdir(dir)).filter((n) => n.startsWith('manifest-')).sort();

describe('manifest log', () => {
  it('sees what another writer of the directory wrote, though it remembers what it read and wrote itself', async () => {
    const dir = await tempDir();
    const a = new ManifestLog(dir);
    const b = new ManifestLog(dir);
    await a.update((m) => ({ ...m, nextId: 5 }));
    expect((await b.read()).manifest.nextId).toBe(5);
    await b.update((m) => ({ ...m, nextId: m.nextId + 4 }));
    expect((await a.read()).manifest.nextId).toBe(9);
    // a's update starts from b's manifest, not from the one a wrote.
    const { before, after } = await a.update((m) => ({ ...m, epoch: m.epoch + 1 }));
    expect(before.nextId).toBe(9);
    expect(after).toMatchObject({ epoch: 1, nextId: 9 });
    expect((await b.read()).manifest).toMatchObject({ epoch: 1, nextId: 9 });
  });

  it('reads the files again when the newest manifest it knows is gone', async () => {
    const dir = await tempDir();
    const log = new ManifestLog(dir);
    await log.update((m) => ({ ...m, nextId: 2 }));
    await log.update((m) => ({ ...m, nextId: 3 }));
    const names = await manifests(dir);
    await rm(join(dir, names[names.length - 1]!));
    expect((await log.read()).manifest.nextId).toBe(2);
    // A torn newest one is reported, and the one before it read.
    await log.update((m) => ({ ...m, nextId: 7 }));
    await truncate(join(dir, (await manifests(dir)).at(-1)!), 10);
    const fresh = await new ManifestLog(dir).read();
    expect(fresh.manifest.nextId).toBe(2);
    expect(fresh.ignored).toHaveLength(1);
  });

  it('retires every listed manifest that fell out of the window, keeping three', async () => {
    const dir = await tempDir();
    const log = new ManifestLog(dir);
    for (let i = 0; i < 7; i++) await log.update((m) => ({ ...m, nextId: m.nextId + 1 }));
    expect(await manifests(dir)).toEqual(['manifest-000000000005.json', 'manifest-000000000006.json', 'manifest-000000000007.json']);
    expect((await log.read()).manifest.nextId).toBe(8);
  });
});
