/**
 * The keys of stored task states (`<task id, URI-encoded>/chk-<id>`), and the byte counts a
 * snapshot store reports.
 * @packageDocumentation
 */
import type { CheckpointId, StateHandle, TaskId } from '../../spec/index.js';
import { integerOption } from './options.js';
import type { EncodedState } from './compression.js';
import type { SnapshotTotals, StoredState } from './ports.js';

const KEY = /^([A-Za-z0-9%_.!~*'()-]+)\/chk-(\d+)$/;

/**
 * The key of a task's state for a checkpoint; safe as a relative file path.
 * @param taskId - the task.
 * @param checkpointId - the checkpoint.
 */
export function stateKey(taskId: TaskId, checkpointId: CheckpointId): string {
  if (typeof taskId !== 'string' || taskId.length === 0) throw new TypeError(`task id must be a non-empty string, got ${String(taskId)}`);
  integerOption('checkpointId', checkpointId, 0);
  const encoded = encodeURIComponent(taskId).replace(/^\.+$/, (dots) => dots.replace(/\./g, '%2E'));
  return `${encoded}/chk-${checkpointId}`;
}

/**
 * Whether `key` is a key {@link stateKey} makes (no path traversal, nothing else).
 * @param key - the key.
 */
export function isStateKey(key: unknown): key is string {
  return typeof key === 'string' && KEY.test(key) && !/^\.+\//.test(key);
}

/** Adds up the byte counts of stored states. */
export class SnapshotTally {
  private t: SnapshotTotals = { states: 0, compressed: 0, bytesBefore: 0, bytesAfter: 0 };

  /**
   * Counts one stored state and returns what `put` reports.
   * @param key - its key.
   * @param encoded - how it was encoded.
   */
  record(key: string, encoded: EncodedState): StoredState {
    const compressed = encoded.codec !== 'raw';
    this.t = {
      states: this.t.states + 1,
      compressed: this.t.compressed + (compressed ? 1 : 0),
      bytesBefore: this.t.bytesBefore + encoded.bytesBefore,
      bytesAfter: this.t.bytesAfter + encoded.bytesAfter,
    };
    const handle: StateHandle = { key, sizeBytes: encoded.bytesAfter };
    return { handle, bytesBefore: encoded.bytesBefore, bytesAfter: encoded.bytesAfter, compressed };
  }

  /** The totals so far. */
  totals(): SnapshotTotals {
    return this.t;
  }
}
