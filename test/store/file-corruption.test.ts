import { readFile, readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileStore } from '../../runtime/store/index.js';
import { checkpointOf, idsOf, plain, tempDir, useTempDirs } from './support.js';

useTempDirs();

async function flipByte(path: string, fromEnd: number): Promise<void> {
  const data = await readFile(path);
  data[data.length - fromEnd] = data[data.length - fromEnd]! ^ 0x01;
  await writeFile(path, data);
}

async function newestManifest(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter((n) => n.startsWith('manifest-')).sort();
  return join(dir, names[names.length - 1]!);
}

/** A store with checkpoints 1 and 2 retained, each in a file of its own. */
async function twoCheckpoints(): Promise<string> {
  const dir = await tempDir();
  const s = await openFileStore(dir, { retained: 2, inlineCheckpointBytes: 0 });
  for (let i = 0; i < 2; i++) await s.store.add(checkpointOf(await s.counter.getAndIncrement()), []);
  return dir;
}

describe('file store corruption', () => {
  it('detects a corrupted checkpoint by its checksum and falls back to the previous valid one', async () => {
    const dir = await twoCheckpoints();
    await flipByte(join(dir, 'checkpoints', 'chk-2.json'), 10);
    const s = await openFileStore(dir, { retained: 2 });
    expect(s.recovery.ignored).toEqual([{ where: 'checkpoints/chk-2.json', defect: 'checksum' }]);
    expect(idsOf(s.recovery.checkpoints)).toEqual([1]);
    expect(plain(s.recovery.checkpoints[0]!)).toEqual(plain(checkpointOf(1)));
  });

  it('detects a truncated checkpoint file', async () => {
    const dir = await twoCheckpoints();
    const path = join(dir, 'checkpoints', 'chk-2.json');
    await truncate(path, (await readFile(path)).length - 5);
    const s = await openFileStore(dir, { retained: 2 });
    expect(s.recovery.ignored).toEqual([{ where: 'checkpoints/chk-2.json', defect: 'truncated' }]);
    expect(idsOf(await s.store.load())).toEqual([1]);
  });

  it('reports a missing checkpoint file', async () => {
    const dir = await twoCheckpoints();
    await writeFile(join(dir, 'checkpoints', 'chk-2.json'), '');
    const s = await openFileStore(dir, { retained: 2 });
    expect(s.recovery.ignored.map((r) => r.where)).toEqual(['checkpoints/chk-2.json']);
    expect(idsOf(await s.store.load())).toEqual([1]);
  });

  it('falls back to the previous manifest when the newest is torn, and keeps writing after it', async () => {
    const dir = await twoCheckpoints();
    const torn = await newestManifest(dir);
    await truncate(torn, 20);
    const s = await openFileStore(dir, { retained: 2 });
    expect(s.recovery.ignored).toContainEqual({ where: torn.slice(dir.length + 1), defect: 'truncated' });
    // The torn manifest was the one that added checkpoint 2; the previous one retains 1.
    expect(idsOf(s.recovery.checkpoints)).toEqual([1]);
    const id = await s.counter.getAndIncrement();
    expect(id).toBeGreaterThan(2);
    await s.store.add(checkpointOf(id), []);
    expect(idsOf(await s.store.load())).toEqual([1, id]);
  });

  it('falls back to the previous manifest and the checkpoint it holds when the newest is torn', async () => {
    const dir = await tempDir();
    const w = await openFileStore(dir, { retained: 2 });
    for (let i = 0; i < 2; i++) await w.store.add(checkpointOf(await w.counter.getAndIncrement()), []);
    expect(await readdir(join(dir, 'checkpoints'))).toEqual([]);
    await truncate(await newestManifest(dir), 30);
    const s = await openFileStore(dir, { retained: 2 });
    expect(s.recovery.ignored).toHaveLength(1);
    expect(idsOf(s.recovery.checkpoints)).toEqual([1]);
    expect(plain(s.recovery.checkpoints[0]!)).toEqual(plain(checkpointOf(1)));
  });

  it('never hands out the id of a checkpoint file again when every manifest is corrupted', async () => {
    const dir = await twoCheckpoints();
    for (const n of (await readdir(dir)).filter((x) => x.startsWith('manifest-'))) await flipByte(join(dir, n), 3);
    const s = await openFileStore(dir);
    expect(s.recovery.ignored.length).toBeGreaterThan(0);
    expect(await s.counter.getAndIncrement()).toBeGreaterThan(2);
  });
});
