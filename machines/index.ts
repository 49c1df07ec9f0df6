/**
 * The statecharts: the coordinator (and the task, beside it).
 * @packageDocumentation
 */
export * from './coordinator/index.js';
export * from './task/index.js';
export { commandsOf, EFFECTS_ACTION } from './effects.js';
