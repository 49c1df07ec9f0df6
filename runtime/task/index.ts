/**
 * The task runtime: `createTask` and its ports, with in-memory implementations.
 * @packageDocumentation
 */
export type * from './ports.js';
export * from './create-task.js';
export * from './in-memory.js';
