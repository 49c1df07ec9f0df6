/**
 * Transport runtimes: the contract the generated bindings target, what every transport shares,
 * and the in-process, HTTP, RabbitMQ and NATS transports.
 * @packageDocumentation
 */
export * from './runtime/contract.js';
export * from './shared/errors.js';
export * from './shared/dedup.js';
export * from './shared/retry.js';
export * from './shared/send-queue.js';
export * from './shared/events.js';
export * from './shared/connect.js';
export * from './in-process/index.js';
export * from './http/index.js';
export * from './amqp/index.js';
export * from './nats/index.js';
export * from './declared-delivery.js';
