/**
 * The options of the RabbitMQ transport, their defaults, and their validation (a bad option is a
 * `ConfigError` naming it, before anything connects).
 * @packageDocumentation
 */
import { ConfigError } from '../../spec/errors.js';

/** How to reach RabbitMQ and how much to hold in flight. */
export interface AmqpTransportOptions {
  /** The broker URL; default `amqp://guest:guest@127.0.0.1:5672`. */
  readonly url?: string;
  /** The name the connection shows in the broker's management tools (`connection_name`). */
  readonly connectionName?: string;
  /** Unacknowledged deliveries per subscription (basic.qos prefetch); default 64, at least 1. */
  readonly prefetch?: number;
  /** Sends not yet confirmed by the broker, beyond which `send` rejects; default 10,000. */
  readonly maxUnconfirmed?: number;
  /** Prefix of the durable queue declared for each address; default `snapwright.`. */
  readonly queuePrefix?: string;
  /** First reconnect delay in milliseconds (doubling, with jitter); default 100. */
  readonly reconnectInitialDelayMs?: number;
  /** Longest reconnect delay in milliseconds; default 5,000. */
  readonly reconnectMaxDelayMs?: number;
  /** AMQP heartbeat in seconds (how soon a dead peer is noticed); default 5. */
  readonly heartbeatSeconds?: number;
  /** Told about a handler that threw something other than a `RejectedInputError`; default: a process warning. */
  readonly onHandlerError?: (error: unknown) => void;
}

/** {@link AmqpTransportOptions} with every default applied. */
export type ResolvedAmqpOptions = Required<AmqpTransportOptions>;

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
export function resolveAmqpOptions(options: AmqpTransportOptions = {}): ResolvedAmqpOptions {
  const url = options.url ?? 'amqp://guest:guest@127.0.0.1:5672';
  if (typeof url !== 'string' || !/^amqps?:\/\//.test(url)) throw new ConfigError('url', `must be an amqp:// or amqps:// URL, got ${String(url)}`);
  const prefetch = integer('prefetch', options.prefetch ?? 64, 1);
  const maxUnconfirmed = integer('maxUnconfirmed', options.maxUnconfirmed ?? 10_000, 1);
  const queuePrefix = options.queuePrefix ?? 'snapwright.';
  if (typeof queuePrefix !== 'string' || queuePrefix.length > 100) throw new ConfigError('queuePrefix', 'must be a string of at most 100 characters');
  const reconnectInitialDelayMs = integer('reconnectInitialDelayMs', options.reconnectInitialDelayMs ?? 100, 0);
  const reconnectMaxDelayMs = integer('reconnectMaxDelayMs', options.reconnectMaxDelayMs ?? 5_000, reconnectInitialDelayMs);
  const heartbeatSeconds = integer('heartbeatSeconds', options.heartbeatSeconds ?? 5, 0);
  const onHandlerError = options.onHandlerError ?? ((error: unknown) => process.emitWarning(`snapwright amqp: a subscriber threw: ${String(error)}`));
  if (typeof onHandlerError !== 'function') throw new ConfigError('onHandlerError', 'must be a function');
  return {
    url,
    connectionName: options.connectionName ?? 'snapwright',
    prefetch,
    maxUnconfirmed,
    queuePrefix,
    reconnectInitialDelayMs,
    reconnectMaxDelayMs,
    heartbeatSeconds,
    onHandlerError,
  };
}
