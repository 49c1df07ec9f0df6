/**
 * The in-process transport.
 * @packageDocumentation
 */
export * from './network.js';
