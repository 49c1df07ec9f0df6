/**
 * The protocol as data: messages, in-band events, failure reasons, configuration, topology,
 * validation and named properties. Depends on nothing else in Snapwright.
 * @packageDocumentation
 */
export * from './ids.js';
export * from './options.js';
export * from './task-state.js';
export * from './state-handle.js';
export * from './reasons.js';
export * from './messages.js';
export * from './describe.js';
export * from './stream-events.js';
export * from './errors.js';
export * from './config.js';
export * from './topology.js';
export * from './validate.js';
export * from './invariants.js';
