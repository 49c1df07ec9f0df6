/**
 * The options of the NATS transport, their defaults, and their validation (a bad option is a
 * `ConfigError` naming it, before anything connects).
 * @packageDocumentation
 */
import { ConfigError } from '../../spec/errors.js';
import { resolveRetry } from '../shared/retry.js';
import type { RetryPolicy } from '../shared/retry.js';

/** The JetStream stream that holds the transport's subjects. */
export interface NatsStreamOptions {
  /** The stream name; default `SNAPWRIGHT`. */
  readonly name: string;
  /** The subjects it captures; default `['snapwright.>']` (every generated NATS address). */
  readonly subjects: readonly string[];
}

/** How to reach NATS and how much to hold in flight. */
export interface NatsTransportOptions {
  /** The server(s); default `127.0.0.1:4222`. */
  readonly servers?: string | readonly string[];
  /** The connection name the server shows. */
  readonly name?: string;
  /** The JetStream stream (created as a file-backed work queue when missing). */
  readonly stream?: NatsStreamOptions;
  /** Unacknowledged deliveries per subscription (the consumer's `max_ack_pending`); default 64. */
  readonly prefetch?: number;
  /** The stream's duplicate window for `Nats-Msg-Id`, in ms; default 120,000. */
  readonly duplicateWindowMs?: number;
  /** How long the server waits for an acknowledgement before redelivering, in ms; default 30,000. */
  readonly ackWaitMs?: number;
  /** How long one publish waits for the stream's acknowledgement, in ms; default 5,000. */
  readonly publishTimeoutMs?: number;
  /** How failed publishes are retried (same `Nats-Msg-Id`, so the stream keeps one copy). */
  readonly retry?: Partial<RetryPolicy>;
  /** Delay between reconnect attempts, in ms; default 250. */
  readonly reconnectTimeWaitMs?: number;
  /** Told about a handler that threw something other than a `RejectedInputError`; default: a process warning. */
  readonly onHandlerError?: (error: unknown) => void;
}

/** {@link NatsTransportOptions} with every default applied. */
export interface ResolvedNatsOptions {
  /** See {@link NatsTransportOptions.servers}. */
  readonly servers: string[];
  /** See {@link NatsTransportOptions.name}. */
  readonly name: string;
  /** See {@link NatsTransportOptions.stream}. */
  readonly stream: NatsStreamOptions;
  /** See {@link NatsTransportOptions.prefetch}. */
  readonly prefetch: number;
  /** See {@link NatsTransportOptions.duplicateWindowMs}. */
  readonly duplicateWindowMs: number;
  /** See {@link NatsTransportOptions.ackWaitMs}. */
  readonly ackWaitMs: number;
  /** See {@link NatsTransportOptions.publishTimeoutMs}. */
  readonly publishTimeoutMs: number;
  /** See {@link NatsTransportOptions.retry}. */
  readonly retry: RetryPolicy;
  /** See {@link NatsTransportOptions.reconnectTimeWaitMs}. */
  readonly reconnectTimeWaitMs: number;
  /** See {@link NatsTransportOptions.onHandlerError}. */
  readonly onHandlerError: (error: unknown) => void;
}

function integer(option: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new ConfigError(option, `must be an integer of at least ${min}, got ${String(value)}`);
  return value;
}

/**
 * Applies the defaults and validates every option.
 * @param options - what the caller gave.
 * @throws ConfigError naming the first bad option.
 * @public
 */
export function resolveNatsOptions(options: NatsTransportOptions = {}): ResolvedNatsOptions {
  const servers = typeof options.servers === 'string' ? [options.servers] : [...(options.servers ?? ['127.0.0.1:4222'])];
  if (servers.length === 0 || servers.some((s) => typeof s !== 'string' || s.length === 0)) throw new ConfigError('servers', 'must name at least one server');
  const stream = options.stream ?? { name: 'SNAPWRIGHT', subjects: ['snapwright.>'] };
  if (typeof stream.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(stream.name)) throw new ConfigError('stream.name', `must be 1 to 64 of [A-Za-z0-9_-], got ${String(stream.name)}`);
  if (!Array.isArray(stream.subjects) || stream.subjects.length === 0 || stream.subjects.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new ConfigError('stream.subjects', 'must name at least one subject');
  }
  const onHandlerError = options.onHandlerError ?? ((error: unknown) => process.emitWarning(`snapwright nats: a subscriber threw: ${String(error)}`));
  if (typeof onHandlerError !== 'function') throw new ConfigError('onHandlerError', 'must be a function');
  return {
    servers,
    name: options.name ?? 'snapwright',
    stream: { name: stream.name, subjects: [...stream.subjects] },
    prefetch: integer('prefetch', options.prefetch ?? 64, 1),
    duplicateWindowMs: integer('duplicateWindowMs', options.duplicateWindowMs ?? 120_000, 100),
    ackWaitMs: integer('ackWaitMs', options.ackWaitMs ?? 30_000, 100),
    publishTimeoutMs: integer('publishTimeoutMs', options.publishTimeoutMs ?? 5_000, 1),
    retry: resolveRetry(options.retry ?? { baseMs: 10, maxMs: 1_000, budgetMs: 60_000 }, 'retry'),
    reconnectTimeWaitMs: integer('reconnectTimeWaitMs', options.reconnectTimeWaitMs ?? 250, 0),
    onHandlerError,
  };
}
