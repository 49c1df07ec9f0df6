/**
 * The NATS (JetStream) transport runtime for the generated `nats` bindings.
 * @packageDocumentation
 */
export { createNatsTransport } from './transport.js';
export type { NatsTransport } from './transport.js';
export type { NatsStreamOptions, NatsTransportOptions } from './options.js';
export { consumerName } from './jetstream.js';
