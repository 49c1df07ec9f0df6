/**
 * The sending side of the RabbitMQ transport: one confirm channel, publishes in call order, and a
 * send resolves only when the broker confirmed the message (persistent, on a durable queue).
 * Messages not confirmed when the connection dies stay pending and are published again, in the
 * same order, on the next connection; the receiver drops the copies by idempotency key.
 * @packageDocumentation
 */
import type { ConfirmChannel, Message } from 'amqplib';
import { TransportError } from '../shared/errors.js';
import { declareQueue } from './topology.js';
import type { AmqpRoute } from './topology.js';

interface Outgoing {
  readonly seq: number;
  readonly route: AmqpRoute;
  readonly content: Buffer;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** The connection epoch it was last published in (0: not yet). */
  epoch: number;
  returned: boolean;
}

/**
 * The `message-id` property of a send: its sender's id (random per transport instance) and its
 * sequence number, `<sender>:<seq>`. A short string property costs the broker and the client far
 * less than a header table.
 * @param sender - the sender's id (no `:`).
 * @param seq - the send's sequence number.
 * @public
 */
export const sendMessageId = (sender: string, seq: number): string => `${sender}:${seq}`;

/**
 * The sender and sequence number in a `message-id`, or null when it is not one of ours.
 * @param messageId - the property as delivered.
 * @public
 */
export function parseSendMessageId(messageId: unknown): { readonly sender: string; readonly seq: number } | null {
  if (typeof messageId !== 'string') return null;
  const colon = messageId.lastIndexOf(':');
  const seq = Number(messageId.slice(colon + 1));
  return colon > 0 && Number.isSafeInteger(seq) && seq > 0 ? { sender: messageId.slice(0, colon), seq } : null;
}

/**
 * Publishes with publisher confirms and republishes what a lost connection left unconfirmed.
 * @public
 */
export class ConfirmPublisher {
  private readonly pending = new Map<number, Outgoing>();
  private queue: Outgoing[] = [];
  private head = 0;
  private seq = 0;
  private channel: ConfirmChannel | null = null;
  private epoch = 0;
  private writable = true;
  private flushing = false;
  private declared = new Set<string>();

  /**
   * Creates a publisher with no channel yet.
   * @param senderId - stamped on every send, with its sequence number.
   * @param maxUnconfirmed - how many sends may wait for a confirm before `send` rejects.
   * @param onChannelLost - called when the channel fails while the connection may live on.
   */
  constructor(
    private readonly senderId: string,
    private readonly maxUnconfirmed: number,
    private readonly onChannelLost: (reason: string) => void,
  ) {}

  /** How many sends wait for the broker's confirm. */
  get unconfirmed(): number {
    return this.pending.size;
  }

  /**
   * Publishes `bytes` to `route`.
   * @param route - where.
   * @param bytes - what.
   * @returns resolves once the broker confirmed the message.
   */
  send(route: AmqpRoute, bytes: Uint8Array): Promise<void> {
    if (this.pending.size >= this.maxUnconfirmed) {
      return Promise.reject(new TransportError('unavailable', `${this.pending.size} sends wait for the broker's confirm (maxUnconfirmed)`));
    }
    return new Promise<void>((resolve, reject) => {
      const seq = ++this.seq;
      const content = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const outgoing: Outgoing = { seq, route, content, resolve, reject, epoch: 0, returned: false };
      this.pending.set(seq, outgoing);
      this.queue.push(outgoing);
      this.flush();
    });
  }

  /**
   * Starts publishing on a fresh confirm channel: first everything still unconfirmed, in order.
   * @param channel - the new connection's confirm channel.
   */
  attach(channel: ConfirmChannel): void {
    this.epoch++;
    this.channel = channel;
    this.writable = true;
    this.flushing = false;
    this.declared = new Set();
    this.queue = [...this.pending.values()];
    this.head = 0;
    const epoch = this.epoch;
    channel.on('drain', () => {
      if (this.epoch !== epoch) return;
      this.writable = true;
      this.flush();
    });
    channel.on('return', (message: Message) => this.returned(message, epoch));
    channel.on('error', () => undefined);
    channel.on('close', () => {
      if (this.epoch !== epoch || this.channel !== channel) return;
      this.channel = null;
      this.onChannelLost('the publishing channel closed');
    });
    this.flush();
  }

  /** Stops publishing: the connection is gone; pending sends wait for the next {@link attach}. */
  detach(): void {
    this.epoch++;
    this.channel = null;
  }

  /**
   * Fails every pending send.
   * @param error - what they fail with.
   */
  failAll(error: Error): void {
    this.detach();
    for (const outgoing of this.pending.values()) outgoing.reject(error);
    this.pending.clear();
    this.queue = [];
    this.head = 0;
  }

  /**
   * Publishes what waits, in order, synchronously; pauses (with `flushing` set) only while the
   * queue of a new address is declared, and goes on when that is done.
   */
  private flush(): void {
    if (this.flushing) return;
    while (this.channel !== null && this.writable && this.head < this.queue.length) {
      const channel = this.channel;
      const epoch = this.epoch;
      const outgoing = this.queue[this.head] as Outgoing;
      if (!this.pending.has(outgoing.seq)) {
        this.head++;
        continue;
      }
      if (!this.declared.has(outgoing.route.queue)) {
        this.flushing = true;
        declareQueue(channel, outgoing.route).then(
          () => {
            this.flushing = false;
            if (epoch !== this.epoch) return;
            this.declared.add(outgoing.route.queue);
            this.flush();
          },
          () => {
            this.flushing = false; // the channel died; attach() starts over on the next connection
          },
        );
        return;
      }
      this.head++;
      outgoing.epoch = epoch;
      outgoing.returned = false;
      try {
        this.writable = channel.publish(
          outgoing.route.exchange,
          outgoing.route.routingKey,
          outgoing.content,
          { persistent: true, mandatory: true, contentType: 'application/json', messageId: sendMessageId(this.senderId, outgoing.seq) },
          (error: unknown) => this.confirmed(outgoing, epoch, error),
        );
      } catch {
        return; // the channel closed under us; the message stays pending
      }
    }
    if (this.head > 1024 && this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
  }

  private confirmed(outgoing: Outgoing, epoch: number, error: unknown): void {
    if (outgoing.epoch !== epoch || !this.pending.has(outgoing.seq)) return;
    if (error !== null && error !== undefined) {
      if (error instanceof Error && error.message === 'message nacked') {
        this.pending.delete(outgoing.seq);
        outgoing.reject(new TransportError('unavailable', 'the broker refused the message (nack)'));
      }
      return; // the channel closed: the message stays pending and is published again
    }
    this.pending.delete(outgoing.seq);
    if (outgoing.returned) outgoing.reject(new TransportError('not-found', `no queue is bound to ${outgoing.route.routingKey} on ${outgoing.route.exchange}`));
    else outgoing.resolve();
  }

  private returned(message: Message, epoch: number): void {
    const stamp = parseSendMessageId(message.properties.messageId);
    if (stamp === null || stamp.sender !== this.senderId) return;
    const outgoing = this.pending.get(stamp.seq);
    if (outgoing && outgoing.epoch === epoch) outgoing.returned = true;
  }
}
