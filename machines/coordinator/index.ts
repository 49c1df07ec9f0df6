/**
 * The coordinator statechart and the pure pieces it is made of.
 * @packageDocumentation
 */
export { coordinatorMachine } from './coordinator.machine.js';
export type { CoordinatorMachine } from './coordinator.machine.js';
export type * from './events.js';
export { coordinatorTimerName, coordinatorTimerOf } from './events.js';
export type * from './commands.js';
export type * from './types.js';
export { GHOST_IDS } from './types.js';
export { initialContext, INITIAL_STATS } from './context.js';
export { observationsOf } from './observe.js';
export { addAndSubsume, lastSubsumedId } from './completed-store.js';
export { comparePriority, submit, decide } from './request-queue.js';
export type { Decision, SubmitResult } from './request-queue.js';
export { handleFailure, handleSuccess, INITIAL_FAILURE_COUNTER } from './failure-manager.js';
export type { FailureReport, FailureDecision } from './failure-manager.js';
export { calculatePlan, prepareTopology } from './plan.js';
export type { PlanResult } from './plan.js';
export { optionsFor } from './trigger.js';
export { initialDelay } from './control.js';
