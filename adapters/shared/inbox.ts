/**
 * The receiving side of the RabbitMQ transport: deliveries of one address are handed to the
 * subscriber one at a time, in arrival order, and a broker redelivery of a send that was handed
 * over already is dropped. Every send carries its sender's id and a sequence number that grows
 * with each send of that sender; since the broker keeps one sender's messages in order, a delivery
 * whose number is not above the last one handed over from that sender is a redelivery.
 *
 * Redeliveries are recognised by sender sequence, not by idempotency key: two sends of the same
 * message are both delivered, and the layer above (`adapters/shared/connect.ts`) drops the second
 * by its idempotency key, as the protocol's at-least-once control channels expect.
 * @packageDocumentation
 */
import { RejectedInputError } from '../../spec/errors.js';

/**
 * What became of one delivery:
 * - `handled`: the handler took it (returned, or its promise settled);
 * - `redelivered`: that send was handed over already; the handler never saw it again;
 * - `rejected`: the handler threw a `RejectedInputError`: the message changed nothing;
 * - `failed`: the handler threw something else; the message was handed over all the same.
 * @public
 */
export type InboxOutcome = 'handled' | 'redelivered' | 'rejected' | 'failed';

/**
 * Who sent a delivery and its sequence number, as the sender stamped them (null: not stamped, e.g.
 * published by another client; such deliveries are never taken for redeliveries).
 * @public
 */
export type SendStamp = { readonly sender: string; readonly seq: number } | null;

/**
 * Tells redeliveries from first deliveries: answers whether `stamp` was handed over already, and
 * remembers it when not. Called in arrival order, once per delivery.
 * @public
 */
export type RedeliveryCheck<S> = (stamp: S) => boolean;

/**
 * The redelivery check of a FIFO broker queue (RabbitMQ): a stamped delivery whose sequence number
 * is not above the last one handed over from its sender is a redelivery. Memory: one number per
 * recent sender (at most `maxSenders`, the least recently seen forgotten first).
 * @param maxSenders - how many senders to remember.
 * @public
 */
export function senderSequences(maxSenders = 4_096): RedeliveryCheck<SendStamp> {
  const last = new Map<string, number>();
  return (stamp) => {
    if (stamp === null) return false;
    const previous = last.get(stamp.sender);
    if (previous !== undefined && stamp.seq <= previous) return true;
    last.delete(stamp.sender);
    last.set(stamp.sender, stamp.seq);
    if (last.size > maxSenders) last.delete(last.keys().next().value as string);
    return false;
  };
}

/**
 * One address's inbox: sequential, ordered hand-over to the subscriber, without redeliveries.
 * @public
 */
export class OrderedInbox<S> {
  private queue: Array<Delivery<S>> = [];
  private head = 0;
  private busy = false;

  /**
   * Creates the inbox of one subscription.
   * @param handler - the subscriber (the generated binding's decoder and handlers).
   * @param isRedelivery - tells redeliveries by their stamps.
   * @param onHandlerError - told about a handler that threw something other than a rejection.
   */
  constructor(
    private readonly handler: (bytes: Uint8Array) => void | Promise<void>,
    private readonly isRedelivery: RedeliveryCheck<S>,
    private readonly onHandlerError: (error: unknown) => void,
  ) {}

  /**
   * Hands one delivery over now, or queues it behind a handler that is still busy (one that
   * returned a promise). A handler that returns nothing is handed the next delivery at once.
   * @param bytes - the message.
   * @param stamp - what identifies this send at the broker.
   * @param settle - called once, in arrival order, with what became of it.
   */
  push(bytes: Uint8Array, stamp: S, settle: (outcome: InboxOutcome) => void): void {
    const delivery: Delivery<S> = { bytes, stamp, settle };
    if (this.busy) this.queue.push(delivery);
    else this.drain(delivery);
  }

  private drain(first: Delivery<S>): void {
    for (let next: Delivery<S> | undefined = first; next !== undefined; next = this.shift()) {
      const pending = this.run(next);
      if (pending !== null) {
        this.busy = true;
        void pending.then(() => {
          this.busy = false;
          const after = this.shift();
          if (after !== undefined) this.drain(after);
        });
        return;
      }
    }
  }

  private shift(): Delivery<S> | undefined {
    if (this.head === this.queue.length) {
      if (this.head > 0) {
        this.queue = [];
        this.head = 0;
      }
      return undefined;
    }
    return this.queue[this.head++];
  }

  /** Runs one delivery; returns a promise only when the handler did (resolving once it settled). */
  private run({ bytes, stamp, settle }: Delivery<S>): Promise<void> | null {
    if (this.isRedelivery(stamp)) {
      settle('redelivered');
      return null;
    }
    let result: void | Promise<void>;
    try {
      result = this.handler(bytes);
    } catch (error) {
      settle(this.failure(error));
      return null;
    }
    if (!(result instanceof Promise)) {
      settle('handled');
      return null;
    }
    return result.then(
      () => settle('handled'),
      (error: unknown) => settle(this.failure(error)),
    );
  }

  private failure(error: unknown): InboxOutcome {
    if (error instanceof RejectedInputError) return 'rejected';
    this.onHandlerError(error);
    return 'failed';
  }
}

interface Delivery<S> {
  readonly bytes: Uint8Array;
  readonly stamp: S;
  readonly settle: (outcome: InboxOutcome) => void;
}
