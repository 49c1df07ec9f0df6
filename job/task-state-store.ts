/**
 * Where tasks keep their snapshots: one file per task, attempt and checkpoint under a directory.
 * With `fsync` a snapshot is written asynchronously and atomically (temporary file, fsync,
 * rename, directory fsync: `writeAtomic` of the durable store) before its handle is returned (the task acknowledges only then); without, it is written at once (deterministic,
 * for simulations).
 * @packageDocumentation
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointId, StateHandle, TaskId } from '../spec/index.js';
import { writeAtomic } from '../runtime/store/index.js';

/** Snapshot files of every task of a job. */
export class TaskStateStore {
  /** Bytes written so far. */
  bytesWritten = 0;

  /**
   * Opens (creating) the directory.
   * @param dir - the directory.
   * @param fsync - whether to flush each snapshot to disk before handing out its handle.
   */
  constructor(
    readonly dir: string,
    private readonly fsync: boolean,
  ) {
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
    const handle: StateHandle = { key, sizeBytes: Buffer.byteLength(content) };
    this.bytesWritten += handle.sizeBytes;
    if (!this.fsync) {
      writeFileSync(join(this.dir, key), content);
      return handle;
    }
    return writeAtomic(join(this.dir, key), Buffer.from(content), 'replace').then(() => handle);
  }

  /**
   * Reads a snapshot back.
   * @param handle - its handle.
   */
  load(handle: StateHandle): string {
    return readFileSync(join(this.dir, handle.key), 'utf8');
  }

  /**
   * Deletes snapshots no checkpoint references any more.
   * @param handles - their handles.
   */
  discard(handles: readonly StateHandle[]): void {
    for (const h of handles) rmSync(join(this.dir, h.key), { force: true });
  }
}
