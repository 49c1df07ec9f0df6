/**
 * The job's task snapshots: framed with a checksum, compressed from the threshold on, read back
 * exactly; a damaged file is a typed error, not a wrong state.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskStateStore } from '../../job/task-state-store.js';
import { ConfigError } from '../../spec/index.js';
import { CorruptStateError } from '../../runtime/store/index.js';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'snapwright-states-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const big = JSON.stringify({ balances: Array.from({ length: 500 }, (_, i) => [`account-${i}`, i * 7]) });

describe('task snapshots of the job', () => {
  it('compresses states from the threshold on, stores small ones as they are, and reads both back exactly', async () => {
    const store = new TaskStateStore(fresh(), true);
    const large = await store.save('balance#0', 0, 1, big);
    expect(store.bytesWritten).toBe(Buffer.byteLength(big));
    expect(store.bytesStored).toBeLessThan(store.bytesWritten / 3);
    expect(large.sizeBytes).toBe(store.bytesStored);
    expect(store.load(large)).toBe(big);
    const small = await store.save('balance#0', 0, 2, '{"offset":3}');
    expect(small.sizeBytes).toBe(12);
    expect(store.load(small)).toBe('{"offset":3}');
  });

  it('stores everything raw with compression off', async () => {
    const store = new TaskStateStore(fresh(), false, false);
    const h = await store.save('sink#1', 2, 5, big);
    expect(store.bytesStored).toBe(store.bytesWritten);
    expect(store.load(h)).toBe(big);
  });

  it('a damaged snapshot is a CorruptStateError naming it', async () => {
    const dir = fresh();
    const store = new TaskStateStore(dir, false);
    const h = await store.save('balance#1', 0, 1, big);
    const file = join(dir, h.key);
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(file, bytes);
    expect(() => store.load(h)).toThrow(CorruptStateError);
  });

  it('a bad compression option fails fast, naming it', () => {
    expect(() => new TaskStateStore(fresh(), false, { level: 42 })).toThrow(ConfigError);
    expect(() => new TaskStateStore(fresh(), false, { level: 42 })).toThrow(/compression\.level/);
  });
});
