/**
 * Small-message batching with per-address ordering: the messages for one address wait in a FIFO
 * queue; one batch per address is in flight at a time, and everything that queued meanwhile leaves
 * in the next batch (up to the limits). A burst of sends in one tick leaves together. Crossing the
 * high and low water marks emits `backpressure.on` and `backpressure.off`.
 * @packageDocumentation
 */
import { ConfigError } from '../../spec/errors.js';
import type { ConnectionEvents } from './events.js';

/** The limits of one batch and the water marks of one queue. */
export interface BatchLimits {
  /** At most this many messages per batch (default 512). */
  readonly maxMessages: number;
  /** At most this many payload bytes per batch, unless one message alone is larger (default 256 KiB). */
  readonly maxBytes: number;
  /** `backpressure.on` when this many messages wait (default 10,000). */
  readonly highWater: number;
  /** `backpressure.off` when the waiting messages fall to this many (default 1,000). */
  readonly lowWater: number;
}

/** The default limits. */
export const DEFAULT_BATCH: BatchLimits = Object.freeze({ maxMessages: 512, maxBytes: 256 * 1024, highWater: 10_000, lowWater: 1_000 });

/**
 * Complete, checked limits.
 * @param limits - the options given.
 * @param option - the option's name in errors (e.g. `batch`).
 * @throws ConfigError naming `<option>.<field>`.
 */
export function resolveBatch(limits: Partial<BatchLimits> | undefined, option = 'batch'): BatchLimits {
  const l = { ...DEFAULT_BATCH, ...limits };
  for (const k of ['maxMessages', 'maxBytes', 'highWater', 'lowWater'] as const) {
    if (!Number.isSafeInteger(l[k]) || l[k] < 1) throw new ConfigError(`${option}.${k}`, `must be a positive integer, got ${String(l[k])}`);
  }
  if (l.lowWater > l.highWater) throw new ConfigError(`${option}.lowWater`, `must be at most highWater (${l.highWater}), got ${l.lowWater}`);
  return l;
}

/**
 * Sends one batch; resolves with one entry per message: null when delivered, else the error that
 * message's send rejects with. Rejecting fails the whole batch.
 */
export type FlushBatch = (batch: readonly Uint8Array[]) => Promise<ReadonlyArray<Error | null>>;

interface Waiting {
  readonly bytes: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/** The queue of one address. */
export class SendQueue {
  private items: Waiting[] = [];
  private head = 0;
  private busy = false;
  private pressured = false;

  /**
   * Creates the queue.
   * @param address - the address (named in backpressure events).
   * @param limits - batch limits and water marks.
   * @param flush - sends one batch.
   * @param events - where backpressure events go.
   */
  constructor(
    readonly address: string,
    private readonly limits: BatchLimits,
    private readonly flush: FlushBatch,
    private readonly events: ConnectionEvents,
  ) {}

  /** How many messages wait (not counting the batch in flight). */
  get waiting(): number {
    return this.items.length - this.head;
  }

  /**
   * Queues one message; resolves once its batch was delivered.
   * @param bytes - the encoded message.
   */
  push(bytes: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.items.push({ bytes, resolve, reject });
      if (!this.pressured && this.waiting >= this.limits.highWater) {
        this.pressured = true;
        this.events.emit({ type: 'backpressure.on', address: this.address, waiting: this.waiting });
      }
      if (!this.busy) {
        this.busy = true;
        queueMicrotask(() => void this.next());
      }
    });
  }

  /** Fails every waiting message (the transport closed). */
  failAll(error: Error): void {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    for (const w of rest) w.reject(error);
  }

  private take(): Waiting[] {
    const batch: Waiting[] = [];
    let bytes = 0;
    while (this.head < this.items.length && batch.length < this.limits.maxMessages) {
      const w = this.items[this.head] as Waiting;
      if (batch.length > 0 && bytes + w.bytes.byteLength > this.limits.maxBytes) break;
      batch.push(w);
      bytes += w.bytes.byteLength;
      this.head++;
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.pressured && this.waiting <= this.limits.lowWater) {
      this.pressured = false;
      this.events.emit({ type: 'backpressure.off', address: this.address, waiting: this.waiting });
    }
    return batch;
  }

  private async next(): Promise<void> {
    for (let batch = this.take(); batch.length > 0; batch = this.take()) {
      try {
        const results = await this.flush(batch.map((w) => w.bytes));
        batch.forEach((w, i) => {
          const error = results[i];
          if (error) w.reject(error);
          else w.resolve();
        });
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
    this.busy = false;
  }
}
