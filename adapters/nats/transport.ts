/**
 * The NATS transport: `Transport` over nats.js and JetStream. Every send is a JetStream publish
 * with a `Nats-Msg-Id` (the sender's id and sequence number), retried with the same id until the
 * stream acknowledges it, so the stream's duplicate window keeps one copy. Every subscription is a
 * durable pull consumer with explicit acknowledgements, re-armed after a reconnect. Connection loss
 * and recovery are reported as `TransportEvent`s.
 * @packageDocumentation
 */
import { NATS_DELIVERY } from '../declared-delivery.js';
import { randomUUID } from 'node:crypto';
import { connect, Events } from 'nats';
import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import type { ChannelAddress, TransportEvent, Unsubscribe } from '../runtime/contract.js';
import type { BrokerTransport } from '../shared/broker-transport.js';
import { DedupWindow } from '../shared/dedup.js';
import { TransportError } from '../shared/errors.js';
import { ConnectionEvents } from '../shared/events.js';
import { withRetry } from '../shared/retry.js';
import { OrderedInbox } from '../shared/inbox.js';
import { ensureStream } from './jetstream.js';
import { resolveNatsOptions } from './options.js';
import type { NatsTransportOptions, ResolvedNatsOptions } from './options.js';
import { NatsSubscription } from './subscription.js';

/** The NATS transport, with what a deployment and its tests need beyond `Transport`. */
export interface NatsTransport extends BrokerTransport {
  /** Always `nats`. */
  readonly kind: 'nats';
  /** The live connection (tests force a reconnect through it). */
  readonly connection: NatsConnection;
}


class NatsTransportImpl implements NatsTransport {
  readonly kind = 'nats' as const;
  readonly delivery = NATS_DELIVERY;
  private readonly events = new ConnectionEvents();
  private readonly subscriptions = new Set<NatsSubscription>();
  private readonly senderId = randomUUID();
  private seq = 0;
  private arming: Promise<unknown> = Promise.resolve();
  private closed = false;
  private rearmTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: ResolvedNatsOptions,
    readonly connection: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {
    void this.watchStatus();
  }

  onEvent(listener: (event: TransportEvent) => void): Unsubscribe {
    return this.events.on(listener);
  }

  async ready(): Promise<void> {
    if (this.closed) throw new TransportError('closed', 'the transport is closed');
    await this.arming;
  }

  send(to: ChannelAddress, bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('closed', 'the transport is closed'));
    const msgID = `${this.senderId}:${++this.seq}`;
    const publish = async (): Promise<void> => {
      if (this.closed) throw new TransportError('closed', 'the transport was closed before the stream stored the message');
      try {
        await this.js.publish(to.address, bytes, { msgID, timeout: this.options.publishTimeoutMs });
      } catch (error) {
        if (/no responders|503/i.test(String(error)) && !this.closed) await ensureStream(this.jsm, this.options.stream, this.options.duplicateWindowMs).catch(() => undefined);
        throw error;
      }
    };
    return withRetry(publish, this.options.retry, {
      stopped: () => this.closed,
      onFailure: (error) => this.events.lost(`publish to ${to.address} failed: ${String(error)}`),
      onSuccess: (retries) => {
        if (retries > 0) this.events.restored();
      },
    });
  }

  subscribe(at: ChannelAddress, handler: (bytes: Uint8Array) => void | Promise<void>): Unsubscribe {
    if (this.closed) throw new TransportError('closed', 'the transport is closed');
    const window = new DedupWindow(Math.max(4_096, this.options.prefetch * 16));
    const isRedelivery = (streamSeq: number): boolean => {
      const key = String(streamSeq);
      if (window.has(key)) return true;
      window.add(key);
      return false;
    };
    const subscription = new NatsSubscription(at.address, new OrderedInbox(handler, isRedelivery, this.options.onHandlerError), {
      js: this.js,
      jsm: this.jsm,
      stream: this.options.stream.name,
      prefetch: this.options.prefetch,
      ackWaitMs: this.options.ackWaitMs,
      onRedelivered: () => this.events.emit({ type: 'delivery.redelivered', address: at.address }),
      onTrouble: (reason) => this.rearmSoon(reason),
    });
    this.subscriptions.add(subscription);
    this.track(subscription.arm());
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.subscriptions.delete(subscription);
      subscription.cancel();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.rearmTimer) clearTimeout(this.rearmTimer);
    for (const s of this.subscriptions) s.cancel();
    this.subscriptions.clear();
    await this.connection.close();
  }

  private track(arming: Promise<unknown>): void {
    const all = Promise.all([this.arming, arming]);
    all.catch((error: unknown) => this.rearmSoon(`arming a consumer failed: ${String(error)}`));
    this.arming = all.catch(() => undefined);
  }

  private rearmAll(): void {
    if (this.closed) return;
    this.track(ensureStream(this.jsm, this.options.stream, this.options.duplicateWindowMs).then(() => Promise.all([...this.subscriptions].map((s) => s.arm(true)))));
  }

  /** Re-arms every consumer after a short pause (trouble while connected, or arming failed). */
  private rearmSoon(reason: string): void {
    if (this.closed || this.rearmTimer) return;
    if (this.connection.isClosed()) return;
    this.events.lost(reason);
    this.rearmTimer = setTimeout(() => {
      this.rearmTimer = null;
      this.rearmAll();
      this.arming.then(() => this.events.restored(), () => undefined);
    }, this.options.reconnectTimeWaitMs);
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (this.closed) return;
      if (status.type === Events.Disconnect) this.events.lost(`disconnected from ${String(status.data)}`);
      if (status.type === Events.Reconnect) {
        this.rearmAll();
        await this.arming;
        if (!this.closed) this.events.restored();
      }
    }
  }
}

/**
 * Connects to NATS, makes sure the JetStream stream exists, and returns the transport. The first
 * connection must succeed; later losses are recovered from (reconnecting forever).
 * @param options - the server, stream and limits; see {@link NatsTransportOptions}.
 * @throws ConfigError naming a bad option, before connecting.
 * @throws TransportError `unauthorized` for refused credentials, `unavailable` when the server or JetStream cannot be reached.
 * @public
 */
export async function createNatsTransport(options: NatsTransportOptions = {}): Promise<NatsTransport> {
  const resolved = resolveNatsOptions(options);
  let connection: NatsConnection;
  try {
    connection = await connect({ servers: resolved.servers, name: resolved.name, maxReconnectAttempts: -1, reconnectTimeWait: resolved.reconnectTimeWaitMs });
  } catch (error) {
    if (/authorization|authentication/i.test(String(error))) throw new TransportError('unauthorized', `NATS refused the credentials: ${String(error)}`);
    throw new TransportError('unavailable', `cannot connect to NATS: ${String(error)}`);
  }
  try {
    const jsm = await connection.jetstreamManager();
    await ensureStream(jsm, resolved.stream, resolved.duplicateWindowMs);
    return new NatsTransportImpl(resolved, connection, connection.jetstream(), jsm);
  } catch (error) {
    await connection.close();
    throw new TransportError('unavailable', `JetStream is not available: ${String(error)}`);
  }
}
