/**
 * Idempotency keys of encoded messages and a bounded window of the keys already handled, so a
 * broker's redelivery of a message that was handled (its acknowledgement was lost with the
 * connection) is dropped instead of handled twice. Shared by the AMQP and NATS transports.
 * @packageDocumentation
 */
import { MESSAGE_DESCRIPTORS } from '../../generated/messages.gen.js';
import type { MessageType } from '../../generated/messages.gen.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

function field(message: Record<string, unknown>, path: string): unknown {
  let value: unknown = message;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * The idempotency key of an encoded message: its `type` and the values of the fields its
 * `@idempotencyKey` tag names (`spec/messages.ts`), or null when the bytes are not a message of a
 * known type with those fields (the binding then rejects them; such bytes are never deduplicated).
 * Two messages with the same key are the same message.
 * @param bytes - the encoded message, as it travels.
 * @public
 */
export function idempotencyKey(bytes: Uint8Array): string | null {
  let message: unknown;
  try {
    message = JSON.parse(decoder.decode(bytes));
  } catch {
    return null;
  }
  if (typeof message !== 'object' || message === null) return null;
  const type = (message as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(MESSAGE_DESCRIPTORS, type)) return null;
  let key = type;
  for (const path of MESSAGE_DESCRIPTORS[type as MessageType].idempotencyKey) {
    const value = field(message as Record<string, unknown>, path);
    if (typeof value !== 'string' && typeof value !== 'number') return null;
    key += `|${String(value)}`;
  }
  return key;
}

/**
 * The most recent `capacity` idempotency keys seen on one address. Checking and remembering a key
 * is O(1); the oldest key is forgotten when the window is full.
 * @public
 */
export class DedupWindow {
  private readonly keys = new Set<string>();

  /**
   * Creates an empty window.
   * @param capacity - how many keys it remembers (at least 1).
   */
  constructor(private readonly capacity: number) {}

  /**
   * Whether `key` was remembered already.
   * @param key - an idempotency key.
   */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /**
   * Remembers `key`, forgetting the oldest key when the window is full.
   * @param key - an idempotency key.
   */
  add(key: string): void {
    if (this.keys.has(key)) return;
    this.keys.add(key);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.values().next().value as string);
  }

  /** How many keys are remembered. */
  get size(): number {
    return this.keys.size;
  }
}
