/**
 * Field-by-field copies of the context's records, for the steps' updates on the per-barrier hot
 * path. A step copies, sets the fields it changes on the fresh copy, and returns it: the old
 * value is never touched, so the machine stays pure. (V8 builds an object literal from its
 * fields several times faster than it runs an object spread; the type checker makes sure every
 * field is copied.)
 * @packageDocumentation
 */
import type { InputState, SnapshotRecord, TaskContext } from './types.js';

/** A fresh copy a step may still set fields of, before returning it. */
export type Draft<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A copy of the context.
 * @param c - the context.
 */
export function copyContext(c: TaskContext): Draft<TaskContext> {
  return {
    config: c.config,
    lastStartedId: c.lastStartedId,
    abortedBeforeStart: c.abortedBeforeStart,
    snapshots: c.snapshots,
    syncSavepointId: c.syncSavepointId,
    syncSavepointDrains: c.syncSavepointDrains,
    finalCheckpointMinId: c.finalCheckpointMinId,
    latestCompletedId: c.latestCompletedId,
    failure: c.failure,
    inputs: c.inputs,
    sink: c.sink,
    leaderEpoch: c.leaderEpoch,
  };
}

/**
 * A copy of the input state.
 * @param i - the input state.
 */
export function copyInputs(i: InputState): Draft<InputState> {
  return {
    openChannels: i.openChannels,
    closed: i.closed,
    currentId: i.currentId,
    lastCancelledOrCompletedId: i.lastCancelledOrCompletedId,
    received: i.received,
    barrier: i.barrier,
    firstBarrierAt: i.firstBarrierAt,
    unaligned: i.unaligned,
    timer: i.timer,
    tracked: i.tracked,
    latestTrackedId: i.latestTrackedId,
  };
}

/**
 * A copy of a snapshot record.
 * @param r - the record.
 */
export function copyRecord(r: SnapshotRecord): Draft<SnapshotRecord> {
  return {
    phase: r.phase,
    startedAt: r.startedAt,
    asyncStartedAt: r.asyncStartedAt,
    startDelayMs: r.startDelayMs,
    alignmentMs: r.alignmentMs,
    unaligned: r.unaligned,
  };
}

/**
 * The context with other inputs.
 * @param ctx - the context.
 * @param inputs - the new input state.
 */
export function withInputs(ctx: TaskContext, inputs: InputState): TaskContext {
  const next = copyContext(ctx);
  next.inputs = inputs;
  return next;
}
