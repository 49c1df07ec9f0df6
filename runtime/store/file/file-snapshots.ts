/**
 * Task-state payloads on files: `snapshots/<task>/chk-<id>.bin`, each a checksummed frame whose
 * header names the codec and the payload's size, written atomically and fsynced.
 * @packageDocumentation
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CheckpointId, StateHandle, TaskId } from '../../../spec/index.js';
import { decodeState, encodeState } from '../compression.js';
import { CorruptStateError } from '../errors.js';
import { frame, unframe } from '../frame.js';
import type { ResolvedCompression } from '../options.js';
import type { SnapshotTotals, StateSnapshotStore, StoredState } from '../ports.js';
import { SnapshotTally, isStateKey, stateKey } from '../state-keys.js';
import { fsyncDir, removeIfPresent, writeAtomic } from './atomic-file.js';

/** State snapshots in a directory. */
export class FileSnapshots implements StateSnapshotStore {
  private readonly tally = new SnapshotTally();
  private readonly made = new Set<string>();

  /**
   * Creates the store (the directory must exist).
   * @param dir - the snapshots directory.
   * @param compression - compression settings.
   */
  constructor(
    private readonly dir: string,
    private readonly compression: ResolvedCompression,
  ) {}

  private pathOf(key: string): string {
    return join(this.dir, `${key}.bin`);
  }

  /** {@inheritDoc StateSnapshotStore.put} */
  async put(taskId: TaskId, checkpointId: CheckpointId, payload: Uint8Array): Promise<StoredState> {
    const key = stateKey(taskId, checkpointId);
    const encoded = await encodeState(payload, this.compression);
    const path = this.pathOf(key);
    const taskDir = dirname(path);
    if (!this.made.has(taskDir)) {
      await mkdir(taskDir, { recursive: true });
      await fsyncDir(this.dir);
      this.made.add(taskDir);
    }
    await writeAtomic(path, frame(encoded.data, { codec: encoded.codec, bytes: encoded.bytesBefore }), 'replace');
    return this.tally.record(key, encoded);
  }

  /** {@inheritDoc StateSnapshotStore.get} */
  async get(handle: StateHandle): Promise<Buffer> {
    if (!isStateKey(handle.key)) throw new CorruptStateError(String(handle.key), 'not a key of this store');
    let data: Buffer;
    try {
      data = await readFile(this.pathOf(handle.key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CorruptStateError(handle.key, 'missing');
      throw e;
    }
    const f = unframe(data);
    if (!f.ok) throw new CorruptStateError(handle.key, f.defect);
    const payload = await decodeState(f.body, f.meta['codec'], f.meta['bytes']);
    if (!payload) throw new CorruptStateError(handle.key, 'does not decode');
    return payload;
  }

  /** {@inheritDoc StateSnapshotStore.discard} */
  async discard(handles: readonly StateHandle[]): Promise<void> {
    for (const h of handles) if (isStateKey(h.key)) await removeIfPresent(this.pathOf(h.key));
  }

  /** {@inheritDoc StateSnapshotStore.totals} */
  totals(): SnapshotTotals {
    return this.tally.totals();
  }
}
