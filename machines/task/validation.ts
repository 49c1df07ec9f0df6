/**
 * Validation of the task's input (fails fast with a `ConfigError`) and of every event
 * (a typed {@link Rejection}; a rejected event changes nothing).
 * @packageDocumentation
 */
import { ConfigError } from '../../spec/errors.js';
import type { Rejection, RejectionCode } from '../../spec/errors.js';
import { isAttempt, isCheckpointId } from '../../spec/ids.js';
import type { StreamEvent } from '../../spec/stream-events.js';
import { checkStreamEvent, validateControlMessage } from '../../spec/validate.js';
import type { StreamBatchEvent, StreamBatchItem, TaskControlEvent, TaskEvent, TaskStreamEvent } from './events.js';
import type { InputState, PendingTransaction, TaskConfig, TaskContext, TaskInput, TaskRestore } from './types.js';

/** The most input channels a task may have. */
export const MAX_INPUT_CHANNELS = 65_536;

/**
 * A rejection value.
 * @param code - the kind of rejection.
 * @param path - where in the event the problem is.
 * @param message - what is wrong.
 */
export function rejection(code: RejectionCode, path: string, message: string): Rejection {
  return { code, path, message };
}

const isTime = (v: unknown): boolean => Number.isFinite(v) && (v as number) >= 0;
const isText = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

/**
 * The structural check of an in-band event carried in field `field` of a machine event: the
 * protocol's compiled validator (the one the runtime runs on the wire), its path re-rooted at
 * the field. Allocates nothing when the event is valid.
 */
function carriedProblem(value: unknown, type: StreamEvent['type'], field: string): Rejection | null {
  const problem = checkStreamEvent(value);
  if (problem !== null) return rejection(problem.code, `$.${field}${problem.path.slice(1)}`, problem.message);
  return (value as StreamEvent).type === type ? null : rejection('malformed', `$.${field}.type`, `must be ${type}`);
}

/**
 * Whether a checkpoint is pending at the exactly-once barrier handler.
 * @param inputs - the input state.
 */
export function isPending(inputs: InputState): boolean {
  return inputs.currentId >= 1 && inputs.currentId !== inputs.lastCancelledOrCompletedId;
}

function streamRejection(ctx: TaskContext, e: TaskStreamEvent): Rejection | null {
  const c = e.channel;
  if (!Number.isInteger(c) || c < 0 || c >= ctx.config.inputChannels) {
    return rejection('malformed', '$.channel', `must be an input channel index in [0, ${ctx.config.inputChannels})`);
  }
  if (!isTime(e.now)) return rejection('malformed', '$.now', 'must be a non-negative number');
  const inputs = ctx.inputs;
  if (inputs.closed.has(c)) return rejection('invalid-request', '$.channel', `channel ${c} already ended`);
  const delivered = isPending(inputs) && inputs.received.has(c);
  if (delivered && !inputs.unaligned) return rejection('invalid-request', '$.channel', `channel ${c} is blocked by the alignment of checkpoint ${inputs.currentId}`);
  switch (e.type) {
    case 'stream.barrier': {
      const problem = carriedProblem(e.barrier, 'barrier', 'barrier');
      if (problem) return problem;
      if (delivered && e.barrier.checkpointId === inputs.currentId) {
        return rejection('invalid-request', '$.barrier.checkpointId', `channel ${c} already delivered the barrier of checkpoint ${inputs.currentId}`);
      }
      return null;
    }
    case 'stream.cancelMarker':
      return carriedProblem(e.marker, 'cancelMarker', 'marker');
    case 'stream.announcement':
      return carriedProblem(e.announcement, 'announcement', 'announcement');
    case 'stream.endOfPartition':
      return null;
  }
}

/** The machine event of each in-band event type. */
const STREAM_EVENT_TYPES: Readonly<Record<string, TaskStreamEvent['type']>> = {
  barrier: 'stream.barrier',
  cancelMarker: 'stream.cancelMarker',
  endOfPartition: 'stream.endOfPartition',
  announcement: 'stream.announcement',
};

/**
 * Whether `events[i]`'s channel already appeared before it (channels out of range aside: those
 * are rejected one by one). Small batches compare pairwise, larger ones use a set.
 */
function repeatsChannel(events: readonly StreamBatchItem[], i: number, channels: number, set: Set<number> | null): boolean {
  const c = (events[i] as StreamBatchItem).channel;
  if (!Number.isInteger(c) || c < 0 || c >= channels) return false;
  if (set !== null) {
    if (set.has(c)) return true;
    set.add(c);
    return false;
  }
  for (let j = 0; j < i; j++) if ((events[j] as StreamBatchItem).channel === c) return true;
  return false;
}

/**
 * Why a `stream.batch` is rejected as a whole, or null. Each event of an accepted batch is then
 * checked as the single event it stands for, when the batch applies it.
 */
function batchRejection(ctx: TaskContext, e: StreamBatchEvent): Rejection | null {
  if (!isTime(e.now)) return rejection('malformed', '$.now', 'must be a non-negative number');
  const events: unknown = e.events;
  if (!Array.isArray(events)) return rejection('malformed', '$.events', 'must be an array of { channel, event }');
  const set = events.length > 32 ? new Set<number>() : null;
  for (let i = 0; i < events.length; i++) {
    const item = events[i] as StreamBatchItem | null | undefined;
    if (item === null || typeof item !== 'object') return rejection('malformed', `$.events[${i}]`, 'must be an object { channel, event }');
    const event = item.event as { type?: unknown } | null | undefined;
    if (event === null || typeof event !== 'object' || typeof event.type !== 'string' || !Object.hasOwn(STREAM_EVENT_TYPES, event.type)) {
      return rejection('malformed', `$.events[${i}].event.type`, 'must be barrier, cancelMarker, endOfPartition or announcement');
    }
    if (repeatsChannel(events as StreamBatchItem[], i, ctx.config.inputChannels, set)) {
      return rejection('invalid-request', `$.events[${i}].channel`, `channel ${item.channel} delivers twice in one batch; a batch takes at most one event per channel`);
    }
  }
  return null;
}

function controlRejection(ctx: TaskContext, e: TaskControlEvent): Rejection | null {
  const config = ctx.config;
  const { now, ...message } = e;
  if (!isTime(now)) return rejection('malformed', '$.now', 'must be a non-negative number');
  const valid = validateControlMessage(message);
  if (!valid.ok) return valid.rejection;
  if (message.jobId !== config.jobId) return rejection('wrong-job', '$.jobId', `task ${config.taskId} belongs to job ${config.jobId}, not ${message.jobId}`);
  if (message.taskId !== config.taskId) return rejection('unknown-task', '$.taskId', `this is task ${config.taskId}, not ${message.taskId}`);
  if (message.attempt !== config.attempt) {
    const age = message.attempt < config.attempt ? 'an older' : 'a newer';
    return rejection('stale-attempt', '$.attempt', `message for ${age} attempt ${message.attempt} of ${config.taskId}; this is attempt ${config.attempt}`);
  }
  const epoch = message.leaderEpoch ?? 0;
  if (epoch < ctx.leaderEpoch) return rejection('stale-epoch', '$.leaderEpoch', `leader epoch ${epoch} was deposed: this attempt already heard from epoch ${ctx.leaderEpoch}`);
  return null;
}

/**
 * Why an event is rejected in this context, or null when it is acceptable. Checks structure,
 * identity (job, task, attempt) and channel state; state-specific rules are the machine's.
 * @param ctx - the machine's context.
 * @param e - the event.
 */
export function eventRejection(ctx: TaskContext, e: TaskEvent): Rejection | null {
  switch (e.type) {
    case 'stream.barrier':
    case 'stream.cancelMarker':
    case 'stream.endOfPartition':
    case 'stream.announcement':
      return streamRejection(ctx, e);
    case 'stream.batch':
      return batchRejection(ctx, e);
    case 'triggerCheckpoint':
    case 'notifyCheckpointComplete':
    case 'notifyCheckpointAborted':
      return controlRejection(ctx, e);
    default:
      break;
  }
  if (!isTime(e.now)) return rejection('malformed', '$.now', 'must be a non-negative number');
  switch (e.type) {
    case 'snapshot.syncFailed':
    case 'snapshot.asyncCompleted':
    case 'snapshot.asyncFailed':
      if (!isCheckpointId(e.checkpointId)) return rejection('malformed', '$.checkpointId', 'must be a positive safe integer');
      if ((e.type === 'snapshot.syncFailed' || e.type === 'snapshot.asyncFailed') && typeof e.message !== 'string') return rejection('malformed', '$.message', 'must be a string');
      if (e.type === 'snapshot.asyncCompleted' && e.state !== null && (typeof e.state !== 'object' || !isText(e.state.key) || !isTime(e.state.sizeBytes))) {
        return rejection('malformed', '$.state', 'must be null or a state handle');
      }
      if (e.type === 'snapshot.asyncCompleted' && e.syncDurationMs !== undefined && !isTime(e.syncDurationMs)) {
        return rejection('malformed', '$.syncDurationMs', 'must be a non-negative number');
      }
      return null;
    case 'timer.fired':
      return typeof e.timer === 'string' ? null : rejection('malformed', '$.timer', 'must be a timer id');
    case 'task.fail':
      return typeof e.message === 'string' ? null : rejection('malformed', '$.message', 'must be a string');
    default:
      return null;
  }
}

function restoreProblem(r: TaskRestore, sink: boolean): ConfigError | null {
  if (r === null || typeof r !== 'object') return new ConfigError('restore', 'must be an object or null');
  if (!isCheckpointId(r.checkpointId)) return new ConfigError('restore.checkpointId', 'must be a positive safe integer');
  if (r.state !== null && (typeof r.state !== 'object' || !isText(r.state.key) || !isTime(r.state.sizeBytes))) {
    return new ConfigError('restore.state', 'must be null or a state handle');
  }
  const t = r.transactions;
  if (t === undefined || t === null) return null;
  if (!sink) return new ConfigError('restore.transactions', 'only a two-phase-commit sink restores transactions');
  if (t.openTransaction !== null && !isText(t.openTransaction)) return new ConfigError('restore.transactions.openTransaction', 'must be null or a transaction id');
  if (!Array.isArray(t.pendingTransactions)) return new ConfigError('restore.transactions.pendingTransactions', 'must be an array');
  let last = 0;
  for (const p of t.pendingTransactions as readonly PendingTransaction[]) {
    if (!isCheckpointId(p?.checkpointId) || p.checkpointId <= last || p.checkpointId > r.checkpointId || !isText(p.transactionId)) {
      return new ConfigError('restore.transactions.pendingTransactions', 'must hold transactions of distinct checkpoints, ascending, at most the restored one');
    }
    last = p.checkpointId;
  }
  return null;
}

/**
 * Completes a task input with its defaults and checks it.
 * @param input - the input.
 * @returns the configuration kept in the context.
 * @throws a `ConfigError` naming the first bad field.
 */
export function resolveTaskConfig(input: TaskInput): TaskConfig {
  if (input === null || typeof input !== 'object') throw new ConfigError('input', 'must be an object');
  if (!isText(input.jobId)) throw new ConfigError('jobId', 'must be a non-empty string');
  if (!isText(input.taskId)) throw new ConfigError('taskId', 'must be a non-empty string');
  if (!isAttempt(input.attempt)) throw new ConfigError('attempt', 'must be a non-negative safe integer');
  const n = input.inputChannels;
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_INPUT_CHANNELS) throw new ConfigError('inputChannels', `must be an integer in [0, ${MAX_INPUT_CHANNELS}] (0 for a source)`);
  const alignment = input.alignment ?? { mode: 'exactly-once', unaligned: false };
  if (alignment.mode !== 'exactly-once' && alignment.mode !== 'at-least-once') throw new ConfigError('alignment.mode', "must be 'exactly-once' or 'at-least-once'");
  if (typeof alignment.unaligned !== 'boolean') throw new ConfigError('alignment.unaligned', 'must be a boolean');
  if (alignment.unaligned && alignment.mode !== 'exactly-once') throw new ConfigError('alignment.unaligned', 'needs exactly-once mode');
  const sink = input.twoPhaseCommitSink ?? false;
  if (typeof sink !== 'boolean') throw new ConfigError('twoPhaseCommitSink', 'must be a boolean');
  const awaitFinal = input.awaitFinalCheckpoint ?? true;
  if (typeof awaitFinal !== 'boolean') throw new ConfigError('awaitFinalCheckpoint', 'must be a boolean');
  const heartbeatInterval = input.heartbeatInterval ?? 0;
  if (!Number.isFinite(heartbeatInterval) || heartbeatInterval < 0) {
    throw new ConfigError('heartbeatInterval', `must be a non-negative number of milliseconds, got ${String(heartbeatInterval)}`);
  }
  const restore = input.restore ?? null;
  if (restore !== null) {
    const problem = restoreProblem(restore, sink);
    if (problem) throw problem;
  }
  return {
    jobId: input.jobId,
    taskId: input.taskId,
    attempt: input.attempt,
    inputChannels: n,
    alignment: { mode: alignment.mode, unaligned: alignment.unaligned },
    twoPhaseCommitSink: sink,
    awaitFinalCheckpoint: awaitFinal,
    restore,
    heartbeatInterval,
  };
}
