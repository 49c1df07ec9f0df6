/**
 * The RabbitMQ (AMQP 0-9-1) transport runtime for the generated `amqp` bindings.
 * @packageDocumentation
 */
export { amqpConnectError, createAmqpTransport } from './transport.js';
export type { AmqpTransport } from './transport.js';
export type { AmqpTransportOptions } from './options.js';
export { amqpRoute } from './topology.js';
export type { AmqpRoute } from './topology.js';
export type { BrokerTransport } from '../shared/broker-transport.js';
