/**
 * The RabbitMQ transport: `Transport` over amqplib, with durable topic exchanges and queues as the
 * generated `AMQP_CHANNELS` say, publisher confirms, manual acknowledgements, a bounded prefetch,
 * and recovery (amqplib's reconnect with backoff; then the channels, consumers and unconfirmed
 * sends are set up again). Connection loss and recovery are reported as `TransportEvent`s.
 * @packageDocumentation
 */
import { AMQP_DELIVERY } from '../declared-delivery.js';
import { connect } from 'amqplib';
import type { ChannelModel, RecoveringChannelModel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import type { ChannelAddress, TransportEvent, Unsubscribe } from '../runtime/contract.js';
import type { BrokerTransport } from '../shared/broker-transport.js';
import { TransportError } from '../shared/errors.js';
import { ConnectionEvents } from '../shared/events.js';
import { OrderedInbox, senderSequences } from '../shared/inbox.js';
import { resolveAmqpOptions } from './options.js';
import type { AmqpTransportOptions, ResolvedAmqpOptions } from './options.js';
import { ConfirmPublisher } from './publisher.js';
import { AmqpSubscription } from './subscription.js';
import { amqpRoute, declareExchanges } from './topology.js';

/** The RabbitMQ transport, with what a deployment and its tests need beyond `Transport`. */
export interface AmqpTransport extends BrokerTransport {
  /** Always `amqp`. */
  readonly kind: 'amqp';
  /** Whether a connection is up right now. */
  readonly connected: boolean;
  /** The connection name the broker shows (`connection_name`), to find it in `rabbitmqctl`. */
  readonly connectionName: string;
}


class AmqpTransportImpl implements AmqpTransport {
  readonly kind = 'amqp' as const;
  readonly delivery = AMQP_DELIVERY;
  private readonly events = new ConnectionEvents();
  private readonly subscriptions = new Set<AmqpSubscription>();
  private readonly publisher: ConfirmPublisher;
  private model: ChannelModel | null = null;
  private connection: RecoveringChannelModel | null = null;
  private attaching: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: ResolvedAmqpOptions) {
    this.publisher = new ConfirmPublisher(randomUUID(), options.maxUnconfirmed, (reason) => this.fail(reason));
  }

  get connected(): boolean {
    return this.model !== null;
  }

  get connectionName(): string {
    return this.options.connectionName;
  }

  async open(): Promise<void> {
    const url = new URL(this.options.url);
    url.searchParams.set('heartbeat', String(this.options.heartbeatSeconds));
    const connection = await connect(url.toString(), {
      clientProperties: { connection_name: this.options.connectionName },
      recovery: {
        initialDelay: this.options.reconnectInitialDelayMs,
        maxDelay: this.options.reconnectMaxDelayMs,
        initialMaxRetries: 0,
        setup: (model: ChannelModel) => this.setUp(model),
      },
    });
    this.connection = connection;
    connection.on('disconnect', (error: Error) => this.down(error.message));
    connection.on('error', () => undefined);
    connection.on('connect', () => this.events.restored());
  }

  onEvent(listener: (event: TransportEvent) => void): Unsubscribe {
    return this.events.on(listener);
  }

  async ready(): Promise<void> {
    if (this.closed) throw new TransportError('closed', 'the transport is closed');
    await this.connection?.waitForConnect();
    await this.attaching;
  }

  send(to: ChannelAddress, bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('closed', 'the transport is closed'));
    const route = amqpRoute(to, this.options.queuePrefix);
    if (route === null) return Promise.reject(new TransportError('not-found', `channel ${to.channel} has no AMQP binding`));
    return this.publisher.send(route, bytes);
  }

  subscribe(at: ChannelAddress, handler: (bytes: Uint8Array) => void | Promise<void>): Unsubscribe {
    if (this.closed) throw new TransportError('closed', 'the transport is closed');
    const route = amqpRoute(at, this.options.queuePrefix);
    if (route === null) throw new TransportError('not-found', `channel ${at.channel} has no AMQP binding`);
    const inbox = new OrderedInbox(handler, senderSequences(), this.options.onHandlerError);
    const subscription = new AmqpSubscription(
      route,
      inbox,
      this.options.prefetch,
      () => this.events.emit({ type: 'delivery.redelivered', address: at.address }),
      (reason) => this.fail(reason),
    );
    this.subscriptions.add(subscription);
    if (this.model !== null) this.track(subscription.attach(this.model));
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.subscriptions.delete(subscription);
      void subscription.cancel();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.publisher.failAll(new TransportError('closed', 'the transport was closed before the broker confirmed the message'));
    await Promise.all([...this.subscriptions].map((s) => s.cancel()));
    this.subscriptions.clear();
    this.model = null;
    await this.connection?.close();
  }

  /** amqplib's recovery calls this on every new connection, before it counts as connected. */
  private async setUp(model: ChannelModel): Promise<void> {
    try {
      const publishing = await model.createConfirmChannel();
      await declareExchanges(publishing);
      this.model = model;
      this.publisher.attach(publishing);
      const attached = Promise.all([...this.subscriptions].map((s) => s.attach(model)));
      this.track(attached);
      await attached;
    } catch (error) {
      this.down(`setting up the connection failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  }

  private track(attaching: Promise<unknown>): void {
    const all = Promise.all([this.attaching, attaching]);
    all.catch(() => undefined);
    this.attaching = all;
  }

  private down(reason: string): void {
    this.model = null;
    this.publisher.detach();
    for (const s of this.subscriptions) s.detach();
    if (!this.closed) this.events.lost(reason);
  }

  /** A channel failed while the connection may live on: start over on a fresh connection. */
  private fail(reason: string): void {
    const model = this.model;
    if (model === null || this.closed) return;
    this.down(reason);
    void model.close().catch(() => undefined);
  }
}

/**
 * Connects to RabbitMQ and returns the transport. The first connection must succeed (a wrong URL
 * or credentials fail here); later losses are recovered from.
 * @param options - the broker and limits; see {@link AmqpTransportOptions}.
 * @throws ConfigError naming a bad option, before connecting.
 * @throws TransportError `unauthorized` for refused credentials, `unavailable` when the broker cannot be reached.
 * @public
 */
export async function createAmqpTransport(options: AmqpTransportOptions = {}): Promise<AmqpTransport> {
  const transport = new AmqpTransportImpl(resolveAmqpOptions(options));
  try {
    await transport.open();
  } catch (error) {
    throw amqpConnectError(error);
  }
  return transport;
}

/**
 * The typed error of a failed connection attempt: `unauthorized` when the broker refused the
 * credentials or the authentication mechanism, `unavailable` otherwise.
 * @param error - what amqplib's `connect` failed with.
 * @public
 */
export function amqpConnectError(error: unknown): TransportError {
  const message = error instanceof Error ? error.message : String(error);
  if (/ACCESS.REFUSED|\b403\b|SASL mechanism/.test(message)) return new TransportError('unauthorized', `RabbitMQ refused the credentials: ${message}`);
  return new TransportError('unavailable', `cannot connect to RabbitMQ: ${message}`);
}
