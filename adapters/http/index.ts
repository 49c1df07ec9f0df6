/**
 * The HTTP transport.
 * @packageDocumentation
 */
export * from './auth.js';
export * from './framing.js';
export * from './transport.js';
