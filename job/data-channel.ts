/**
 * A FIFO data channel between two tasks: records and in-band stream events (barriers, cancel
 * markers) in one order, as asynchronous barrier snapshotting assumes. A channel the receiving
 * task blocked (barrier alignment) delivers nothing until it is unblocked.
 * @packageDocumentation
 */
import type { StreamEvent } from '../spec/index.js';

/** What travels in a channel: a record (any object without `type`) or a stream event. */
export type ChannelItem<R> = R | StreamEvent;

/**
 * Whether an item is a stream event rather than a record (records carry no `type`).
 * @param item - the item.
 */
export function isStreamEvent<R extends object>(item: ChannelItem<R>): item is StreamEvent {
  return (item as { type?: unknown }).type !== undefined;
}

/** One FIFO channel; amortized O(1) push and take. */
export class DataChannel<R extends object> {
  /** Set by the receiving task's `block`, cleared by `unblock`. */
  blocked = false;
  private items: Array<ChannelItem<R>> = [];
  private head = 0;

  /**
   * An empty, unblocked channel.
   * @param from - the sending task, for traces.
   */
  constructor(readonly from: string) {}

  /** Items queued. */
  get size(): number {
    return this.items.length - this.head;
  }

  /**
   * Appends an item after everything sent before it.
   * @param item - a record or a stream event.
   */
  push(item: ChannelItem<R>): void {
    this.items.push(item);
  }

  /** The next item, removed; undefined when the channel is empty or blocked. */
  take(): ChannelItem<R> | undefined {
    if (this.blocked || this.head === this.items.length) return undefined;
    const item = this.items[this.head++] as ChannelItem<R>;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
