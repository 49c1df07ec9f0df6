/**
 * The at-least-once input side (Flink's `CheckpointBarrierTracker`), as pure functions over
 * {@link TaskContext}: channels are never blocked; barriers are counted per checkpoint for
 * several checkpoints at once (at most {@link MAX_TRACKED_CHECKPOINTS}); a checkpoint triggers
 * once every open channel delivered it, and then every older tracked checkpoint is dropped
 * (declined as subsumed). The tracked list is small and bounded, so copying it is O(1).
 * @packageDocumentation
 */
import type { DeclineReason } from '../../spec/reasons.js';
import { PersistentMap } from '../_internals/persistent-map.js';
import type { Emit } from './commands.js';
import type { BarrierEvent, CancelMarkerEvent, EndOfPartitionEvent } from './events.js';
import { abortOnBarrier, startCheckpoint } from './snapshots.js';
import type { InputState, TaskContext, TrackedCheckpoint } from './types.js';
import { MAX_TRACKED_CHECKPOINTS } from './types.js';

const withTracked = (ctx: TaskContext, tracked: readonly TrackedCheckpoint[], inputs: InputState = ctx.inputs): TaskContext => ({
  ...ctx,
  inputs: { ...inputs, tracked },
});

/** Drops `entries`, declining those not aborted yet. */
function dropAll(ctx: TaskContext, entries: readonly TrackedCheckpoint[], reason: DeclineReason, emit: Emit): TaskContext {
  for (const t of entries) if (!t.aborted) ctx = abortOnBarrier(ctx, t.checkpointId, reason, emit);
  return ctx;
}

/** Every open channel delivered `tracked[i]`: drop it and everything older, trigger it unless aborted. */
function complete(ctx: TaskContext, tracked: readonly TrackedCheckpoint[], i: number, now: number, emit: Emit): TaskContext {
  const t = tracked[i] as TrackedCheckpoint;
  let next = dropAll(withTracked(ctx, tracked.slice(i + 1)), tracked.slice(0, i), 'CHECKPOINT_DECLINED_SUBSUMED', emit);
  if (!t.aborted && t.barrier !== null) {
    next = startCheckpoint(next, { checkpointId: t.checkpointId, timestamp: t.barrier.timestamp, options: t.barrier.options, now, alignmentMs: Math.max(0, now - t.firstAt), unaligned: false }, emit);
  }
  return next;
}

/**
 * A barrier at an at-least-once task.
 * @param ctx - the context.
 * @param e - the barrier event.
 * @param emit - receives the commands.
 */
export function trackBarrier(ctx: TaskContext, e: BarrierEvent, emit: Emit): TaskContext {
  const inputs = ctx.inputs;
  const tracked = inputs.tracked;
  const b = e.barrier;
  const id = b.checkpointId;
  const i = tracked.findIndex((t) => t.checkpointId === id);
  if (i >= 0) {
    const t = tracked[i] as TrackedCheckpoint;
    const entry: TrackedCheckpoint = { ...t, channels: t.channels.set(e.channel, true), barrier: t.barrier ?? { timestamp: b.timestamp, options: b.options } };
    const updated = [...tracked.slice(0, i), entry, ...tracked.slice(i + 1)];
    return entry.channels.size >= inputs.openChannels ? complete(ctx, updated, i, e.now, emit) : withTracked(ctx, updated);
  }
  if (id <= inputs.latestTrackedId) return ctx;
  const entry: TrackedCheckpoint = { checkpointId: id, channels: PersistentMap.empty<number, true>().set(e.channel, true), aborted: false, barrier: { timestamp: b.timestamp, options: b.options }, firstAt: e.now };
  const grown = [...tracked, entry];
  const next = withTracked(ctx, grown, { ...inputs, latestTrackedId: id });
  if (entry.channels.size >= inputs.openChannels) return complete(next, grown, grown.length - 1, e.now, emit);
  if (grown.length <= MAX_TRACKED_CHECKPOINTS) return next;
  return dropAll(withTracked(next, grown.slice(1)), grown.slice(0, 1), 'CHECKPOINT_DECLINED_SUBSUMED', emit);
}

/**
 * A cancel marker at an at-least-once task: every older tracked checkpoint and the marked one are
 * declined with `CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER`; the marked one is still counted
 * until all channels delivered it, so its late barriers trigger nothing.
 * @param ctx - the context.
 * @param e - the cancel marker event.
 * @param emit - receives the commands.
 */
export function trackCancelMarker(ctx: TaskContext, e: CancelMarkerEvent, emit: Emit): TaskContext {
  const id = e.marker.checkpointId;
  const inputs = ctx.inputs;
  let k = 0;
  while (k < inputs.tracked.length && (inputs.tracked[k] as TrackedCheckpoint).checkpointId < id) k++;
  const reason: DeclineReason = 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER';
  // Unchanged unless a branch below replaces it, so a marker that changes nothing returns `ctx`.
  let rest = k === 0 ? inputs.tracked : inputs.tracked.slice(k);
  let next = dropAll(ctx, inputs.tracked.slice(0, k), reason, emit);
  let latestTrackedId = inputs.latestTrackedId;
  const head = rest[0];
  if (head !== undefined && head.checkpointId === id) {
    if (!head.aborted) next = abortOnBarrier(next, id, reason, emit);
    const entry: TrackedCheckpoint = { ...head, aborted: true, channels: head.channels.set(e.channel, true) };
    rest = entry.channels.size >= inputs.openChannels ? rest.slice(1) : [entry, ...rest.slice(1)];
  } else if (id > latestTrackedId) {
    next = abortOnBarrier(next, id, reason, emit);
    latestTrackedId = id;
    if (inputs.openChannels > 1) rest = [{ checkpointId: id, channels: PersistentMap.empty<number, true>().set(e.channel, true), aborted: true, barrier: null, firstAt: e.now }];
  }
  if (k === 0 && rest === inputs.tracked && latestTrackedId === inputs.latestTrackedId) return next;
  return withTracked(next, rest, { ...next.inputs, latestTrackedId });
}

/**
 * A channel ended at an at-least-once task: fewer barriers are expected, which may complete the
 * newest tracked checkpoint; when the last channel ends, every tracked checkpoint is declined
 * with `CHECKPOINT_DECLINED_INPUT_END_OF_STREAM`.
 * @param ctx - the context.
 * @param e - the end-of-partition event.
 * @param emit - receives the commands.
 */
export function trackEndOfPartition(ctx: TaskContext, e: EndOfPartitionEvent, emit: Emit): TaskContext {
  const inputs = ctx.inputs;
  const open = inputs.openChannels - 1;
  const tracked = inputs.tracked.map((t) => (t.channels.has(e.channel) ? { ...t, channels: t.channels.delete(e.channel) } : t));
  const next = withTracked(ctx, tracked, { ...inputs, openChannels: open, closed: inputs.closed.set(e.channel, true) });
  if (open === 0) return dropAll(withTracked(next, []), tracked, 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM', emit);
  for (let i = tracked.length - 1; i >= 0; i--) {
    if ((tracked[i] as TrackedCheckpoint).channels.size >= open) return complete(next, tracked, i, e.now, emit);
  }
  return next;
}

/**
 * Whether the tracker follows any checkpoint.
 * @param ctx - the context.
 */
export function isTracking(ctx: TaskContext): boolean {
  return ctx.inputs.tracked.length > 0;
}

