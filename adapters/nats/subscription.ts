/**
 * One subscription of the NATS transport: a durable pull consumer on the address's subject,
 * consumed with a bounded number of unacknowledged messages. Each message is acknowledged once
 * the inbox settled it (terminated when the handler rejected it). After a reconnect or missed
 * heartbeats the consumer is re-armed: deleted and created again, so that messages the server
 * delivered into the dead connection are delivered again at once instead of after `ack_wait`
 * (the work-queue stream keeps every unacknowledged message; the inbox drops the ones it handled
 * already by their stream sequence).
 * @packageDocumentation
 */
import { ConsumerEvents } from 'nats';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from 'nats';
import type { InboxOutcome, OrderedInbox } from '../shared/inbox.js';
import { consumerName, ensureConsumer } from './jetstream.js';

/** What a subscription needs from its transport. */
export interface NatsSubscriptionContext {
  /** The JetStream client. */
  readonly js: JetStreamClient;
  /** The JetStream manager. */
  readonly jsm: JetStreamManager;
  /** The stream name. */
  readonly stream: string;
  /** `max_ack_pending` of the consumer. */
  readonly prefetch: number;
  /** `ack_wait` of the consumer, in ms. */
  readonly ackWaitMs: number;
  /** Told when a redelivery was dropped. */
  readonly onRedelivered: () => void;
  /** Told when arming failed or the consumer stalled; the transport re-arms later. */
  readonly onTrouble: (reason: string) => void;
}

/**
 * A consumer of one subject that is re-armed after connection trouble.
 * @public
 */
export class NatsSubscription {
  private messages: ConsumerMessages | null = null;
  private generation = 0;
  private cancelled = false;

  /**
   * Creates the subscription; it consumes once {@link NatsSubscription.arm} ran.
   * @param address - the subject.
   * @param inbox - where messages go, stamped with their stream sequence.
   * @param context - the transport's clients and limits.
   */
  constructor(
    readonly address: string,
    private readonly inbox: OrderedInbox<number>,
    private readonly context: NatsSubscriptionContext,
  ) {}

  /**
   * Creates the consumer if needed and starts pulling; the previous pull loop stops.
   * @param fresh - delete the consumer first (after connection trouble), forgetting its pending deliveries.
   */
  async arm(fresh = false): Promise<void> {
    if (this.cancelled) return;
    const generation = ++this.generation;
    this.stopPulling();
    const { js, jsm, stream, prefetch, ackWaitMs } = this.context;
    if (fresh) await jsm.consumers.delete(stream, consumerName(this.address)).catch(() => false);
    const name = await ensureConsumer(jsm, stream, this.address, prefetch, ackWaitMs);
    const consumer = await js.consumers.get(stream, name);
    const messages = await consumer.consume({ max_messages: prefetch });
    if (generation !== this.generation || this.cancelled) {
      messages.stop();
      return;
    }
    this.messages = messages;
    void this.watch(messages, generation);
    void this.pull(messages);
  }

  /** Stops consuming for good; the durable consumer and its messages stay on the server. */
  cancel(): void {
    this.cancelled = true;
    this.generation++;
    this.stopPulling();
  }

  private stopPulling(): void {
    const messages = this.messages;
    this.messages = null;
    messages?.stop();
  }

  private async pull(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const message of messages) this.deliver(message);
    } catch (error) {
      if (this.messages === messages) this.context.onTrouble(`the pull of ${this.address} failed: ${String(error)}`);
    }
  }

  private async watch(messages: ConsumerMessages, generation: number): Promise<void> {
    for await (const status of await messages.status()) {
      if (generation !== this.generation) return;
      if (status.type === ConsumerEvents.HeartbeatsMissed || status.type === ConsumerEvents.ConsumerNotFound || status.type === ConsumerEvents.StreamNotFound) {
        this.context.onTrouble(`the consumer of ${this.address} reported ${status.type}`);
        return;
      }
    }
  }

  private deliver(message: JsMsg): void {
    this.inbox.push(message.data, message.seq, (outcome: InboxOutcome) => {
      if (outcome === 'redelivered') this.context.onRedelivered();
      if (outcome === 'rejected') message.term();
      else message.ack();
    });
  }
}
