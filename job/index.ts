/**
 * The main job: a checkpointed exactly-once streaming pipeline built on the embedding API
 * (`createCoordinator`, `createTask`). `runJob` runs it to a verdict; `runChaos` runs many short
 * runs with faults; the pieces (input log, keyed operator, file sink, control transport, faults,
 * figures, REST statistics, display) are exported for embedding and tests.
 * @packageDocumentation
 */
export * from './run-job.js';
export * from './options.js';
export * from './engine.js';
export * from './task-runner.js';
export * from './pipeline.js';
export * from './input-log.js';
export * from './source-reader.js';
export * from './keyed-operator.js';
export * from './file-sink.js';
export * from './task-state-store.js';
export * from './coordinator-storage.js';
export * from './control-transport.js';
export * from './data-channel.js';
export * from './faults.js';
export * from './figures.js';
export * from './verdict.js';
export * from './rest.js';
export * from './display.js';
export * from './job-time.js';
export * from './random.js';
export { chaosRun, chaosRunOptions, runChaos, runSeed, violationsOf } from './chaos.js';
export type { ChaosFailure, ChaosSummary } from './chaos.js';
