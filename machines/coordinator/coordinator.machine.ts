/**
 * The coordinator statechart: Flink's CheckpointCoordinator as an XState v5 machine.
 *
 * Pure: it never reads a clock, owns no timer and performs no I/O. Time arrives as `clock.tick`
 * events, timer firings as `timer.fired`, replies of the ports (id counter, hooks, store) as
 * events; every effect leaves as a {@link CoordinatorCommand} through the `commands` action (one
 * per step, its commands in order), whose
 * default implementation does nothing. The runtime provides the real one; the model checker
 * steps the very same machine through `transition()`.
 *
 * Shape: `active` has three parallel regions, `scheduler` (stopped | started), `trigger` (idle |
 * planning | allocatingId | awaitingHooks: one trigger in flight) and `finalization` (idle |
 * finalizing: one store write at a time); `shutDown` answers everything with a rejection or a
 * failed request.
 * @packageDocumentation
 */
import { and, enqueueActions, setup, stateIn } from 'xstate';
import type { Rejection } from '../../spec/index.js';
import { EFFECTS_ACTION } from '../effects.js';
import type { CoordinatorCommand } from './commands.js';
import { initialContext } from './context.js';
import { abortAllPending, periodicTick, requestRestore, runDeferredRestore, shutdown, startScheduler, stopScheduler } from './control.js';
import type { CoordinatorEvent } from './events.js';
import type { Out } from './outcomes.js';
import { abortPending, complete, dispose, startFinalizing } from './outcomes.js';
import { armHeartbeatTimer, checkLiveness, heartbeat } from './liveness.js';
import { acknowledge, acknowledgeBatch, decline, reportMetrics, taskStateChanged } from './task-messages.js';
import {
  beginTrigger,
  createPending,
  decision,
  dropTooEarly,
  expire,
  failHead,
  failTriggering,
  hookAcknowledged,
  hookFailed,
  triggerFailed,
  userRequest,
} from './trigger.js';
import type { CoordinatorContext, CoordinatorInput, PendingCheckpoint } from './types.js';

type Step<E extends CoordinatorEvent['type']> = (ctx: CoordinatorContext, event: Extract<CoordinatorEvent, { type: E }>, out: Out) => CoordinatorContext;

/** Runs a pure step: assigns the context it returns and emits its commands, in order. */
function step<E extends CoordinatorEvent['type']>(_type: E, fn: Step<E>) {
  return enqueueActions<CoordinatorContext, CoordinatorEvent, undefined, CoordinatorEvent, never, never, never, never, never>(({ context, event, enqueue }) => {
    const out: Out = [];
    const next = fn(context, event as Extract<CoordinatorEvent, { type: E }>, out);
    if (next !== context) enqueue.assign(() => next);
    if (out.length > 0) enqueue({ type: EFFECTS_ACTION, params: out } as never);
  });
}

/** Emits a rejection and changes nothing. */
function rejectWith(make: (ctx: CoordinatorContext, event: CoordinatorEvent) => Rejection) {
  return enqueueActions<CoordinatorContext, CoordinatorEvent, undefined, CoordinatorEvent, never, never, never, never, never>(({ context, event, enqueue }) => {
    enqueue({ type: EFFECTS_ACTION, params: [{ kind: 'rejected', rejection: make(context, event) }] } as never);
  });
}

const nextAcknowledged = (ctx: CoordinatorContext): PendingCheckpoint | undefined => {
  let best: PendingCheckpoint | undefined;
  for (const p of ctx.pending.values()) if (p.stage === 'acknowledged' && (!best || p.checkpointId < best.checkpointId)) best = p;
  return best;
};

const schedulerStopped = stateIn({ active: { scheduler: 'stopped' } });

/**
 * The coordinator machine. Create actors with `createCoordinator` (runtime) or step it with
 * `transition()`; its input is a {@link CoordinatorInput} with a resolved configuration.
 */
export const coordinatorMachine = setup({
  types: {
    context: {} as CoordinatorContext,
    events: {} as CoordinatorEvent,
    input: {} as CoordinatorInput,
  },
  actions: {
    /** Carries out a step's commands, in order. The machine's own implementation does nothing: effects are data. */
    commands: (_, _commands: readonly CoordinatorCommand[]) => {},
  },
  guards: {
    periodicConfigured: ({ context }) => context.config.interval !== null,
    clockForward: ({ context, event }) => event.type === 'clock.tick' && event.now >= context.now,
    headTooEarly: ({ context }) => decision(context).kind === 'tooEarly',
    headExecutable: ({ context }) => decision(context).kind === 'execute',
    headPeriodic: ({ context }) => context.queue[0]?.periodic === true,
    triggerInFlight: ({ context }) => context.triggering !== null,
    noTriggerInFlight: ({ context }) => context.triggering === null,
    triggeringPeriodic: ({ context }) => context.triggering?.request.periodic === true,
    seqMatches: ({ context, event }) => (event.type === 'counter.allocated' || event.type === 'counter.failed') && context.triggering?.checkpointId === null && context.triggering.request.seq === event.seq,
    hooksConfigured: ({ context }) => context.config.hooks.length > 0,
    periodicTimer: ({ event }) => event.type === 'timer.fired' && event.timer.kind === 'periodic',
    timeoutTimer: ({ event }) => event.type === 'timer.fired' && event.timer.kind === 'timeout',
    heartbeatTimer: ({ event }) => event.type === 'timer.fired' && event.timer.kind === 'heartbeat',
    hasAcknowledged: ({ context }) => nextAcknowledged(context) !== undefined,
    isFinalizing: ({ context, event }) => (event.type === 'finalize.succeeded' || event.type === 'finalize.failed') && context.pending.get(event.checkpointId)?.stage === 'finalizing',
    restoreTasksKnown: ({ context, event }) => event.type !== 'restore' || !event.tasks || event.tasks.every((t) => context.tasks.has(t)),
  },
}).createMachine({
  id: 'coordinator',
  /** The initial context, built from the input. */
  context: ({ input }) => initialContext(input),
  initial: 'active',
  states: {
    active: {
      type: 'parallel',
      entry: step('clock.tick', (ctx, _e, out) => armHeartbeatTimer(ctx, out)),
      description: 'Coordinating checkpoints: scheduling, triggering and finalizing run side by side.',
      on: {
        'clock.tick': [
          { guard: 'clockForward', actions: step('clock.tick', (ctx, e) => (e.now === ctx.now ? ctx : { ...ctx, now: e.now })) },
          { actions: rejectWith((ctx) => ({ code: 'invalid-request', path: '$.now', message: `the clock may not go back from ${ctx.now}` })) },
        ],
        acknowledgeCheckpoint: { actions: step('acknowledgeCheckpoint', acknowledge) },
        acknowledgeBatch: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            if (event.type !== 'acknowledgeBatch') return;
            const out: Out = [];
            const r = acknowledgeBatch(context, event.acks, out);
            if (r.ctx !== context) enqueue.assign(() => r.ctx);
            // The rest goes back to the environment, to be delivered after the replies of this step
            // (a synchronous store's completion among them), exactly as one by one.
            if (r.rest) out.push({ kind: 'continueBatch', acks: r.rest });
            if (out.length > 0) enqueue({ type: EFFECTS_ACTION, params: out });
          }),
        },
        declineCheckpoint: { actions: step('declineCheckpoint', decline) },
        reportCheckpointMetrics: { actions: step('reportCheckpointMetrics', reportMetrics) },
        taskStateChanged: { actions: step('taskStateChanged', taskStateChanged) },
        'request.checkpoint': {
          actions: step('request.checkpoint', (ctx, e, out) => userRequest(ctx, e.requestId, e.checkpointType === 'full' ? 'full' : 'checkpoint', undefined, out)),
        },
        'request.savepoint': {
          actions: step('request.savepoint', (ctx, e, out) => userRequest(ctx, e.requestId, e.syncMode ? 'sync-savepoint' : 'savepoint', e.syncMode, out)),
        },
        'timer.fired': [
          { guard: 'timeoutTimer', actions: step('timer.fired', (ctx, e, out) => (e.timer.kind === 'timeout' ? expire(ctx, e.timer.checkpointId, out) : ctx)) },
          { guard: 'heartbeatTimer', actions: step('timer.fired', (ctx, _e, out) => checkLiveness(ctx, out)) },
        ],
        heartbeat: { actions: step('heartbeat', heartbeat) },
        'hook.acknowledged': { actions: step('hook.acknowledged', (ctx, e, out) => hookAcknowledged(ctx, e.checkpointId, e.hook, e.state, out)) },
        'hook.failed': { actions: step('hook.failed', (ctx, e, out) => hookFailed(ctx, e.checkpointId, out)) },
        'trigger.failed': { actions: step('trigger.failed', (ctx, e, out) => triggerFailed(ctx, e.checkpointId, out)) },
        restore: [
          { guard: 'restoreTasksKnown', actions: step('restore', (ctx, e, out) => requestRestore(ctx, e.scope, e.tasks, out)) },
          { actions: rejectWith(() => ({ code: 'unknown-task', path: '$.tasks', message: 'a task to restore is not part of the job' })) },
        ],
        abortPending: { actions: step('abortPending', (ctx, e, out) => abortAllPending(ctx, e.reason, out)) },
        shutdown: { target: 'shutDown', actions: step('shutdown', (ctx, _e, out) => shutdown(ctx, out)) },
      },
      states: {
        scheduler: {
          initial: 'stopped',
          description: 'Periodic checkpoints (reference 1.5).',
          states: {
            stopped: {
              on: {
                'scheduler.start': [
                  { guard: 'periodicConfigured', target: 'started', actions: step('scheduler.start', (ctx, e, out) => startScheduler(ctx, e.random, out)) },
                  { actions: rejectWith(() => ({ code: 'invalid-request', path: '$', message: 'periodic checkpointing is not configured (set interval)' })) },
                ],
                // Flink's stopCheckpointScheduler aborts queued and pending checkpoints even when periodic scheduling was off.
                'scheduler.stop': { actions: step('scheduler.stop', (ctx, _e, out) => stopScheduler(ctx, out)) },
              },
            },
            started: {
              on: {
                'scheduler.start': { target: 'started', reenter: true, actions: step('scheduler.start', (ctx, e, out) => startScheduler(ctx, e.random, out)) },
                'scheduler.stop': { target: 'stopped', actions: step('scheduler.stop', (ctx, _e, out) => stopScheduler(ctx, out)) },
                'timer.fired': { guard: 'periodicTimer', actions: step('timer.fired', (ctx, _e, out) => periodicTick(ctx, out)) },
              },
            },
          },
        },
        trigger: {
          initial: 'idle',
          description: 'One trigger in flight at a time (reference 1.3, 1.4).',
          states: {
            idle: {
              always: [
                { guard: 'headTooEarly', actions: step('clock.tick', (ctx, _e, out) => dropTooEarly(ctx, out)) },
                { guard: and(['headExecutable', 'headPeriodic', schedulerStopped]), actions: step('clock.tick', (ctx, _e, out) => failHead(ctx, 'PERIODIC_SCHEDULER_SHUTDOWN', out)) },
                { guard: 'headExecutable', target: 'planning' },
              ],
            },
            planning: {
              entry: step('clock.tick', (ctx, _e, out) => beginTrigger(ctx, out)),
              always: [{ guard: 'triggerInFlight', target: 'allocatingId' }, { target: 'idle' }],
            },
            allocatingId: {
              on: {
                'counter.allocated': [
                  { guard: and(['seqMatches', 'triggeringPeriodic', schedulerStopped]), target: 'idle', actions: step('counter.allocated', (ctx, _e, out) => failTriggering(ctx, 'PERIODIC_SCHEDULER_SHUTDOWN', out)) },
                  { guard: and(['seqMatches', 'hooksConfigured']), target: 'awaitingHooks', actions: step('counter.allocated', (ctx, e, out) => createPending(ctx, e.checkpointId, out)) },
                  { guard: 'seqMatches', target: 'idle', actions: step('counter.allocated', (ctx, e, out) => createPending(ctx, e.checkpointId, out)) },
                  { actions: rejectWith(() => ({ code: 'invalid-request', path: '$.seq', message: 'no id was asked for this request' })) },
                ],
                'counter.failed': [
                  { guard: 'seqMatches', target: 'idle', actions: step('counter.failed', (ctx, e, out) => failTriggering(ctx, e.reason, out)) },
                  { actions: rejectWith(() => ({ code: 'invalid-request', path: '$.seq', message: 'no id was asked for this request' })) },
                ],
              },
            },
            awaitingHooks: {
              always: { guard: 'noTriggerInFlight', target: 'idle' },
            },
          },
        },
        finalization: {
          initial: 'idle',
          description: 'One completed checkpoint is stored at a time; notifications follow the store (reference 1.8).',
          states: {
            idle: {
              always: {
                guard: 'hasAcknowledged',
                target: 'finalizing',
                actions: step('clock.tick', (ctx, _e, out) => startFinalizing(ctx, nextAcknowledged(ctx) as PendingCheckpoint, out)),
              },
              on: {
                'finalize.succeeded': { actions: rejectWith(() => ({ code: 'invalid-request', path: '$.checkpointId', message: 'nothing is being finalized' })) },
                'finalize.failed': { actions: rejectWith(() => ({ code: 'invalid-request', path: '$.checkpointId', message: 'nothing is being finalized' })) },
              },
            },
            finalizing: {
              on: {
                'finalize.succeeded': [
                  {
                    guard: 'isFinalizing',
                    target: 'idle',
                    actions: step('finalize.succeeded', (ctx, e, out) => runDeferredRestore(complete(ctx, ctx.pending.get(e.checkpointId) as PendingCheckpoint, true, out), out)),
                  },
                  { actions: rejectWith(() => ({ code: 'invalid-request', path: '$.checkpointId', message: 'that checkpoint is not being finalized' })) },
                ],
                'finalize.failed': [
                  {
                    guard: 'isFinalizing',
                    target: 'idle',
                    actions: step('finalize.failed', (ctx, e, out) => runDeferredRestore(abortPending(ctx, ctx.pending.get(e.checkpointId) as PendingCheckpoint, 'FINALIZE_CHECKPOINT_FAILURE', null, out), out)),
                  },
                  { actions: rejectWith(() => ({ code: 'invalid-request', path: '$.checkpointId', message: 'that checkpoint is not being finalized' })) },
                ],
              },
            },
          },
        },
      },
    },
    shutDown: {
      description: 'Shut down for good: requests fail, messages are rejected; a store write in flight still gets its outcome.',
      on: {
        'clock.tick': { guard: 'clockForward', actions: step('clock.tick', (ctx, e) => (e.now === ctx.now ? ctx : { ...ctx, now: e.now })) },
        'finalize.succeeded': {
          guard: 'isFinalizing',
          actions: step('finalize.succeeded', (ctx, e, out) => complete(ctx, ctx.pending.get(e.checkpointId) as PendingCheckpoint, false, out)),
        },
        'finalize.failed': {
          guard: 'isFinalizing',
          // Disarms the timeout and discards the state like any abort; nothing is counted or sent any more.
          actions: step('finalize.failed', (ctx, e, out) => dispose(ctx, ctx.pending.get(e.checkpointId) as PendingCheckpoint, 'CHECKPOINT_COORDINATOR_SHUTDOWN', out)),
        },
        'request.checkpoint': {
          actions: step('request.checkpoint', (ctx, e, out) => {
            out.push({ kind: 'requestFailed', requestId: e.requestId, snapshot: e.checkpointType === 'full' ? 'full' : 'checkpoint', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
            return ctx;
          }),
        },
        'request.savepoint': {
          actions: step('request.savepoint', (ctx, e, out) => {
            out.push({ kind: 'requestFailed', requestId: e.requestId, snapshot: e.syncMode ? 'sync-savepoint' : 'savepoint', reason: 'CHECKPOINT_COORDINATOR_SHUTDOWN' });
            return ctx;
          }),
        },
        'timer.fired': {},
        '*': { actions: rejectWith((_ctx, e) => ({ code: 'shut-down', path: '$.type', message: `the coordinator is shut down; ${e.type} is not processed` })) },
      },
    },
  },
});

/** The coordinator machine's type. */
export type CoordinatorMachine = typeof coordinatorMachine;
