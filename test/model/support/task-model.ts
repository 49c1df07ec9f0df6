/**
 * The task machine as a test model: task configurations, the concrete events offered in each
 * snapshot, and the snapshot key.
 *
 * The snapshot space is finite: checkpoint ids up to a small maximum, two instants (`NOW` and
 * `LATE`, after the alignment timeout of the barriers that carry one). The key is the whole
 * canonical snapshot. A synchronous part runs within the step that starts the snapshot; its
 * failure (`snapshot.syncFailed`) is offered for every snapshot in progress: right after the start
 * the runtime reports it itself, later only the actor can get it (a stale report).
 * @packageDocumentation
 */
import { transition } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import type { CheckpointOptions } from '../../../spec/index.js';
import { taskMachine } from '../../../machines/task/index.js';
import type { StreamBatchItem, TaskCommand, TaskEvent, TaskInput, TaskStreamEvent } from '../../../machines/task/index.js';
import { commandsOf } from '../../../machines/effects.js';
import { canonical } from '../../support/canonical.js';

/** The machine's snapshot. */
export type TaskSnapshot = SnapshotFrom<typeof taskMachine>;

/** The time of every event, except late ones. */
export const NOW = 1000;
/** A time after the alignment timeout of barriers stamped {@link NOW}. */
export const LATE = 1100;
/** The aligned-checkpoint timeout barriers of the alternating model carry. */
export const ALIGNMENT_TIMEOUT = 10;
/** The message of a failing synchronous part (the runtime's port throws it). */
export const SYNC_FAILURE = 'sync failed';
/** The message of a failing asynchronous part. */
export const ASYNC_FAILURE = 'upload failed';
/** The job of the task models. */
export const JOB = 'model-job';
/** The task of the task models. */
export const TASK = 'op#0';

/** Groups of events a model offers. */
export type TaskEventGroup = 'heartbeats' | 'epochs' | 'lifecycle' | 'triggers' | 'savepoints' | 'notify' | 'snapshots' | 'barriers' | 'markers' | 'endOfPartition' | 'timers' | 'batches' | 'batchPairs' | 'invalid';

/** A model: a task attempt and the events it is offered. */
export interface TaskModelConfig {
  /** Its name in reports. */
  readonly name: string;
  /** The attempt. */
  readonly input: TaskInput;
  /** The largest checkpoint id offered. */
  readonly maxId: number;
  /** The options of the barriers (and triggers) offered. */
  readonly options: readonly CheckpointOptions[];
  /** The events offered. */
  readonly alphabet: ReadonlySet<TaskEventGroup>;
}

const ALIGNED: CheckpointOptions = { snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 };
const UNALIGNED: CheckpointOptions = { snapshot: 'checkpoint', alignment: 'unaligned', alignedCheckpointTimeoutMs: 0 };
const WITH_TIMEOUT: CheckpointOptions = { snapshot: 'checkpoint', alignment: 'aligned', alignedCheckpointTimeoutMs: ALIGNMENT_TIMEOUT };
const AT_LEAST_ONCE: CheckpointOptions = { snapshot: 'checkpoint', alignment: 'at-least-once', alignedCheckpointTimeoutMs: 0 };
const SAVEPOINT: CheckpointOptions = { snapshot: 'savepoint', alignment: 'aligned', alignedCheckpointTimeoutMs: 0 };
const stop = (syncMode: 'suspend' | 'terminate'): CheckpointOptions => ({ snapshot: 'sync-savepoint', syncMode, alignment: 'aligned', alignedCheckpointTimeoutMs: 0 });

const base = { jobId: JOB, taskId: TASK, attempt: 0 } as const;

/** The models explored: together they reach every state node and every reachable transition. */
export const TASK_MODELS: readonly TaskModelConfig[] = [
  {
    // A two-phase-commit source: lifecycle, triggers, savepoints and stop-with-savepoint, the
    // snapshot's answers, notifications (commits), and every input each state must reject.
    name: 'source sink',
    input: { ...base, inputChannels: 0, twoPhaseCommitSink: true },
    maxId: 2,
    options: [ALIGNED],
    alphabet: new Set(['lifecycle', 'triggers', 'savepoints', 'notify', 'snapshots', 'invalid']),
  },
  {
    // Heartbeats from deployment to the end of the attempt; coordinator messages of a newer
    // leader epoch adopted, of an older one rejected (stale-epoch).
    name: 'heartbeats and leader epochs',
    input: { ...base, inputChannels: 0, heartbeatInterval: 100 },
    maxId: 2,
    options: [ALIGNED],
    alphabet: new Set(['lifecycle', 'triggers', 'heartbeats', 'epochs']),
  },
  {
    // A source that finishes without waiting for a final checkpoint.
    name: 'source without final checkpoint',
    input: { ...base, inputChannels: 0, awaitFinalCheckpoint: false },
    maxId: 1,
    options: [ALIGNED],
    alphabet: new Set(['lifecycle', 'triggers']),
  },
  {
    // Exactly-once, aligned only, three channels: blocking, aligning, cancel markers, channels
    // ending (then triggered like a source), batches.
    name: 'aligned',
    input: { ...base, inputChannels: 3 },
    maxId: 2,
    options: [ALIGNED],
    alphabet: new Set(['barriers', 'markers', 'endOfPartition', 'triggers', 'batches', 'batchPairs', 'invalid']),
  },
  {
    // A stop-with-savepoint reaching a task with inputs through its barriers: triggers are refused
    // while its inputs are open.
    name: 'aligned stop-with-savepoint',
    input: { ...base, inputChannels: 2 },
    maxId: 2,
    options: [stop('suspend')],
    alphabet: new Set(['barriers', 'triggers']),
  },
  {
    // Exactly-once with unaligned checkpoints, three channels: unaligned barriers, aligned ones
    // with a timeout that switch on a late barrier or on the timer, batches.
    name: 'alternating',
    input: { ...base, inputChannels: 3, alignment: { mode: 'exactly-once', unaligned: true } },
    maxId: 2,
    options: [UNALIGNED, WITH_TIMEOUT],
    alphabet: new Set(['barriers', 'markers', 'endOfPartition', 'timers', 'batches', 'invalid']),
  },
  {
    // At-least-once, two channels: barriers counted, never blocking; batches; the attempt ending.
    name: 'at-least-once',
    input: { ...base, inputChannels: 2, alignment: { mode: 'at-least-once', unaligned: false } },
    maxId: 2,
    options: [AT_LEAST_ONCE],
    alphabet: new Set(['barriers', 'markers', 'endOfPartition', 'batches', 'batchPairs', 'lifecycle', 'invalid']),
  },
];

/**
 * The key of a snapshot: its value and canonical context (the configuration excluded: constant).
 * @param snapshot - the snapshot.
 */
export function taskKeyOf(snapshot: TaskSnapshot): string {
  const { config: _config, ...rest } = snapshot.context;
  return canonical({ value: snapshot.value, context: rest });
}

const control = (checkpointId: number) => ({ jobId: JOB, taskId: TASK, attempt: 0, checkpointId, now: NOW }) as const;

const item = (e: TaskStreamEvent): StreamBatchItem => {
  switch (e.type) {
    case 'stream.barrier':
      return { channel: e.channel, event: e.barrier };
    case 'stream.cancelMarker':
      return { channel: e.channel, event: e.marker };
    case 'stream.endOfPartition':
      return { channel: e.channel, event: { type: 'endOfPartition' } };
    case 'stream.announcement':
      return { channel: e.channel, event: e.announcement };
  }
};

/**
 * The events a model offers, as a function of the snapshot. Inputs that every state must reject
 * without a change are offered in the first snapshot of each state value the traversal meets
 * (they are self-loops: offering them everywhere would only multiply the edges).
 * @param model - the model.
 */
export function taskEventsFor(model: TaskModelConfig): (snapshot: TaskSnapshot) => TaskEvent[] {
  const firstOfValue = new Map<string, string>();
  return (snapshot) => {
    const value = JSON.stringify(snapshot.value);
    const key = taskKeyOf(snapshot);
    if (!firstOfValue.has(value)) firstOfValue.set(value, key);
    return taskEventsOf(model, snapshot, firstOfValue.get(value) === key);
  };
}

/**
 * The events a model offers in `snapshot`.
 * @param model - the model.
 * @param snapshot - the snapshot.
 * @param rejections - whether to offer the inputs that must be rejected.
 */
export function taskEventsOf(model: TaskModelConfig, snapshot: TaskSnapshot, rejections: boolean): TaskEvent[] {
  const on = (g: TaskEventGroup) => model.alphabet.has(g);
  const ctx = snapshot.context;
  const snapshots = ctx.snapshots.toJSON();
  const value = snapshot.value as { lifecycle: string | { finishing: string }; barriers: string | Record<string, string> };
  const lifecycle = typeof value.lifecycle === 'string' ? value.lifecycle : 'finishing';
  const ended = lifecycle === 'finished' || lifecycle === 'failed' || lifecycle === 'canceled';
  const events: TaskEvent[] = [];
  const inputs = ctx.inputs;
  const nextId = Math.max(0, ctx.lastStartedId, inputs.currentId, inputs.latestTrackedId) + 1;
  const fresh = nextId <= model.maxId;

  if (lifecycle === 'deploying') events.push({ type: 'task.start', now: NOW });
  if (lifecycle === 'initializing') events.push({ type: 'task.initialized', now: NOW });
  if (on('lifecycle')) {
    if (lifecycle === 'running') events.push({ type: 'task.endOfInput', now: NOW });
    events.push({ type: 'task.fail', message: 'boom', now: NOW }, { type: 'task.cancel', now: NOW });
  }
  if (on('triggers') && fresh) events.push({ type: 'triggerCheckpoint', ...control(nextId), timestamp: NOW, options: model.options[0] as CheckpointOptions });
  if (on('heartbeats')) events.push({ type: 'timer.fired', timer: 'heartbeat', now: NOW });
  if (on('epochs') && fresh && ctx.leaderEpoch < 2) events.push({ type: 'triggerCheckpoint', ...control(nextId), timestamp: NOW, options: model.options[0] as CheckpointOptions, leaderEpoch: ctx.leaderEpoch + 1 });
  if (on('epochs') && ctx.leaderEpoch > 0 && ctx.lastStartedId >= 1) {
    events.push({ type: 'notifyCheckpointComplete', ...control(ctx.lastStartedId), timestamp: NOW, lastSubsumedCheckpointId: -1, leaderEpoch: ctx.leaderEpoch - 1 });
  }
  if (on('savepoints') && fresh && !ended) {
    for (const options of [SAVEPOINT, stop('suspend'), stop('terminate')]) events.push({ type: 'triggerCheckpoint', ...control(nextId), timestamp: NOW, options });
  }
  if (on('notify') && !ended) {
    for (let id = 1; id <= ctx.lastStartedId; id++) events.push({ type: 'notifyCheckpointComplete', ...control(id), timestamp: NOW, lastSubsumedCheckpointId: -1 });
    const aborted = new Set<number>(snapshots.map(([id]) => id));
    if (fresh) aborted.add(nextId);
    if (ctx.syncSavepointId > 0) aborted.add(ctx.syncSavepointId);
    for (const id of aborted) events.push({ type: 'notifyCheckpointAborted', ...control(id), timestamp: NOW, latestCompletedCheckpointId: -1 });
    // An abort that carries the latest completed checkpoint (the catch-up).
    if (ctx.lastStartedId >= 1 && fresh) events.push({ type: 'notifyCheckpointAborted', ...control(nextId), timestamp: NOW, latestCompletedCheckpointId: ctx.lastStartedId });
  }
  if (on('snapshots')) {
    for (const [checkpointId, r] of snapshots) {
      events.push({ type: 'snapshot.syncFailed', checkpointId, message: SYNC_FAILURE, now: NOW });
      if (r.phase !== 'async') continue;
      events.push({ type: 'snapshot.asyncCompleted', checkpointId, state: { key: `${TASK}/chk-${checkpointId}`, sizeBytes: 100 }, now: NOW });
      events.push({ type: 'snapshot.asyncFailed', checkpointId, message: ASYNC_FAILURE, now: NOW });
    }
  }

  // In-band events: barriers of the pending, the next and an obsolete checkpoint on every channel
  // that may deliver; a cancel marker and an end of partition on the first channel that may.
  const n = model.input.inputChannels;
  const atLeastOnce = model.input.alignment?.mode === 'at-least-once';
  const pending = inputs.currentId >= 1 && inputs.currentId !== inputs.lastCancelledOrCompletedId;
  const stream: TaskStreamEvent[] = [];
  let firstOpen = true;
  for (let ch = 0; ch < n; ch++) {
    if (inputs.closed.has(ch)) continue;
    if (pending && inputs.received.has(ch) && !inputs.unaligned) continue; // blocked
    const ids = new Set<number>();
    if (pending && !inputs.received.has(ch)) ids.add(inputs.currentId);
    if (fresh) ids.add(nextId);
    if (atLeastOnce) for (const t of inputs.tracked) if (!t.channels.has(ch)) ids.add(t.checkpointId);
    const obsolete = pending ? inputs.currentId - 1 : inputs.currentId;
    if (obsolete >= 1) ids.add(obsolete);
    if (on('barriers')) {
      for (const id of ids) {
        for (const options of model.options) {
          stream.push({ type: 'stream.barrier', channel: ch, barrier: { type: 'barrier', checkpointId: id, timestamp: NOW, options }, now: NOW });
          if (options.alignedCheckpointTimeoutMs > 0) stream.push({ type: 'stream.barrier', channel: ch, barrier: { type: 'barrier', checkpointId: id, timestamp: NOW, options }, now: LATE });
        }
      }
    }
    if (firstOpen) {
      const markers = pending ? [inputs.currentId] : fresh ? [nextId] : [];
      if (on('markers')) for (const id of markers) stream.push({ type: 'stream.cancelMarker', channel: ch, marker: { type: 'cancelMarker', checkpointId: id }, now: NOW });
      if (on('endOfPartition')) stream.push({ type: 'stream.endOfPartition', channel: ch, now: NOW });
      if (value.barriers === 'idle') stream.push({ type: 'stream.announcement', channel: ch, announcement: { type: 'announcement', barrier: { type: 'barrier', checkpointId: 1, timestamp: NOW, options: ALIGNED }, sequence: 0 }, now: NOW });
    }
    firstOpen = false;
  }
  events.push(...stream);
  if (on('timers') && inputs.timer !== null) events.push({ type: 'timer.fired', timer: inputs.timer, now: LATE });

  if (on('batches') && n > 0) {
    // Batches (at most one event per channel): each in-band event alone, and pairs on two
    // channels; only those the machine applies whole (no rest handed back, which the runtime
    // would deliver on its own after the replies).
    const singles = stream.filter((e) => e.type !== 'stream.endOfPartition' && (e.type !== 'stream.barrier' || e.barrier.checkpointId >= Math.max(1, inputs.currentId)));
    const candidates: StreamBatchItem[][] = singles.map((e) => [item(e)]);
    if (on('batchPairs')) {
      for (let a = 0; a < stream.length; a++) {
        const b = stream.findIndex((e, k) => k > a && e.channel !== (stream[a] as TaskStreamEvent).channel);
        if (b >= 0) candidates.push([item(stream[a] as TaskStreamEvent), item(stream[b] as TaskStreamEvent)]);
      }
    }
    // A batch on ended channels (every one is then rejected by the input side, one by one).
    if (inputs.closed.size > 0) candidates.push(inputs.closed.toJSON().map(([ch]) => ({ channel: ch, event: { type: 'endOfPartition' } })));
    for (const events_ of candidates) {
      const batch: TaskEvent = { type: 'stream.batch', events: events_, now: NOW };
      const [, actions] = transition(taskMachine, snapshot, batch);
      if (!commandsOf<TaskCommand>(actions).some((c) => c.kind === 'continueBatch')) events.push(batch);
    }
  }

  if (on('invalid') && rejections) {
    // Inputs every state must reject without a change: a foreign coordinator message, stream
    // events on a channel that does not exist, a malformed port answer or lifecycle event.
    events.push({ type: 'triggerCheckpoint', ...control(1), jobId: 'other-job', timestamp: NOW, options: ALIGNED });
    events.push({ type: 'notifyCheckpointComplete', ...control(1), jobId: 'other-job', timestamp: NOW, lastSubsumedCheckpointId: -1 });
    events.push({ type: 'notifyCheckpointAborted', ...control(1), jobId: 'other-job', timestamp: NOW, latestCompletedCheckpointId: -1 });
    events.push({ type: 'stream.barrier', channel: n, barrier: { type: 'barrier', checkpointId: 1, timestamp: NOW, options: ALIGNED }, now: NOW });
    events.push({ type: 'stream.cancelMarker', channel: n, marker: { type: 'cancelMarker', checkpointId: 1 }, now: NOW });
    events.push({ type: 'stream.endOfPartition', channel: n, now: NOW });
    events.push({ type: 'stream.announcement', channel: n, announcement: { type: 'announcement', barrier: { type: 'barrier', checkpointId: 1, timestamp: NOW, options: ALIGNED }, sequence: 0 }, now: NOW });
    if (n > 0) events.push({ type: 'stream.batch', events: [{ channel: 0, event: { type: 'endOfPartition' } }, { channel: 0, event: { type: 'endOfPartition' } }], now: NOW });
    events.push({ type: 'timer.fired', timer: 42 as unknown as string, now: NOW });
    events.push({ type: 'snapshot.syncFailed', checkpointId: 0, message: SYNC_FAILURE, now: NOW });
    events.push({ type: 'snapshot.asyncCompleted', checkpointId: 0, state: null, now: NOW });
    events.push({ type: 'snapshot.asyncFailed', checkpointId: 0, message: ASYNC_FAILURE, now: NOW });
    for (const type of ['task.start', 'task.initialized', 'task.endOfInput', 'task.cancel'] as const) events.push({ type, now: -1 });
    events.push({ type: 'task.fail', message: 7 as unknown as string, now: NOW });
    // Valid inputs a state refuses: a second start, an initialization or end of input out of turn.
    events.push({ type: 'task.start', now: NOW }, { type: 'task.initialized', now: NOW }, { type: 'task.endOfInput', now: NOW });
    // Stale answers: of a snapshot that is not in that part; a timer no longer armed.
    events.push({ type: 'snapshot.syncFailed', checkpointId: 1, message: SYNC_FAILURE, now: NOW });
    events.push({ type: 'timer.fired', timer: 'alignment:1', now: LATE });
  }
  return dedupe(events);
}

function dedupe(events: TaskEvent[]): TaskEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    const k = JSON.stringify(e);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
