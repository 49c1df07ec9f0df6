/**
 * One subscription of the RabbitMQ transport: a consumer with manual acknowledgements and a
 * bounded prefetch on the address's durable queue, on its own channel, set up again on every new
 * connection. Each delivery is acknowledged once the inbox settled it; a delivery of a dead channel
 * is never acknowledged on a new one (RabbitMQ would close the channel): the broker redelivers it,
 * and the inbox drops it by its sender's sequence number. The inbox settles deliveries in order, so
 * the acknowledgements of one event-loop turn leave as one `basic.ack` with `multiple` set.
 * @packageDocumentation
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { InboxOutcome, OrderedInbox, SendStamp } from '../shared/inbox.js';
import { parseSendMessageId } from './publisher.js';
import { declareQueue } from './topology.js';
import type { AmqpRoute } from './topology.js';

/**
 * A consumer of one address that survives reconnects.
 * @public
 */
export class AmqpSubscription {
  private channel: Channel | null = null;
  private consumerTag: string | null = null;
  private cancelled = false;
  /** The latest settled, not yet acknowledged delivery (every earlier one is settled too). */
  private unacked: { readonly channel: Channel; readonly message: ConsumeMessage } | null = null;

  /**
   * Creates the subscription; it consumes once {@link AmqpSubscription.attach} ran.
   * @param route - the address's route.
   * @param inbox - where deliveries go.
   * @param prefetch - the bound on unacknowledged deliveries.
   * @param onRedelivered - told when a redelivery was dropped as a duplicate.
   * @param onConsumerLost - told when the broker cancelled the consumer or its channel failed.
   */
  constructor(
    readonly route: AmqpRoute,
    private readonly inbox: OrderedInbox<SendStamp>,
    private readonly prefetch: number,
    private readonly onRedelivered: () => void,
    private readonly onConsumerLost: (reason: string) => void,
  ) {}

  /**
   * Starts consuming on `model` (a new connection): own channel, prefetch, queue, consumer.
   * @param model - the live connection.
   */
  async attach(model: ChannelModel): Promise<void> {
    if (this.cancelled) return;
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = null;
      if (!this.cancelled) this.onConsumerLost(`the consumer channel of ${this.route.queue} closed`);
    });
    await channel.prefetch(this.prefetch);
    await declareQueue(channel, this.route);
    this.channel = channel;
    const { consumerTag } = await channel.consume(this.route.queue, (message) => this.deliver(channel, message), { noAck: false });
    this.consumerTag = consumerTag;
    if (this.cancelled) await this.stop();
  }

  /** Forgets the dead connection's channel (its deliveries will come again). */
  detach(): void {
    this.channel = null;
    this.consumerTag = null;
  }

  /** Cancels the consumer for good; the queue and its messages stay. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    await this.stop();
  }

  private async stop(): Promise<void> {
    this.flushAcks();
    const channel = this.channel;
    const tag = this.consumerTag;
    this.channel = null;
    this.consumerTag = null;
    if (channel === null) return;
    try {
      if (tag !== null) await channel.cancel(tag);
      await channel.close();
    } catch {
      // already closed with its connection
    }
  }

  private deliver(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      if (this.channel === channel && !this.cancelled) this.onConsumerLost(`the broker cancelled the consumer of ${this.route.queue}`);
      return;
    }
    this.inbox.push(message.content, stampOf(message), (outcome: InboxOutcome) => {
      if (outcome === 'redelivered') this.onRedelivered();
      if (this.channel !== channel) return; // the channel died: the broker redelivers, the inbox drops it
      if (outcome === 'rejected') {
        this.flushAcks();
        quietly(() => channel.reject(message, false));
        return;
      }
      if (this.unacked === null) setImmediate(() => this.flushAcks());
      this.unacked = { channel, message };
    });
  }

  /** Acknowledges every settled delivery up to the latest one, in one frame. */
  private flushAcks(): void {
    const unacked = this.unacked;
    this.unacked = null;
    if (unacked === null || unacked.channel !== this.channel) return;
    quietly(() => unacked.channel.ack(unacked.message, true));
  }
}

function stampOf(message: ConsumeMessage): SendStamp {
  return parseSendMessageId(message.properties.messageId);
}

/** Acknowledges or rejects; a channel that closed meanwhile makes the broker redeliver anyway. */
function quietly(settle: () => void): void {
  try {
    settle();
  } catch {
    // the channel closed between the check and the acknowledgement: the broker redelivers
  }
}
