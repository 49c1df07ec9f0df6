/**
 * Where tasks keep their snapshots: one file per task, attempt and checkpoint under a directory,
 * each framed with a checksum and compressed with node:zlib like the durable store's states
 * (states under the threshold, 1 KiB by default, are stored as they are). With `fsync` a snapshot
 * is written asynchronously and atomically (temporary file, fsync, rename, directory fsync:
 * `writeAtomic` of the durable store) before its handle is returned (the task acknowledges only
 * then); without, it is written at once (deterministic, for simulations). A snapshot whose framed
 * bytes fit the inline threshold (20 KiB by default, as Flink's `state.storage.fs.memory-threshold`)
 * is not written at all: its handle carries it (`StateHandle.inline`) to the coordinator, which
 * stores it with the checkpoint's metadata.
 * @packageDocumentation
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointId, StateHandle, TaskId } from '../spec/index.js';
import type { ResolvedCompression } from '../runtime/store/index.js';
import { CorruptStateError, decodeStateSync, encodeStateSync, frame, resolveCompression, unframe, writeAtomic } from '../runtime/store/index.js';
import { inlineBytes, inlineHandle, resolveInlineThreshold } from '../runtime/store/inline-state.js';

/** Snapshot files of every task of a job. */
export class TaskStateStore {
  /** Bytes of state saved so far, before compression. */
  bytesWritten = 0;
  /** Bytes stored for them, after compression (small states are stored as they are). */
  bytesStored = 0;
  /** Snapshots kept inline in their handles rather than written to files. */
  inlined = 0;
  private readonly compression: ResolvedCompression;
  private readonly inlineThreshold: number;

  /**
   * Opens (creating) the directory.
   * @param dir - the directory.
   * @param fsync - whether to flush each snapshot to disk before handing out its handle.
   * @param compression - the durable store's compression option (default: zlib level 1 from 1 KiB:
   *   a snapshot is on the checkpoint's critical path, so the fastest level, as Flink compresses
   *   snapshots with a fast codec, Snappy).
   * @param inlineThresholdBytes - snapshots whose framed bytes are at most this many travel in
   *   their handles instead of files (default 20 KiB; 0: always files).
   * @throws ConfigError naming `compression.*` or `inlineThresholdBytes`.
   */
  constructor(
    readonly dir: string,
    private readonly fsync: boolean,
    compression?: boolean | { readonly enabled?: boolean; readonly thresholdBytes?: number; readonly level?: number },
    inlineThresholdBytes?: number,
  ) {
    this.compression = resolveCompression(compression ?? { level: 1 });
    this.inlineThreshold = resolveInlineThreshold('inlineThresholdBytes', inlineThresholdBytes);
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Writes one snapshot, or keeps it inline when small; returns its handle (a promise when a file
   * is written with `fsync`).
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
    if (bytes.byteLength <= this.inlineThreshold) {
      this.inlined++;
      return inlineHandle(key, bytes, encoded.bytesAfter);
    }
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
    const f = unframe(inlineBytes(handle) ?? readFileSync(join(this.dir, handle.key)));
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
    for (const h of handles) if (h.inline === undefined) rmSync(join(this.dir, h.key), { force: true });
  }
}
