/**
 * The in-process harness: a whole job in one process, for demos, tests and embedding examples.
 * @packageDocumentation
 */
export * from './local-job.js';
