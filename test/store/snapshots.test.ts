import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptStateError, openFileStore } from '../../runtime/store/index.js';
import { tempDir, useTempDirs } from './support.js';

useTempDirs();

/** A compressible payload: JSON-like records, the shape of typical operator state. */
function records(n: number): Buffer {
  const rows: string[] = [];
  for (let i = 0; i < n; i++) rows.push(`{"key":"user-${i % 97}","count":${i},"window":"2024-01-01T00:00:00Z"}`);
  return Buffer.from(rows.join('\n'));
}

describe('state snapshots on files', () => {
  it('compresses a large state, reports the byte counts, and reads back the exact bytes', async () => {
    const s = await openFileStore(await tempDir());
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
    const s = await openFileStore(await tempDir(), { compression: { thresholdBytes: 4096 } });
    const payload = records(10);
    const stored = await s.snapshots.put('src#1', 1, payload);
    expect(stored).toMatchObject({ compressed: false, bytesBefore: payload.length, bytesAfter: payload.length });
    expect((await s.snapshots.get(stored.handle)).equals(payload)).toBe(true);
  });

  it('stores everything as it is with compression off', async () => {
    const s = await openFileStore(await tempDir(), { compression: false });
    const stored = await s.snapshots.put('src#1', 1, records(2000));
    expect(stored.compressed).toBe(false);
    expect(stored.bytesAfter).toBe(stored.bytesBefore);
  });

  it('keeps incompressible data raw rather than larger', async () => {
    const s = await openFileStore(await tempDir(), { compression: { thresholdBytes: 0 } });
    const noise = Buffer.alloc(4096);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const stored = await s.snapshots.put('t', 1, noise);
    expect(stored.bytesAfter).toBeLessThanOrEqual(noise.length);
    expect((await s.snapshots.get(stored.handle)).equals(noise)).toBe(true);
  });

  it('rejects a corrupted state with CorruptStateError', async () => {
    const dir = await tempDir();
    const s = await openFileStore(dir);
    const stored = await s.snapshots.put('sink#0', 3, records(500));
    const path = join(dir, 'snapshots', 'sink%230', 'chk-3.bin');
    const data = await readFile(path);
    data[data.length - 1] = data[data.length - 1]! ^ 0xff;
    await writeFile(path, data);
    await expect(s.snapshots.get(stored.handle)).rejects.toBeInstanceOf(CorruptStateError);
    await expect(s.snapshots.get({ key: '../../etc/passwd', sizeBytes: 1 })).rejects.toBeInstanceOf(CorruptStateError);
  });

  it('discards states', async () => {
    const dir = await tempDir();
    const s = await openFileStore(dir);
    const a = await s.snapshots.put('a', 1, records(5));
    const b = await s.snapshots.put('a', 2, records(5));
    await s.snapshots.discard([a.handle, { key: 'unknown/chk-9', sizeBytes: 0 }]);
    expect(await readdir(join(dir, 'snapshots', 'a'))).toEqual(['chk-2.bin']);
    await expect(s.snapshots.get(a.handle)).rejects.toThrow(/missing/);
    expect((await s.snapshots.get(b.handle)).length).toBe(b.bytesBefore);
  });

  it('keeps task ids that are not file names apart and safe', async () => {
    const dir = await tempDir();
    const s = await openFileStore(dir);
    const dots = await s.snapshots.put('..', 1, Buffer.from('x'));
    const slash = await s.snapshots.put('a/b', 1, Buffer.from('y'));
    expect((await s.snapshots.get(dots.handle)).toString()).toBe('x');
    expect((await s.snapshots.get(slash.handle)).toString()).toBe('y');
    expect((await readdir(join(dir, 'snapshots'))).sort()).toEqual(['%2E%2E', 'a%2Fb']);
  });
});
