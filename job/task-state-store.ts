/**
 * Where tasks keep their snapshots: one file per task, attempt and checkpoint under a directory,
 * each framed with a checksum and compressed with node:zlib like the durable store's states
 * (states under the threshold, 1 KiB by default, are stored as they are). With `fsync` a snapshot
 * is written asynchronously and atomically (temporary file, fsync, rename, directory fsync:
 * `writeAtomic` of the durable store) before its handle is returned (the task acknowledges only
 * then); without, it is written at once (deterministic, for simulations).
 * @packageDocumentation
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointId, StateHandle, TaskId } from '../spec/index.js';
import type { ResolvedCompression } from '../runtime/store/index.js';
import { CorruptStateError, decodeStateSync, encodeStateSync, frame, resolveCompression, unframe, writeAtomic } from '../runtime/store/index.js';

/** Snapshot files of every task of a job. */
export class TaskStateStore {
  /** Bytes of state saved so far, before compression. */
  bytesWritten = 0;
  /** Bytes stored for them, after compression (small states are stored as they are). */
  bytesStored = 0;
  private readonly compression: ResolvedCompression;

  /**
   * Opens (creating) the directory.
   * @param dir - the directory.
   * @param fsync - whether to flush each snapshot to disk before handing out its handle.
   * @param compression - the durable store's compression option (default: zlib from 1 KiB).
   */
  constructor(
    readonly dir: string,
    private readonly fsync: boolean,
    compression?: boolean | { readonly enabled?: boolean; readonly thresholdBytes?: number; readonly level?: number },
  ) {
    this.compression = resolveCompression(compression);
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Writes one snapshot; returns its handle (a promise with `fsync`).
   * @param taskId - the task.
   * @param attempt - its attempt.
   * @param checkpointId - the checkpoint.
   * @param content - the serialized state.
   */
  save(taskId: TaskId, attempt: number, checkpointId: CheckpointId, content: string): StateHandle | Promise<StateHandle> {
    const key = `${taskId.replace('#', '-')}.a${attempt}.chk-${checkpointId}.json`;
    const encoded = encodeStateSync(Buffer.from(content), this.compression);
    const handle: StateHandle = { key, sizeBytes: encoded.bytesAfter };
    this.bytesWritten += encoded.bytesBefore;
    this.bytesStored += encoded.bytesAfter;
    const bytes = frame(encoded.data, { codec: encoded.codec, bytes: encoded.bytesBefore });
    if (!this.fsync) {
      writeFileSync(join(this.dir, key), bytes);
      return handle;
    }
    return writeAtomic(join(this.dir, key), bytes, 'replace').then(() => handle);
  }

  /**
   * Reads a snapshot back.
   * @param handle - its handle.
   */
  load(handle: StateHandle): string {
    const f = unframe(readFileSync(join(this.dir, handle.key)));
    if (!f.ok) throw new CorruptStateError(handle.key, f.defect);
    const payload = decodeStateSync(f.body, f.meta['codec'], f.meta['bytes']);
    if (!payload) throw new CorruptStateError(handle.key, 'does not decode');
    return payload.toString('utf8');
  }

  /**
   * Deletes snapshots no checkpoint references any more.
   * @param handles - their handles.
   */
  discard(handles: readonly StateHandle[]): void {
    for (const h of handles) rmSync(join(this.dir, h.key), { force: true });
  }
}
