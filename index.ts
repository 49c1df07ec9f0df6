/**
 * Snapwright: Apache Flink's checkpoint-coordination protocol as formally checked XState v5
 * statecharts. The protocol as data (`spec`), the machines, and the runtimes that embed them.
 * @packageDocumentation
 */
export * from './spec/index.js';
export * from './machines/index.js';
export * from './runtime/index.js';
