/**
 * The lifecycle states a task attempt reports to the coordinator.
 * @packageDocumentation
 */

/** Execution state of one task attempt, reported with `taskStateChanged`. */
export type TaskExecutionState = 'deploying' | 'initializing' | 'running' | 'finished' | 'failed' | 'canceled';

/** Every task execution state, in lifecycle order. */
export const TASK_EXECUTION_STATES: readonly TaskExecutionState[] = [
  'deploying',
  'initializing',
  'running',
  'finished',
  'failed',
  'canceled',
];

/**
 * Whether an attempt in this state is gone for good (it will send nothing more that counts).
 * @param state - the reported state.
 */
export function isTerminalTaskState(state: TaskExecutionState): boolean {
  return state === 'finished' || state === 'failed' || state === 'canceled';
}
