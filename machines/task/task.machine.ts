/**
 * The task machine: one task attempt as an XState v5 statechart. Pure: time comes with the
 * events, timers are commands, every effect leaves through the single `commands` action
 * (one per step, its commands in order).
 *
 * Two parallel regions:
 * - `lifecycle`: deploying → initializing → running → finishing (awaiting the final checkpoint,
 *   or stopping with a savepoint) → finished | failed | canceled; owns the coordinator messages,
 *   the snapshot answers and the lifecycle events.
 * - `barriers`: the input side; idle until the task runs, then one handler chosen by the input:
 *   triggered by the coordinator (sources), aligned, alternating (unaligned / aligned with
 *   timeout) or at-least-once; inputsEnded once every channel ended; stopped when the attempt
 *   ended. Owns the stream events and the alignment timer. Its transitions for in-band events
 *   are built from {@link STREAM_TRANSITIONS}, the table the batch fold walks too.
 *
 * Every handler first rejects invalid input (guard `invalid`, action `reject`): the snapshot is
 * then unchanged (same value, same context) and the only action is a `rejected` command.
 *
 * `stream.batch` carries several in-band events at once and behaves exactly as them one by one
 * (see `stream-batch.ts`): one XState event and one context assignment for the lot. The
 * exactly-once handler's states have eventless transitions to the state their context says;
 * a single event never takes them (its own transitions keep state and context in step), a batch
 * that crossed states lands with them.
 * @packageDocumentation
 */
import { and, enqueueActions, not, setup, stateIn } from 'xstate';
import { PersistentMap } from '../_internals/persistent-map.js';
import { initialInputs } from './barrier-handler.js';
import type { TaskCommand } from './commands.js';
import type { TaskEvent, TaskStreamEvent } from './events.js';
import { foldStreamBatch, STREAM_TRANSITIONS } from './stream-batch.js';
import type { StreamCase, StreamCases, StreamHandler } from './stream-batch.js';
import { EFFECTS_ACTION } from '../effects.js';
import { taskGuards } from './task.guards.js';
import type { TaskGuardName } from './task.guards.js';
import { taskSteps } from './task.steps.js';
import type { TaskStep, TaskStepName } from './task.steps.js';
import type { TaskConfig, TaskContext, TaskInput } from './types.js';
import { resolveTaskConfig } from './validation.js';

/** The context after an accepted coordinator message of a newer leader epoch (the same context otherwise). */
function adoptEpoch(ctx: TaskContext, e: TaskEvent): TaskContext {
  const epoch = (e as { readonly leaderEpoch?: number }).leaderEpoch;
  return epoch !== undefined && epoch > ctx.leaderEpoch ? { ...ctx, leaderEpoch: epoch } : ctx;
}

/** Wraps a pure step: assigns its context and emits its commands, in order, as one `commands` action. */
function stepAction(step: TaskStep) {
  return enqueueActions<TaskContext, TaskEvent, undefined, TaskEvent, never, never, never, never, never>(({ context, event, enqueue }) => {
    const out: TaskCommand[] = [];
    const next = step(adoptEpoch(context, event), event, (c) => void out.push(c));
    if (next !== context) enqueue.assign(() => next);
    if (out.length > 0) enqueue({ type: EFFECTS_ACTION, params: out } as never);
  });
}

const stepActions = Object.fromEntries(Object.entries(taskSteps).map(([name, step]) => [name, stepAction(step)])) as {
  [K in TaskStepName]: ReturnType<typeof stepAction>;
};

const guards = Object.fromEntries(
  Object.entries(taskGuards).map(([name, guard]) => [name, ({ context, event }: { context: TaskContext; event: TaskEvent }) => guard(context, event)]),
) as { [K in TaskGuardName]: (args: { context: TaskContext; event: TaskEvent }) => boolean };

/**
 * The context of a new attempt.
 * @param config - the resolved configuration.
 */
export function initialTaskContext(config: TaskConfig): TaskContext {
  return {
    config,
    lastStartedId: -1,
    abortedBeforeStart: [],
    snapshots: PersistentMap.empty(),
    syncSavepointId: -1,
    syncSavepointDrains: false,
    finalCheckpointMinId: -1,
    latestCompletedId: -1,
    failure: null,
    inputs: initialInputs(config.inputChannels),
    sink: null,
    leaderEpoch: 0,
  };
}

/** Rejects invalid input first in every handler. */
const REJECT = { guard: 'invalid', actions: 'reject' } as const;

/** Rejects a valid event the current state cannot take (`invalid-request`). */
const refuse = (message: string) =>
  ({
    actions: stepAction((ctx, e, emit) => {
      emit({ kind: 'rejected', eventType: e.type, rejection: { code: 'invalid-request', path: '$', message } });
      return ctx;
    }),
  }) as const;

/** Targets ending the attempt: the lifecycle state, and the input side stops. */
const END = {
  finished: ['#task.lifecycle.finished', '#task.barriers.stopped'],
  failed: ['#task.lifecycle.failed', '#task.barriers.stopped'],
  canceled: ['#task.lifecycle.canceled', '#task.barriers.stopped'],
} as const;

const running = stateIn('#task.lifecycle.running');

/** Coordinator messages while the task runs or finishes. */
const ACTIVE_ON = {
  triggerCheckpoint: [REJECT, { guard: 'hasOpenInputs', ...refuse('a task with open inputs starts checkpoints on barriers, not on triggers') }, { actions: 'startTriggered' }],
  notifyCheckpointComplete: [REJECT, { guard: 'completionFinishes', target: END.finished, actions: 'notifyComplete' }, { actions: 'notifyComplete' }],
  notifyCheckpointAborted: [
    REJECT,
    { guard: 'catchUpFinishes', target: END.finished, actions: 'catchUp' },
    { guard: 'abortsSyncSavepoint', target: END.failed, actions: 'catchUp' },
    { actions: 'notifyAborted' },
  ],
  'task.fail': [REJECT, { target: END.failed }],
  'task.cancel': [REJECT, { target: END.canceled }],
} as const;

/** Matches a valid event and does nothing (so no outer handler takes it). */
const IGNORE = { actions: [] } as const;

/** Once ended, valid messages are ignored, and triggers declined. */
const ENDED_ON = {
  triggerCheckpoint: [REJECT, { actions: 'declineEnded' }],
  'timer.fired': IGNORE,
  'task.fail': [REJECT, IGNORE],
  'task.cancel': [REJECT, IGNORE],
} as const;

/**
 * The `on` handlers of a state for the in-band events, from its {@link STREAM_TRANSITIONS} cases:
 * rejection first, then each case as a transition (the same table the batch fold walks).
 */
function streamOn(cases: StreamCases) {
  type Transition = typeof REJECT | { readonly guard?: TaskGuardName; readonly target?: string; readonly actions: readonly TaskStepName[] };
  const on: Partial<Record<TaskStreamEvent['type'], readonly Transition[]>> = {};
  for (const [type, list] of Object.entries(cases) as Array<[TaskStreamEvent['type'], readonly StreamCase[]]>) {
    on[type] = [REJECT, ...list.map((c): Transition => ({ ...(c.guard ? { guard: c.guard } : {}), ...(c.target ? { target: c.target } : {}), actions: c.step ? [c.step] : [] }))];
  }
  return on;
}

/**
 * Applies a `stream.batch` in `handler` (see {@link foldStreamBatch}): the commands of its events
 * in order, one context assignment for the whole batch, then the event the statechart must take
 * itself (raised) and the rest of the batch (`continueBatch`), if any.
 */
function streamBatch(handler: StreamHandler) {
  return enqueueActions<TaskContext, TaskEvent, undefined, TaskEvent, never, never, never, never, never>(({ context, event, enqueue }) => {
    if (event.type !== 'stream.batch') return;
    const out: TaskCommand[] = [];
    const r = foldStreamBatch(context, event, handler, (c) => void out.push(c));
    if (r.ctx !== context) enqueue.assign(() => r.ctx);
    if (r.rest !== null) out.push({ kind: 'continueBatch', events: r.rest, now: event.now });
    if (out.length > 0) enqueue({ type: EFFECTS_ACTION, params: out } as never);
    if (r.raise !== null) enqueue.raise(r.raise);
  });
}

/** The batch handler of each input-side state. */
const BATCH = {
  idle: { 'stream.batch': [REJECT, { actions: streamBatch('idle') }] },
  passive: { 'stream.batch': [REJECT, { actions: streamBatch('passive') }] },
  aligned: { 'stream.batch': [REJECT, { actions: streamBatch('aligned') }] },
  alternating: { 'stream.batch': [REJECT, { actions: streamBatch('alternating') }] },
  atLeastOnce: { 'stream.batch': [REJECT, { actions: streamBatch('atLeastOnce') }] },
} as const;

/** The task machine. Input: {@link TaskInput}. */
export const taskMachine = setup({
  types: {} as { context: TaskContext; events: TaskEvent; input: TaskInput },
  actions: {
    /** The single effect action; the runtime provides it. Params: the step's {@link TaskCommand}s, in order. */
    commands: (_args, _commands: readonly TaskCommand[]) => {},
    ...stepActions,
  },
  guards,
}).createMachine({
  id: 'task',
  type: 'parallel',
  /** The initial context, built from the input (which is checked: a bad input throws a ConfigError). */
  context: ({ input }) => initialTaskContext(resolveTaskConfig(input)),
  states: {
    lifecycle: {
      initial: 'deploying',
      on: {
        triggerCheckpoint: [REJECT],
        notifyCheckpointComplete: [REJECT],
        notifyCheckpointAborted: [REJECT],
        'snapshot.syncFailed': [REJECT, { guard: 'snapshotRunning', target: END.failed }],
        'snapshot.asyncCompleted': [REJECT, { actions: 'acknowledge' }],
        'snapshot.asyncFailed': [REJECT, { actions: 'failAsync' }],
        'task.start': [REJECT, refuse('the task already started')],
        'task.initialized': [REJECT, refuse('the task is not initializing')],
        'task.endOfInput': [REJECT, refuse('only a running task ends its input')],
        'task.fail': [REJECT, { target: END.failed }],
        'task.cancel': [REJECT, { target: END.canceled }],
        // Invalid firings are rejected by the input side, which handles every timer event.
        'timer.fired': { guard: 'heartbeatDue', actions: 'sendHeartbeat' },
      },
      states: {
        deploying: {
          description: 'Deployed, not started; triggers are declined as not ready.',
          entry: 'enterDeploying',
          on: {
            'task.start': [REJECT, { target: 'initializing' }],
            triggerCheckpoint: [REJECT, { actions: 'declineNotReady' }],
          },
        },
        initializing: {
          description: 'Restoring state; a two-phase-commit sink recovers and commits, aborts the restored open transaction, begins a new one.',
          entry: 'enterInitializing',
          on: {
            'task.initialized': [REJECT, { target: 'running' }],
            triggerCheckpoint: [REJECT, { actions: 'declineNotReady' }],
          },
        },
        running: {
          description: 'Processing input and taking part in checkpoints.',
          entry: 'enterRunning',
          always: [
            { guard: 'stoppingWithSavepoint', target: 'finishing.stoppingWithSavepoint' },
            { guard: 'allInputsEnded', target: 'finishing' },
          ],
          on: {
            ...ACTIVE_ON,
            'task.endOfInput': [
              REJECT,
              { guard: 'hasOpenInputs', ...refuse('the input of a task with input channels ends when every channel ended') },
              { target: 'finishing' },
            ],
          },
        },
        finishing: {
          description: 'Input ended or stop-with-savepoint began; finishes when the awaited checkpoint completes.',
          initial: 'awaitingFinalCheckpoint',
          on: ACTIVE_ON,
          states: {
            awaitingFinalCheckpoint: {
              description: 'Input ended: the next checkpoint is final (a sink pre-commits its last transaction and begins none).',
              entry: 'awaitFinalCheckpoint',
              always: [
                { guard: not('awaitsFinalCheckpoint'), target: END.finished },
                { guard: 'stoppingWithSavepoint', target: 'stoppingWithSavepoint' },
              ],
            },
            stoppingWithSavepoint: {
              description: 'A synchronous savepoint was taken: its completion finishes the task, its abort fails it.',
            },
          },
        },
        finished: { description: 'Ended normally.', entry: 'enterFinished', on: ENDED_ON },
        failed: { description: 'Ended by a failure.', entry: 'enterFailed', on: ENDED_ON },
        canceled: { description: 'Ended by cancellation.', entry: 'enterCanceled', on: ENDED_ON },
      },
    },
    barriers: {
      initial: 'idle',
      on: {
        'stream.barrier': [REJECT],
        'stream.cancelMarker': [REJECT],
        'stream.endOfPartition': [REJECT],
        'stream.announcement': [REJECT],
        'timer.fired': [REJECT],
        ...BATCH.passive,
      },
      states: {
        idle: {
          description: 'Input is not consumed before the task runs.',
          always: [
            { guard: and([running, 'isSource']), target: 'triggeredByCoordinator' },
            { guard: and([running, 'atLeastOnce']), target: 'atLeastOnce' },
            { guard: and([running, 'unalignedEnabled']), target: 'alternating' },
            { guard: running, target: 'aligned' },
          ],
          on: { ...streamOn(STREAM_TRANSITIONS.idle), ...BATCH.idle },
        },
        triggeredByCoordinator: {
          description: 'A source: checkpoints start on the coordinator’s trigger.',
        },
        aligned: {
          description: 'Exactly-once, aligned only: block each channel at its barrier until every open channel delivered it.',
          initial: 'waitingForFirstBarrier',
          on: BATCH.aligned,
          states: {
            waitingForFirstBarrier: {
              // Never taken by a single event (its transitions keep the state in step with the
              // context); lands a batch that started an alignment in the state the context says.
              always: { guard: not('handlerWaiting'), target: 'collectingBarriers' },
              on: streamOn(STREAM_TRANSITIONS.aligned.waitingForFirstBarrier),
            },
            collectingBarriers: {
              always: { guard: 'handlerWaiting', target: 'waitingForFirstBarrier' },
              on: streamOn(STREAM_TRANSITIONS.aligned.collectingBarriers),
            },
          },
        },
        alternating: {
          description: 'Exactly-once with unaligned checkpoints: unaligned, aligned, or aligned with a timeout that switches to unaligned, as each barrier’s options say.',
          initial: 'waitingForFirstBarrier',
          on: BATCH.alternating,
          states: {
            waitingForFirstBarrier: {
              // As in `aligned`: only a batch can leave the state out of step with the context.
              always: [
                { guard: 'handlerAligning', target: 'collectingBarriers' },
                { guard: 'handlerCapturing', target: 'collectingBarriersUnaligned' },
              ],
              on: streamOn(STREAM_TRANSITIONS.alternating.waitingForFirstBarrier),
            },
            collectingBarriers: {
              description: 'Aligning (blocking); with a timeout, the alignment timer is armed.',
              always: [
                { guard: 'handlerWaiting', target: 'waitingForFirstBarrier' },
                { guard: 'handlerCapturing', target: 'collectingBarriersUnaligned' },
              ],
              on: {
                ...streamOn(STREAM_TRANSITIONS.alternating.collectingBarriers),
                'timer.fired': [REJECT, { guard: 'alignmentTimerLive', target: 'collectingBarriersUnaligned', actions: 'switchOnTimer' }],
              },
            },
            collectingBarriersUnaligned: {
              description: 'Snapshot taken; capturing the in-flight data of each channel until its barrier arrives.',
              always: [
                { guard: 'handlerWaiting', target: 'waitingForFirstBarrier' },
                { guard: 'handlerAligning', target: 'collectingBarriers' },
              ],
              on: streamOn(STREAM_TRANSITIONS.alternating.collectingBarriersUnaligned),
            },
          },
        },
        atLeastOnce: {
          description: 'At-least-once: never block; count barriers of several checkpoints at once.',
          initial: 'waitingForBarriers',
          on: { ...streamOn(STREAM_TRANSITIONS.atLeastOnce), ...BATCH.atLeastOnce },
          states: {
            waitingForBarriers: { always: { guard: 'tracking', target: 'trackingBarriers' } },
            trackingBarriers: { always: { guard: not('tracking'), target: 'waitingForBarriers' } },
          },
        },
        inputsEnded: {
          description: 'Every input channel ended: the coordinator triggers the task like a source.',
        },
        stopped: {
          description: 'The attempt ended; input is dropped.',
          entry: 'stopInputs',
        },
      },
    },
  },
});

/** The task machine's type. */
export type TaskMachine = typeof taskMachine;
