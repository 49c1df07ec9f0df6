/**
 * Dropping redeliveries: the idempotency key of every message (from its `@idempotencyKey` tag in
 * `spec/`, as the generated `MESSAGE_DESCRIPTORS` hold it) and a bounded window of keys seen.
 * @packageDocumentation
 */
import { MESSAGE_DESCRIPTORS } from '../../generated/messages.gen.js';
import type { MessageType } from '../../generated/messages.gen.js';
import { ConfigError } from '../../spec/errors.js';

const fieldAt = (message: Readonly<Record<string, unknown>>, path: string): unknown => {
  let value: unknown = message;
  for (const part of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value;
};

const paths = new Map<string, readonly string[]>(Object.entries(MESSAGE_DESCRIPTORS).map(([type, d]) => [type, d.idempotencyKey]));

/**
 * The idempotency key of a valid message: its `type` and the fields its `@idempotencyKey` tag
 * names, joined with NUL; null when the tag names no field (such a message is never a redelivery,
 * e.g. `endOfPartition`) or the type is unknown.
 * @param message - a decoded, valid message.
 */
export function idempotencyKeyOf(message: { readonly type: string }): string | null {
  const fields = paths.get(message.type as MessageType);
  if (!fields || fields.length === 0) return null;
  let key = message.type;
  for (const f of fields) key += `\u0000${String(fieldAt(message as Readonly<Record<string, unknown>>, f))}`;
  return key;
}

/**
 * The last `capacity` keys seen, oldest evicted first. `O(1)` per key (one insertion-ordered
 * `Map`), bounded memory: a redelivery older than the window is not recognised, which at-least-once
 * receivers tolerate anyway.
 */
export class DedupWindow {
  private readonly seen = new Map<string, true>();

  /**
   * Creates a window.
   * @param capacity - how many keys to remember (at least 1).
   * @throws ConfigError (`capacity`) when it is not a positive integer.
   */
  constructor(readonly capacity = 65_536) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new ConfigError('capacity', `must be a positive integer, got ${String(capacity)}`);
  }

  /** How many keys the window holds. */
  get size(): number {
    return this.seen.size;
  }

  /**
   * Whether `key` was recorded and is still in the window.
   * @param key - an idempotency key.
   */
  has(key: string): boolean {
    return this.seen.has(key);
  }

  /**
   * Records `key`, evicting the oldest key when full.
   * @param key - an idempotency key.
   */
  add(key: string): void {
    if (this.seen.has(key)) return;
    if (this.seen.size >= this.capacity) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    this.seen.set(key, true);
  }
}
