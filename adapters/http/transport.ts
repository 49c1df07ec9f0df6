/**
 * The HTTP transport: each participant serves its inbox paths with a `node:http` server
 * ({@link InboxServer}) and POSTs to its peers' with a keep-alive client ({@link InboxClient}).
 *
 * Delivery: `ordered-exactly-once` per (sender transport, address): one batch per address is in
 * flight at a time, retried with the same idempotency key until the receiver answers, and the
 * receiver answers a repeated key without delivering again. A send rejects (never silently drops)
 * when the retry budget runs out or the receiver refuses the message.
 * @packageDocumentation
 */
import { HTTP_DELIVERY } from '../declared-delivery.js';
import { ConfigError } from '../../spec/errors.js';
import type { ChannelAddress, DeliveryGuarantee, Transport, TransportEvent, TransportKind, Unsubscribe } from '../runtime/contract.js';
import { TransportError } from '../shared/errors.js';
import { ConnectionEvents } from '../shared/events.js';
import type { RetryPolicy } from '../shared/retry.js';
import { resolveRetry } from '../shared/retry.js';
import type { BatchLimits } from '../shared/send-queue.js';
import { resolveBatch } from '../shared/send-queue.js';
import type { HttpAuth } from './auth.js';
import { checkAuth } from './auth.js';
import { InboxClient } from './client.js';
import { InboxServer } from './server.js';

/**
 * Which origin serves which address. Transports given the same directory register their own
 * subscriptions in it; a `fallback` answers for addresses registered elsewhere (e.g. from
 * configuration).
 */
export class HttpDirectory {
  private readonly origins = new Map<string, string>();

  /**
   * Creates a directory.
   * @param fallback - answers for addresses not registered here.
   */
  constructor(private readonly fallback: (address: string) => string | undefined = () => undefined) {}

  /**
   * Records that `origin` serves `address`.
   * @param address - the path.
   * @param origin - `http://host:port`.
   */
  register(address: string, origin: string): void {
    this.origins.set(address, origin);
  }

  /**
   * The origin serving `address`, if known.
   * @param address - the path.
   */
  resolve(address: string): string | undefined {
    return this.origins.get(address) ?? this.fallback(address);
  }
}

/** Options of {@link createHttpTransport}. */
export interface HttpTransportOptions {
  /** How every request authenticates (required; `{ scheme: 'none' }` only on purpose). */
  readonly auth: HttpAuth;
  /** Where peers serve their addresses. */
  readonly directory: HttpDirectory;
  /** Serve inbox paths on this port (0: any free port; default 0). */
  readonly port?: number;
  /** The interface to listen on (default `127.0.0.1`). */
  readonly host?: string;
  /** The largest request body taken, in bytes (default 4 MiB). */
  readonly maxBodyBytes?: number;
  /** The largest message taken or sent, in bytes (default 1 MiB). */
  readonly maxMessageBytes?: number;
  /** Retries (default: 5 ms doubling to 1 s, for 30 s). */
  readonly retry?: Partial<RetryPolicy>;
  /** Batching (default: 512 messages or 256 KiB per request). */
  readonly batch?: Partial<BatchLimits>;
  /** A request without an answer after this many ms is retried (default 30,000). */
  readonly requestTimeoutMs?: number;
  /** Connections per peer origin (default 16). */
  readonly maxSockets?: number;
}

const positive = (option: string, value: number): number => {
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(option, `must be a positive integer, got ${String(value)}`);
  return value;
};

/** An HTTP transport: a server for its inboxes and a client for its peers'. */
export class HttpTransport implements Transport {
  /** Always `http`. */
  readonly kind: TransportKind = 'http';
  /** FIFO per address from one sender, nothing lost or duplicated (see the module's notes). */
  readonly delivery: DeliveryGuarantee = HTTP_DELIVERY;
  /** The largest message sent or taken, in bytes. */
  readonly maxMessageBytes: number;
  private readonly events = new ConnectionEvents();
  private readonly server: InboxServer;
  private readonly client: InboxClient;
  private readonly directory: HttpDirectory;
  private readonly subscribed = new Set<string>();
  private closed = false;

  /**
   * Use {@link createHttpTransport}.
   * @param options - checked options.
   */
  constructor(private readonly options: HttpTransportOptions) {
    const auth = checkAuth(options.auth);
    if (!(options.directory instanceof HttpDirectory)) throw new ConfigError('directory', 'must be an HttpDirectory');
    this.directory = options.directory;
    this.maxMessageBytes = positive('maxMessageBytes', options.maxMessageBytes ?? 1024 * 1024);
    const maxBodyBytes = positive('maxBodyBytes', options.maxBodyBytes ?? 4 * 1024 * 1024);
    if (maxBodyBytes < this.maxMessageBytes + 4) throw new ConfigError('maxBodyBytes', `must exceed maxMessageBytes + 4 (${this.maxMessageBytes + 4}), got ${maxBodyBytes}`);
    const batch = resolveBatch(options.batch);
    if (batch.maxBytes > maxBodyBytes) throw new ConfigError('batch.maxBytes', `must be at most maxBodyBytes (${maxBodyBytes}), got ${batch.maxBytes}`);
    this.server = new InboxServer(auth, { maxBodyBytes, maxMessageBytes: this.maxMessageBytes, dedupStreams: 100_000 }, this.events);
    this.client = new InboxClient(
      {
        auth,
        resolve: (address) => this.directory.resolve(address),
        retry: resolveRetry(options.retry),
        batch,
        requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs ?? 30_000),
        maxSockets: positive('maxSockets', options.maxSockets ?? 16),
      },
      this.events,
    );
  }

  /** `http://host:port` of this transport's server. */
  get origin(): string {
    return this.server.origin;
  }

  /** Starts the server (done by {@link createHttpTransport}; again after {@link HttpTransport.stopServer}). */
  async startServer(): Promise<void> {
    await this.server.start(this.options.port ?? 0, this.options.host ?? '127.0.0.1');
    for (const address of this.subscribed) this.directory.register(address, this.server.origin);
  }

  /** Stops the server and cuts its connections (senders retry until it is back). */
  stopServer(): Promise<void> {
    return this.server.stop();
  }

  /** Cuts every open connection, inbound and outbound, as a network failure would. */
  dropConnections(): void {
    this.server.dropConnections();
    this.client.dropConnections();
  }

  /** {@inheritDoc Transport.send} */
  send(to: ChannelAddress, bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('closed', 'the transport was closed'));
    if (bytes.byteLength > this.maxMessageBytes) {
      return Promise.reject(new TransportError('too-large', `a message of ${bytes.byteLength} bytes exceeds maxMessageBytes ${this.maxMessageBytes}`, { status: 413 }));
    }
    return this.client.send(to.address, bytes);
  }

  /** {@inheritDoc Transport.subscribe} */
  subscribe(at: ChannelAddress, handler: (bytes: Uint8Array) => void | Promise<void>): Unsubscribe {
    if (this.closed) throw new TransportError('closed', 'the transport was closed');
    this.subscribed.add(at.address);
    this.directory.register(at.address, this.server.origin);
    return this.server.subscribe(at.address, handler);
  }

  /** {@inheritDoc Transport.onEvent} */
  onEvent(listener: (event: TransportEvent) => void): Unsubscribe {
    return this.events.on(listener);
  }

  /** {@inheritDoc Transport.close} */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
    await this.server.stop();
  }
}

/**
 * Creates an HTTP transport and starts its server.
 * @param options - auth, directory, port, limits, retries, batching.
 * @throws ConfigError naming the option.
 */
export async function createHttpTransport(options: HttpTransportOptions): Promise<HttpTransport> {
  const transport = new HttpTransport(options);
  await transport.startServer();
  return transport;
}
