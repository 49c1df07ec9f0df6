/**
 * The job's task snapshots: framed with a checksum, compressed from the threshold on, read back
 * exactly; a damaged file is a typed error, not a wrong state.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
    const store = new TaskStateStore(fresh(), true, undefined, 0);
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
    const store = new TaskStateStore(fresh(), false, false, 0);
    const h = await store.save('sink#1', 2, 5, big);
    expect(store.bytesStored).toBe(store.bytesWritten);
    expect(store.load(h)).toBe(big);
  });

  it('a damaged snapshot is a CorruptStateError naming it', async () => {
    const dir = fresh();
    const store = new TaskStateStore(dir, false, undefined, 0);
    const h = await store.save('balance#1', 0, 1, big);
    const file = join(dir, h.key);
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(file, bytes);
    expect(() => store.load(h)).toThrow(CorruptStateError);
  });

  it('keeps states up to the inline threshold in their handles: no file, read back exactly, nothing to discard', async () => {
    const dir = fresh();
    const store = new TaskStateStore(dir, true);
    const h = await store.save('balance#0', 0, 1, big);
    expect(h.inline).toEqual(expect.any(String));
    expect(readdirSync(dir)).toEqual([]);
    expect(store.inlined).toBe(1);
    expect(store.bytesStored).toBeLessThan(store.bytesWritten / 3);
    expect(store.load(h)).toBe(big);
    store.discard([h]);
    expect(store.load(h)).toBe(big);
    const huge = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => Math.sin(i)));
    const filed = await store.save('balance#0', 0, 2, huge);
    expect(filed.inline).toBeUndefined();
    expect(readdirSync(dir)).toEqual([filed.key]);
    expect(store.load(filed)).toBe(huge);
  });

  it('a damaged inline state is a CorruptStateError, not a wrong state', async () => {
    const store = new TaskStateStore(fresh(), false);
    const h = await store.save('sink#0', 0, 3, big);
    const bytes = Buffer.from(h.inline as string, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    expect(() => store.load({ ...h, inline: bytes.toString('base64') })).toThrow(CorruptStateError);
  });

  it('a bad inline threshold fails fast, naming it', () => {
    expect(() => new TaskStateStore(fresh(), false, undefined, -1)).toThrow(/inlineThresholdBytes/);
    expect(() => new TaskStateStore(fresh(), false, undefined, 1.5)).toThrow(ConfigError);
  });

  it('a bad compression option fails fast, naming it', () => {
    expect(() => new TaskStateStore(fresh(), false, { level: 42 })).toThrow(ConfigError);
    expect(() => new TaskStateStore(fresh(), false, { level: 42 })).toThrow(/compression\.level/);
  });
});
