/**
 * The task statechart: one task attempt of Flink's checkpoint protocol (barrier handling,
 * snapshots, notifications, two-phase-commit sink) as a pure XState v5 machine.
 * @packageDocumentation
 */
export type * from './types.js';
export { MAX_ABORTED_BEFORE_START, MAX_TRACKED_CHECKPOINTS } from './types.js';
export type * from './events.js';
export { streamEvent } from './events.js';
export type * from './commands.js';
export { MAX_INPUT_CHANNELS, resolveTaskConfig, eventRejection } from './validation.js';
export { transactionIdOf } from './two-phase-commit.js';
export { taskMachine, initialTaskContext } from './task.machine.js';
export type { TaskMachine } from './task.machine.js';
export { taskView } from './view.js';
export { foldStreamBatch, STREAM_TRANSITIONS, exactlyOnceState, streamCasesOf } from './stream-batch.js';
export type { StreamCase, StreamCases, StreamHandler, StreamBatchResult } from './stream-batch.js';
export type { TaskView, TaskLifecycle } from './view.js';
