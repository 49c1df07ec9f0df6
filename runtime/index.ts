/**
 * Runtimes: the machines as running actors wired to injected ports.
 * @packageDocumentation
 */
export * from './time.js';
export * from './coordinator/ports.js';
export * from './coordinator/memory-store.js';
export * from './coordinator/create-coordinator.js';
export * from './task/index.js';
export * from './harness/index.js';
export * from './listeners.js';
export * from './store/index.js';
export * from './inspect.js';
