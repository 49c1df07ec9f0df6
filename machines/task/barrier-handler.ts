/**
 * The exactly-once input barrier handler (Flink's `SingleCheckpointBarrierHandler` and its
 * `BarrierHandlerState`s), as pure functions over {@link TaskContext}. The machine's guards pick
 * the case ({@link barrierCase}, {@link firstBarrierMode}, ...) and its transitions apply the
 * matching step. Per barrier the work is O(1): one persistent-map update and one command; O(C)
 * work (releasing C channels) happens once per checkpoint. A batch's consecutive further
 * barriers ({@link nextBarriers}) share one persistent-map version and one context copy.
 * @packageDocumentation
 */
import type { CheckpointId } from '../../spec/ids.js';
import type { DeclineReason } from '../../spec/reasons.js';
import type { CheckpointBarrier } from '../../spec/stream-events.js';
import { PersistentMap } from '../_internals/persistent-map.js';
import type { Emit, TaskCommand } from './commands.js';
import { copyInputs, withInputs } from './context.js';
import type { BarrierEvent, CancelMarkerEvent, EndOfPartitionEvent, StreamBatchItem } from './events.js';
import { abortOnBarrier, completeCapture, startCheckpoint } from './snapshots.js';
import type { InputState, PendingBarrier, TaskContext, TaskTimerId } from './types.js';
import { isPending } from './validation.js';

/**
 * A fresh empty channel set. Never share one empty map between fields or checkpoints: updating a
 * shared version makes every other holder of it re-root on each access (O(size) per barrier).
 */
const noChannels = (): PersistentMap<number, true> => PersistentMap.empty();

/**
 * The input state of a task with `channels` open input channels, before any barrier.
 * @param channels - the number of input channels.
 */
export function initialInputs(channels: number): InputState {
  return {
    openChannels: channels,
    closed: noChannels(),
    currentId: -1,
    lastCancelledOrCompletedId: -1,
    received: noChannels(),
    barrier: null,
    firstBarrierAt: 0,
    unaligned: false,
    timer: null,
    tracked: [],
    latestTrackedId: -1,
  };
}

/**
 * How a barrier relates to the handler's current checkpoint.
 * - `obsolete`: older than the current id, or the current id when it is no longer pending: ignored.
 * - `next`: the pending id, more barriers to come.
 * - `last`: the pending id, and every open channel has now delivered it.
 * - `newer`: a newer id: its first barrier (subsuming the pending checkpoint, if any).
 */
export type BarrierCase = 'obsolete' | 'next' | 'last' | 'newer';

/**
 * Classifies a barrier for checkpoint `checkpointId`.
 * @param inputs - the input state.
 * @param checkpointId - the barrier's checkpoint.
 */
export function barrierCase(inputs: InputState, checkpointId: CheckpointId): BarrierCase {
  if (checkpointId > inputs.currentId) return 'newer';
  if (checkpointId < inputs.currentId || inputs.currentId === inputs.lastCancelledOrCompletedId) return 'obsolete';
  return inputs.received.size + 1 >= inputs.openChannels ? 'last' : 'next';
}

/**
 * How the first barrier of a checkpoint is handled.
 * - `complete`: it is the only open channel: the checkpoint starts at once.
 * - `unaligned`: start the checkpoint now and capture the other channels' in-flight data.
 * - `aligned`: block the channel and collect the other barriers (with a timeout when the options
 *   carry one and unaligned checkpoints are enabled).
 */
export type FirstBarrierMode = 'complete' | 'unaligned' | 'aligned';

/**
 * Whether an aligned, timeout-able barrier has waited longer than its aligned-checkpoint timeout.
 * @param barrier - the barrier (timestamp and options).
 * @param now - the time.
 */
export function alignmentTimedOut(barrier: PendingBarrier, now: number): boolean {
  const timeout = barrier.options.alignedCheckpointTimeoutMs;
  return barrier.options.alignment === 'aligned' && timeout > 0 && now - barrier.timestamp > timeout;
}

/**
 * Picks the handling of the first barrier of a checkpoint.
 * @param ctx - the context (its alignment settings decide whether unaligned is possible).
 * @param barrier - the barrier.
 * @param now - the time.
 */
export function firstBarrierMode(ctx: TaskContext, barrier: CheckpointBarrier, now: number): FirstBarrierMode {
  if (ctx.inputs.openChannels <= 1) return 'complete';
  if (!ctx.config.alignment.unaligned) return 'aligned';
  if (barrier.options.alignment === 'unaligned' || alignmentTimedOut(barrier, now)) return 'unaligned';
  return 'aligned';
}

/** Inputs after the current checkpoint completed or was cancelled: nothing pending. */
function settled(inputs: InputState, id: CheckpointId): InputState {
  const next = copyInputs(inputs);
  next.currentId = Math.max(inputs.currentId, id);
  next.lastCancelledOrCompletedId = Math.max(inputs.lastCancelledOrCompletedId, id);
  next.received = noChannels();
  next.barrier = null;
  next.unaligned = false;
  next.timer = null;
  return next;
}

/** Inputs once the first barrier of checkpoint `id` arrived: pending, `channel` delivered. */
function started(inputs: InputState, id: CheckpointId, channel: number, barrier: PendingBarrier, now: number, unaligned: boolean, timer: TaskTimerId | null): InputState {
  const next = copyInputs(inputs);
  next.currentId = id;
  next.received = noChannels().set(channel, true);
  next.barrier = barrier;
  next.firstBarrierAt = now;
  next.unaligned = unaligned;
  next.timer = timer;
  return next;
}

/** Emits `startCapture` for every open channel that has not delivered the barrier. */
function captureRemaining(ctx: TaskContext, inputs: InputState, id: CheckpointId, emit: Emit): void {
  for (let ch = 0; ch < ctx.config.inputChannels; ch++) {
    if (!inputs.received.has(ch) && !inputs.closed.has(ch)) emit({ kind: 'startCapture', channel: ch, checkpointId: id });
  }
}

/** Emits `unblockChannel` for every channel that delivered the (aligned) barrier, ascending. */
function unblockReceived(ctx: TaskContext, inputs: InputState, emit: Emit): void {
  for (let ch = 0; ch < ctx.config.inputChannels; ch++) {
    if (inputs.received.has(ch)) emit({ kind: 'unblockChannel', channel: ch });
  }
}

/** Releases what the pending checkpoint holds: blocked channels, captures, the timer. */
function release(ctx: TaskContext, emit: Emit): void {
  const inputs = ctx.inputs;
  if (inputs.timer !== null) emit({ kind: 'cancelTimer', timer: inputs.timer });
  if (!inputs.unaligned) return unblockReceived(ctx, inputs, emit);
  for (let ch = 0; ch < ctx.config.inputChannels; ch++) {
    if (!inputs.received.has(ch) && !inputs.closed.has(ch)) emit({ kind: 'stopCapture', channel: ch, checkpointId: inputs.currentId });
  }
}

/**
 * The first barrier of a newer checkpoint (nothing pending, or already aborted).
 * @param ctx - the context.
 * @param e - the barrier event.
 * @param mode - from {@link firstBarrierMode}.
 * @param emit - receives the commands.
 */
export function firstBarrier(ctx: TaskContext, e: BarrierEvent, mode: FirstBarrierMode, emit: Emit): TaskContext {
  const b = e.barrier;
  const id = b.checkpointId;
  if (mode === 'complete') {
    const unaligned = ctx.config.alignment.unaligned && b.options.alignment === 'unaligned';
    return startCheckpoint(withInputs(ctx, settled(ctx.inputs, id)), { checkpointId: id, timestamp: b.timestamp, options: b.options, now: e.now, alignmentMs: 0, unaligned }, emit);
  }
  const pending: PendingBarrier = { timestamp: b.timestamp, options: b.options };
  if (mode === 'unaligned') {
    const inputs = started(ctx.inputs, id, e.channel, pending, e.now, true, null);
    captureRemaining(ctx, inputs, id, emit);
    return startCheckpoint(withInputs(ctx, inputs), { checkpointId: id, timestamp: b.timestamp, options: b.options, now: e.now, alignmentMs: 0, unaligned: true, capturing: true }, emit);
  }
  emit({ kind: 'blockChannel', channel: e.channel });
  let timer: TaskTimerId | null = null;
  const timeout = b.options.alignedCheckpointTimeoutMs;
  if (ctx.config.alignment.unaligned && b.options.alignment === 'aligned' && timeout > 0) {
    timer = `alignment:${id}`;
    emit({ kind: 'startTimer', timer, delayMs: Math.max(0, timeout - (e.now - b.timestamp)) });
  }
  return withInputs(ctx, started(ctx.inputs, id, e.channel, pending, e.now, false, timer));
}

/**
 * Records that `channel` delivered the pending checkpoint's barrier.
 * @param inputs - the input state (a checkpoint is pending).
 * @param channel - the channel that delivered the barrier.
 */
export function recordBarrier(inputs: InputState, channel: number): InputState {
  const next = copyInputs(inputs);
  next.received = inputs.received.set(channel, true);
  return next;
}

/**
 * A further barrier of the pending checkpoint, more to come (the per-barrier hot path): aligned,
 * block its channel; unaligned (already triggered), stop capturing it. Either way record it.
 * O(1): one persistent-map update and one command.
 * @param ctx - the context (a checkpoint is pending).
 * @param e - the barrier event.
 * @param emit - receives the command.
 */
export function nextBarrier(ctx: TaskContext, e: BarrierEvent, emit: Emit): TaskContext {
  const inputs = ctx.inputs;
  emit(nextBarrierCommand(inputs, e.channel));
  return withInputs(ctx, recordBarrier(inputs, e.channel));
}

/** The command of a further barrier on `channel`: block it (aligned) or stop capturing it (unaligned). */
function nextBarrierCommand(inputs: InputState, channel: number): TaskCommand {
  return inputs.unaligned ? { kind: 'stopCapture', channel, checkpointId: inputs.currentId } : { kind: 'blockChannel', channel };
}

/**
 * Further barriers of the pending checkpoint on `items[from..to)`, none of them the last: exactly
 * {@link nextBarrier} for each, in order (same commands, same resulting context), with one new
 * version of the received set (through `withMutations`) and one copy of the context for all of
 * them, instead of one of each per barrier.
 * @param ctx - the context (a checkpoint is pending).
 * @param items - the batch's events; `items[from..to)` are barriers that `nextBarrier` takes, each
 * on a distinct channel that has not delivered the barrier yet.
 * @param from - the first.
 * @param to - after the last.
 * @param emit - receives the commands.
 */
export function nextBarriers(ctx: TaskContext, items: readonly StreamBatchItem[], from: number, to: number, emit: Emit): TaskContext {
  const inputs = ctx.inputs;
  const received = inputs.received.withMutations((m) => {
    for (let i = from; i < to; i++) {
      const channel = (items[i] as StreamBatchItem).channel;
      emit(nextBarrierCommand(inputs, channel));
      m.insert(channel, true);
    }
  });
  const next = copyInputs(inputs);
  next.received = received;
  return withInputs(ctx, next);
}

/**
 * The last barrier of the pending checkpoint: aligned, trigger it and unblock every channel;
 * unaligned (already triggered), stop capturing the channel.
 * @param ctx - the context.
 * @param e - the barrier event.
 * @param emit - receives the commands.
 */
export function lastBarrier(ctx: TaskContext, e: BarrierEvent, emit: Emit): TaskContext {
  const inputs = ctx.inputs;
  const id = inputs.currentId;
  if (inputs.unaligned) {
    emit({ kind: 'stopCapture', channel: e.channel, checkpointId: id });
    return completeCapture(withInputs(ctx, settled(inputs, id)), id, e.now, emit);
  }
  if (inputs.timer !== null) emit({ kind: 'cancelTimer', timer: inputs.timer });
  const pending = inputs.barrier as PendingBarrier;
  const next = startCheckpoint(withInputs(ctx, settled(inputs, id)), {
    checkpointId: id,
    timestamp: pending.timestamp,
    options: pending.options,
    now: e.now,
    alignmentMs: Math.max(0, e.now - inputs.firstBarrierAt),
    unaligned: false,
  }, emit);
  unblockReceived(ctx, inputs, emit);
  return next;
}

/**
 * Aborts the pending checkpoint: release its channels, decline it and tell downstream.
 * @param ctx - the context (a checkpoint is pending).
 * @param reason - why.
 * @param emit - receives the commands.
 */
export function abortPending(ctx: TaskContext, reason: DeclineReason, emit: Emit): TaskContext {
  release(ctx, emit);
  const id = ctx.inputs.currentId;
  return abortOnBarrier(withInputs(ctx, settled(ctx.inputs, id)), id, reason, emit);
}

/**
 * A barrier of a newer checkpoint while one is pending: the pending one is subsumed
 * (`CHECKPOINT_DECLINED_SUBSUMED`), then the barrier starts the newer one.
 * @param ctx - the context.
 * @param e - the barrier event.
 * @param mode - from {@link firstBarrierMode}.
 * @param emit - receives the commands.
 */
export function newerBarrier(ctx: TaskContext, e: BarrierEvent, mode: FirstBarrierMode, emit: Emit): TaskContext {
  const base = isPending(ctx.inputs) ? abortPending(ctx, 'CHECKPOINT_DECLINED_SUBSUMED', emit) : ctx;
  return firstBarrier(base, e, mode, emit);
}

/**
 * Aligned with timeout: the alignment took too long (timer, or a late barrier on `channel`):
 * trigger the checkpoint unaligned now, capture the in-flight data of the channels still to
 * deliver, and unblock the blocked ones.
 * @param ctx - the context (an aligned checkpoint is pending).
 * @param now - the time.
 * @param channel - the channel whose late barrier caused the switch, or null for the timer.
 * @param emit - receives the commands.
 */
export function switchToUnaligned(ctx: TaskContext, now: number, channel: number | null, emit: Emit): TaskContext {
  const inputs = ctx.inputs;
  const id = inputs.currentId;
  const pending = inputs.barrier as PendingBarrier;
  // The timer that fired needs no cancel; a late barrier cancels the armed one.
  if (inputs.timer !== null && channel !== null) emit({ kind: 'cancelTimer', timer: inputs.timer });
  const received = channel === null ? inputs.received : inputs.received.set(channel, true);
  const switched = copyInputs(inputs);
  switched.received = received;
  switched.unaligned = true;
  switched.timer = null;
  captureRemaining(ctx, switched, id, emit);
  const next = startCheckpoint(withInputs(ctx, switched), {
    checkpointId: id,
    timestamp: pending.timestamp,
    options: pending.options,
    now,
    alignmentMs: Math.max(0, now - inputs.firstBarrierAt),
    unaligned: true,
    capturing: true,
  }, emit);
  unblockReceived(ctx, inputs, emit);
  return next;
}

/**
 * Whether a cancel marker for `checkpointId` aborts something: a newer id, or the pending one.
 * @param inputs - the input state.
 * @param checkpointId - the marker's checkpoint.
 */
export function cancelMarkerAborts(inputs: InputState, checkpointId: CheckpointId): boolean {
  return checkpointId > inputs.currentId || (checkpointId === inputs.currentId && isPending(inputs));
}

/**
 * A cancel marker that aborts (see {@link cancelMarkerAborts}): a pending older checkpoint is
 * subsumed, then the marked one is declined with `CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER`;
 * later barriers of it are obsolete.
 * @param ctx - the context.
 * @param e - the cancel marker event.
 * @param emit - receives the commands.
 */
export function cancelMarker(ctx: TaskContext, e: CancelMarkerEvent, emit: Emit): TaskContext {
  const id = e.marker.checkpointId;
  if (isPending(ctx.inputs)) {
    if (ctx.inputs.currentId === id) return abortPending(ctx, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER', emit);
    ctx = abortPending(ctx, 'CHECKPOINT_DECLINED_SUBSUMED', emit);
  }
  return abortOnBarrier(withInputs(ctx, settled(ctx.inputs, id)), id, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER', emit);
}

/**
 * A channel ended: one open channel less; a pending checkpoint is aborted with
 * `CHECKPOINT_DECLINED_INPUT_END_OF_STREAM`.
 * @param ctx - the context.
 * @param e - the end-of-partition event.
 * @param emit - receives the commands.
 */
export function endOfPartition(ctx: TaskContext, e: EndOfPartitionEvent, emit: Emit): TaskContext {
  // Abort first, while the channel still counts as open: its capture (unaligned) ends too.
  const base = isPending(ctx.inputs) ? abortPending(ctx, 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM', emit) : ctx;
  const inputs = copyInputs(base.inputs);
  inputs.openChannels--;
  inputs.closed = inputs.closed.set(e.channel, true);
  return withInputs(base, inputs);
}

/**
 * Whether timer `timer` is the armed alignment timer of the pending checkpoint (else it is stale).
 * @param inputs - the input state.
 * @param timer - the fired timer.
 */
export function alignmentTimerLive(inputs: InputState, timer: string): boolean {
  return inputs.timer !== null && inputs.timer === timer && isPending(inputs) && !inputs.unaligned;
}
