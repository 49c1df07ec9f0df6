/**
 * The task machine: one task attempt as an XState v5 statechart. Pure: time comes with the
 * events, timers are commands, every effect leaves through the single `command` action.
 *
 * Two parallel regions:
 * - `lifecycle`: deploying → initializing → running → finishing (awaiting the final checkpoint,
 *   or stopping with a savepoint) → finished | failed | canceled; owns the coordinator messages,
 *   the snapshot answers and the lifecycle events.
 * - `barriers`: the input side; idle until the task runs, then one handler chosen by the input:
 *   triggered by the coordinator (sources), aligned, alternating (unaligned / aligned with
 *   timeout) or at-least-once; inputsEnded once every channel ended; stopped when the attempt
 *   ended. Owns the stream events and the alignment timer.
 *
 * Every handler first rejects invalid input (guard `invalid`, action `reject`): the snapshot is
 * then unchanged (same value, same context) and the only action is a `rejected` command.
 * @packageDocumentation
 */
import { and, assign, enqueueActions, not, setup, stateIn } from 'xstate';
import { PersistentMap } from '../_internals/persistent-map.js';
import { initialInputs, recordBarrier } from './barrier-handler.js';
import type { TaskCommand } from './commands.js';
import type { TaskEvent } from './events.js';
import { taskGuards } from './task.guards.js';
import type { TaskGuardName } from './task.guards.js';
import { taskSteps } from './task.steps.js';
import type { TaskStep, TaskStepName } from './task.steps.js';
import type { TaskConfig, TaskContext, TaskInput } from './types.js';
import { resolveTaskConfig } from './validation.js';

/** Wraps a pure step: emits its commands through `command`, in order, then assigns its context. */
function stepAction(step: TaskStep) {
  return enqueueActions<TaskContext, TaskEvent, undefined, TaskEvent, never, never, never, never, never>(({ context, event, enqueue }) => {
    const next = step(context, event, (params) => enqueue({ type: 'command', params } as never));
    if (next !== context) enqueue.assign(() => next);
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
  };
}

/** The channel of a stream event (the hot path's commands read it). */
const channelOf = (event: TaskEvent): number => (event as { channel: number }).channel;

/** A further aligned barrier: block its channel (with `recordBarrier`). */
const BLOCK_CHANNEL = {
  type: 'command',
  /** The command: block the barrier's channel. */
  params: ({ event }: { event: TaskEvent }): TaskCommand => ({ kind: 'blockChannel', channel: channelOf(event) }),
} as const;

/** A further unaligned barrier: stop capturing its channel (with `recordBarrier`). */
const STOP_CAPTURE = {
  type: 'command',
  /** The command: stop capturing the barrier's channel. */
  params: ({ context, event }: { context: TaskContext; event: TaskEvent }): TaskCommand => ({ kind: 'stopCapture', channel: channelOf(event), checkpointId: context.inputs.currentId }),
} as const;

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
  'task.fail': [REJECT, IGNORE],
  'task.cancel': [REJECT, IGNORE],
} as const;

/** Stream events while the handler waits for the first barrier (aligned or alternating). */
const WAITING_ON = {
  'stream.cancelMarker': [REJECT, { guard: 'cancelMarkerAborts', actions: 'cancelMarker' }],
  'stream.endOfPartition': [REJECT, { guard: 'lastOpenChannel', target: '#task.barriers.inputsEnded', actions: 'endOfPartition' }, { actions: 'endOfPartition' }],
} as const;

/** Stream events while a checkpoint is pending (aligned or alternating); aborts go back to waiting. */
const collectingOn = (waiting: string) =>
  ({
    'stream.cancelMarker': [REJECT, { guard: 'cancelMarkerAborts', target: waiting, actions: 'cancelMarker' }],
    'stream.endOfPartition': [REJECT, { guard: 'lastOpenChannel', target: '#task.barriers.inputsEnded', actions: 'endOfPartition' }, { target: waiting, actions: 'endOfPartition' }],
  }) as const;

/** The task machine. Input: {@link TaskInput}. */
export const taskMachine = setup({
  types: {} as { context: TaskContext; events: TaskEvent; input: TaskInput },
  actions: {
    /** The single effect action; the runtime provides it. Params: the {@link TaskCommand}. */
    command: (_args, _command: TaskCommand) => {},
    /** A further barrier of the pending checkpoint: record its channel (the per-barrier hot path). */
    recordBarrier: assign(({ context, event }) => ({ inputs: recordBarrier(context.inputs, channelOf(event)) })),
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
        'snapshot.syncCompleted': [REJECT, { actions: 'completeSync' }],
        'snapshot.syncFailed': [REJECT, { guard: 'syncInProgress', target: END.failed }],
        'snapshot.asyncCompleted': [REJECT, { actions: 'acknowledge' }],
        'snapshot.asyncFailed': [REJECT, { actions: 'failAsync' }],
        'task.start': [REJECT, refuse('the task already started')],
        'task.initialized': [REJECT, refuse('the task is not initializing')],
        'task.endOfInput': [REJECT, refuse('only a running task ends its input')],
        'task.fail': [REJECT, { target: END.failed }],
        'task.cancel': [REJECT, { target: END.canceled }],
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
          on: {
            'stream.barrier': [REJECT, refuse('input is consumed only once the task runs')],
            'stream.cancelMarker': [REJECT, refuse('input is consumed only once the task runs')],
            'stream.endOfPartition': [REJECT, refuse('input is consumed only once the task runs')],
            'stream.announcement': [REJECT, refuse('input is consumed only once the task runs')],
          },
        },
        triggeredByCoordinator: {
          description: 'A source: checkpoints start on the coordinator’s trigger.',
        },
        aligned: {
          description: 'Exactly-once, aligned only: block each channel at its barrier until every open channel delivered it.',
          initial: 'waitingForFirstBarrier',
          states: {
            waitingForFirstBarrier: {
              on: {
                'stream.barrier': [REJECT, { guard: 'barrierObsolete' }, { guard: 'firstBarrierCompletes', actions: 'firstBarrier' }, { target: 'collectingBarriers', actions: 'firstBarrier' }],
                ...WAITING_ON,
              },
            },
            collectingBarriers: {
              on: {
                'stream.barrier': [
                  REJECT,
                  { guard: 'barrierNext', actions: [BLOCK_CHANNEL, 'recordBarrier'] },
                  { guard: 'barrierLast', target: 'waitingForFirstBarrier', actions: 'lastBarrier' },
                  { guard: 'barrierObsolete' },
                  { actions: 'newerBarrier' },
                ],
                ...collectingOn('waitingForFirstBarrier'),
              },
            },
          },
        },
        alternating: {
          description: 'Exactly-once with unaligned checkpoints: unaligned, aligned, or aligned with a timeout that switches to unaligned, as each barrier’s options say.',
          initial: 'waitingForFirstBarrier',
          states: {
            waitingForFirstBarrier: {
              on: {
                'stream.barrier': [
                  REJECT,
                  { guard: 'barrierObsolete' },
                  { guard: 'firstBarrierCompletes', actions: 'firstBarrier' },
                  { guard: 'firstBarrierUnaligned', target: 'collectingBarriersUnaligned', actions: 'firstBarrier' },
                  { target: 'collectingBarriers', actions: 'firstBarrier' },
                ],
                ...WAITING_ON,
              },
            },
            collectingBarriers: {
              description: 'Aligning (blocking); with a timeout, the alignment timer is armed.',
              on: {
                'stream.barrier': [
                  REJECT,
                  { guard: 'barrierLate', target: 'collectingBarriersUnaligned', actions: 'switchOnLateBarrier' },
                  { guard: 'barrierNext', actions: [BLOCK_CHANNEL, 'recordBarrier'] },
                  { guard: 'barrierLast', target: 'waitingForFirstBarrier', actions: 'lastBarrier' },
                  { guard: 'barrierObsolete' },
                  { guard: 'firstBarrierUnaligned', target: 'collectingBarriersUnaligned', actions: 'newerBarrier' },
                  { actions: 'newerBarrier' },
                ],
                'timer.fired': [REJECT, { guard: 'alignmentTimerLive', target: 'collectingBarriersUnaligned', actions: 'switchOnTimer' }],
                ...collectingOn('waitingForFirstBarrier'),
              },
            },
            collectingBarriersUnaligned: {
              description: 'Snapshot taken; capturing the in-flight data of each channel until its barrier arrives.',
              on: {
                'stream.barrier': [
                  REJECT,
                  { guard: 'barrierNext', actions: [STOP_CAPTURE, 'recordBarrier'] },
                  { guard: 'barrierLast', target: 'waitingForFirstBarrier', actions: 'lastBarrier' },
                  { guard: 'barrierObsolete' },
                  { guard: 'firstBarrierUnaligned', actions: 'newerBarrier' },
                  { target: 'collectingBarriers', actions: 'newerBarrier' },
                ],
                ...collectingOn('waitingForFirstBarrier'),
              },
            },
          },
        },
        atLeastOnce: {
          description: 'At-least-once: never block; count barriers of several checkpoints at once.',
          initial: 'waitingForBarriers',
          on: {
            'stream.barrier': [REJECT, { actions: 'trackBarrier' }],
            'stream.cancelMarker': [REJECT, { actions: 'trackCancelMarker' }],
            'stream.endOfPartition': [REJECT, { guard: 'lastOpenChannel', target: '#task.barriers.inputsEnded', actions: 'trackEndOfPartition' }, { actions: 'trackEndOfPartition' }],
          },
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
