/**
 * Small task states kept inline: instead of a file of their own, their framed bytes travel in the
 * task's acknowledgement (`StateHandle.inline`, base64) and are stored with the completed
 * checkpoint's metadata, as Flink keeps states under `state.storage.fs.memory-threshold` in the
 * `_metadata` file. A checkpoint of small states then costs no file, no fsync and no clean-up per
 * task; the frame's checksum still guards the bytes.
 * @packageDocumentation
 */
import { ConfigError } from '../../spec/index.js';
import type { StateHandle } from '../../spec/index.js';

/** States whose framed bytes are at most this many are kept inline by default (Flink's default threshold, 20 KiB). */
export const DEFAULT_INLINE_THRESHOLD_BYTES = 20 * 1024;

/**
 * Checks an inline threshold option: an integer from 0 (never inline) to 1 MiB.
 * @param option - the option's name in errors.
 * @param value - the value given, or undefined for the default.
 * @throws ConfigError naming `option`.
 */
export function resolveInlineThreshold(option: string, value: unknown): number {
  if (value === undefined) return DEFAULT_INLINE_THRESHOLD_BYTES;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 1024 * 1024) {
    throw new ConfigError(option, `must be an integer from 0 to 1048576 bytes, got ${String(value)}`);
  }
  return value;
}

/**
 * The handle of a state kept inline.
 * @param key - the state's key (unique per task and checkpoint, as for a file).
 * @param framed - its framed bytes.
 * @param sizeBytes - its size for statistics.
 */
export function inlineHandle(key: string, framed: Uint8Array, sizeBytes: number): StateHandle {
  return { key, sizeBytes, inline: Buffer.from(framed.buffer, framed.byteOffset, framed.byteLength).toString('base64') };
}

/**
 * The framed bytes of a state kept inline, or null when the handle points at a stored state.
 * @param handle - the handle.
 */
export function inlineBytes(handle: StateHandle): Buffer | null {
  return handle.inline === undefined ? null : Buffer.from(handle.inline, 'base64');
}
