/**
 * What the broker transports (RabbitMQ, NATS) offer beyond the `Transport` contract.
 * @packageDocumentation
 */
import type { Transport, TransportEvent, Unsubscribe } from '../runtime/contract.js';

/** A transport through a broker: connection events, readiness and an orderly close. */
export interface BrokerTransport extends Transport {
  /** Listens to connection events (`transport.lost`, `transport.restored`, `delivery.redelivered`). */
  onEvent(listener: (event: TransportEvent) => void): Unsubscribe;
  /** Resolves once connected and every subscription consumes. */
  ready(): Promise<void>;
  /** Stops the consumers, fails the pending sends with `closed`, and closes the connection. */
  close(): Promise<void>;
}
