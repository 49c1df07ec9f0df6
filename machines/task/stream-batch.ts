/**
 * The input side's transitions for in-band events, as data, and the fold that applies a batch of
 * in-band events with them.
 *
 * {@link STREAM_TRANSITIONS} is the single description of how each barrier-handler state reacts
 * to each in-band event: the machine builds its `on` handlers for the stream events from it, and
 * {@link foldStreamBatch} walks the same cases, with the same guards and steps, for each event of
 * a `stream.batch`. A batch is therefore the same events one by one, without one XState event
 * (and one context assignment) per event.
 *
 * Why a fold is exact:
 * - every event is first checked as the single event would be (guard `invalid`, step `reject`);
 * - the exactly-once handler's state is a function of the context (`waitingForFirstBarrier` iff no
 *   checkpoint is pending, `collectingBarriers` iff one aligns, `collectingBarriersUnaligned` iff
 *   one runs unaligned): every transition of the handler keeps it so, and its states have no
 *   entry or exit actions. The fold reads the state from the context before each event, and the
 *   handler's eventless transitions move the statechart to that state once the batch is applied.
 *   The at-least-once handler's cases do not depend on its state at all.
 * - where the statechart would react between two events with something the fold does not do, the
 *   fold stops: after an event whose commands are answered by the environment (a snapshot
 *   started or completed: one by one, the answers come before the next event), and before an
 *   event whose transition leaves the handler (the last open channel ends): that one is raised,
 *   so the statechart takes it as a single event. The rest goes back to the environment in a
 *   `continueBatch` command, delivered after the replies.
 * @packageDocumentation
 */
import { nextBarriers } from './barrier-handler.js';
import type { Emit, TaskCommand } from './commands.js';
import { streamEvent } from './events.js';
import type { StreamBatchEvent, StreamBatchItem, TaskStreamEvent } from './events.js';
import { taskGuards } from './task.guards.js';
import type { TaskGuardName } from './task.guards.js';
import { taskSteps } from './task.steps.js';
import type { TaskStepName } from './task.steps.js';
import type { InputState, TaskContext } from './types.js';
import { eventRejection, isPending } from './validation.js';

/**
 * One transition for an in-band event: taken when `guard` holds (or always, without one); runs
 * `step`; moves to `target`: a sibling state of the same handler, or `#id` of a state outside it.
 */
export interface StreamCase {
  /** The guard, by name; none: always. */
  readonly guard?: TaskGuardName;
  /** The step, by name; none: the event is consumed and changes nothing. */
  readonly step?: TaskStepName;
  /** The target: a sibling state name, or an absolute `#task...` id outside the handler. */
  readonly target?: string;
}

/** The cases of one state, by stream event type, in priority order. An absent type: nothing happens. */
export type StreamCases = Readonly<Partial<Record<TaskStreamEvent['type'], readonly StreamCase[]>>>;

/** Where the last open channel's end takes the input side. */
export const INPUTS_ENDED = '#task.barriers.inputsEnded';

const refused: readonly StreamCase[] = [{ step: 'refuseNotRunning' }];

/** Cancel markers and channel ends while no checkpoint is pending (aligned or alternating). */
const WAITING: StreamCases = {
  'stream.cancelMarker': [{ guard: 'cancelMarkerAborts', step: 'cancelMarker' }],
  'stream.endOfPartition': [{ guard: 'lastOpenChannel', target: INPUTS_ENDED, step: 'endOfPartition' }, { step: 'endOfPartition' }],
};

/** Cancel markers and channel ends while a checkpoint is pending: aborts go back to waiting. */
const COLLECTING: StreamCases = {
  'stream.cancelMarker': [{ guard: 'cancelMarkerAborts', target: 'waitingForFirstBarrier', step: 'cancelMarker' }],
  'stream.endOfPartition': [{ guard: 'lastOpenChannel', target: INPUTS_ENDED, step: 'endOfPartition' }, { target: 'waitingForFirstBarrier', step: 'endOfPartition' }],
};

/**
 * How each state of the input side reacts to in-band events (after the rejection of invalid
 * ones, which every state does first). `passive` stands for the states that only reject:
 * `triggeredByCoordinator` (a source has no channel), `inputsEnded` and `stopped`.
 */
export const STREAM_TRANSITIONS = {
  idle: { 'stream.barrier': refused, 'stream.cancelMarker': refused, 'stream.endOfPartition': refused, 'stream.announcement': refused },
  passive: {},
  aligned: {
    waitingForFirstBarrier: {
      'stream.barrier': [{ guard: 'barrierObsolete' }, { guard: 'firstBarrierCompletes', step: 'firstBarrier' }, { target: 'collectingBarriers', step: 'firstBarrier' }],
      ...WAITING,
    },
    collectingBarriers: {
      'stream.barrier': [
        { guard: 'barrierNext', step: 'nextBarrier' },
        { guard: 'barrierLast', target: 'waitingForFirstBarrier', step: 'lastBarrier' },
        { guard: 'barrierObsolete' },
        { step: 'newerBarrier' },
      ],
      ...COLLECTING,
    },
  },
  alternating: {
    waitingForFirstBarrier: {
      'stream.barrier': [
        { guard: 'barrierObsolete' },
        { guard: 'firstBarrierCompletes', step: 'firstBarrier' },
        { guard: 'firstBarrierUnaligned', target: 'collectingBarriersUnaligned', step: 'firstBarrier' },
        { target: 'collectingBarriers', step: 'firstBarrier' },
      ],
      ...WAITING,
    },
    collectingBarriers: {
      'stream.barrier': [
        { guard: 'barrierLate', target: 'collectingBarriersUnaligned', step: 'switchOnLateBarrier' },
        { guard: 'barrierNext', step: 'nextBarrier' },
        { guard: 'barrierLast', target: 'waitingForFirstBarrier', step: 'lastBarrier' },
        { guard: 'barrierObsolete' },
        { guard: 'firstBarrierUnaligned', target: 'collectingBarriersUnaligned', step: 'newerBarrier' },
        { step: 'newerBarrier' },
      ],
      ...COLLECTING,
    },
    collectingBarriersUnaligned: {
      'stream.barrier': [
        { guard: 'barrierNext', step: 'nextBarrier' },
        { guard: 'barrierLast', target: 'waitingForFirstBarrier', step: 'lastBarrier' },
        { guard: 'barrierObsolete' },
        { guard: 'firstBarrierUnaligned', step: 'newerBarrier' },
        { target: 'collectingBarriers', step: 'newerBarrier' },
      ],
      ...COLLECTING,
    },
  },
  atLeastOnce: {
    'stream.barrier': [{ step: 'trackBarrier' }],
    'stream.cancelMarker': [{ step: 'trackCancelMarker' }],
    'stream.endOfPartition': [{ guard: 'lastOpenChannel', target: INPUTS_ENDED, step: 'trackEndOfPartition' }, { step: 'trackEndOfPartition' }],
  },
} as const satisfies {
  readonly idle: StreamCases;
  readonly passive: StreamCases;
  readonly aligned: Readonly<Record<'waitingForFirstBarrier' | 'collectingBarriers', StreamCases>>;
  readonly alternating: Readonly<Record<'waitingForFirstBarrier' | 'collectingBarriers' | 'collectingBarriersUnaligned', StreamCases>>;
  readonly atLeastOnce: StreamCases;
};

/** The input-side state a `stream.batch` is applied in (the machine declares one batch handler per value). */
export type StreamHandler = 'idle' | 'passive' | 'aligned' | 'alternating' | 'atLeastOnce';

/**
 * The state of the exactly-once handler, as the context determines it.
 * @param inputs - the input state.
 */
export function exactlyOnceState(inputs: InputState): 'waitingForFirstBarrier' | 'collectingBarriers' | 'collectingBarriersUnaligned' {
  if (!isPending(inputs)) return 'waitingForFirstBarrier';
  return inputs.unaligned ? 'collectingBarriersUnaligned' : 'collectingBarriers';
}

/**
 * The cases the next in-band event meets in `handler`, for this context.
 * @param handler - the input-side state.
 * @param inputs - the input state.
 */
export function streamCasesOf(handler: StreamHandler, inputs: InputState): StreamCases {
  switch (handler) {
    case 'aligned':
      return isPending(inputs) ? STREAM_TRANSITIONS.aligned.collectingBarriers : STREAM_TRANSITIONS.aligned.waitingForFirstBarrier;
    case 'alternating':
      return STREAM_TRANSITIONS.alternating[exactlyOnceState(inputs)];
    default:
      return STREAM_TRANSITIONS[handler];
  }
}

/**
 * The case the statechart takes for a valid event: the first whose guard holds, or undefined when
 * none does (the event changes nothing).
 */
function pick(cases: readonly StreamCase[] | undefined, ctx: TaskContext, e: TaskStreamEvent): StreamCase | undefined {
  if (cases === undefined) return undefined;
  for (let k = 0; k < cases.length; k++) {
    const c = cases[k] as StreamCase;
    if (c.guard === undefined || taskGuards[c.guard](ctx, e)) return c;
  }
  return undefined;
}

/** Commands the environment answers with an event (synchronous ports answer at once). */
const ANSWERED: Readonly<Partial<Record<TaskCommand['kind'], true>>> = {
  initializeState: true,
  snapshotSync: true,
  snapshotAsync: true,
  beginTransaction: true,
  preCommit: true,
  commit: true,
  abortTransaction: true,
  recoverAndCommit: true,
  recoverAndAbort: true,
};

/** What a fold did. */
export interface StreamBatchResult {
  /** The context after the applied events. */
  readonly ctx: TaskContext;
  /** The event the statechart must take itself, right after this step (it leaves the handler), or null. */
  readonly raise: TaskStreamEvent | null;
  /** The events not applied yet (after `raise`), or null when none are left. */
  readonly rest: readonly StreamBatchItem[] | null;
}

/**
 * Where the run of further barriers that starts at `from` (an event that takes `next`, the
 * `nextBarrier` case) ends: the events after it that take the same case, none of them the last
 * barrier. They are classified against the context before the run, which is exact: a further
 * barrier changes only the received set; the batch's channels are distinct, so whether an event's
 * channel delivered already is the same before and after the run's earlier events; and of the
 * received set, the cases read only its size (is this the last barrier?), checked here with the
 * size the run has reached.
 */
function nextBarrierRun(ctx: TaskContext, events: readonly StreamBatchItem[], from: number, now: number, cases: readonly StreamCase[], next: StreamCase): number {
  const inputs = ctx.inputs;
  let j = from + 1;
  for (; j < events.length; j++) {
    if (inputs.received.size + (j - from) + 1 >= inputs.openChannels) break;
    const item = events[j] as StreamBatchItem;
    if (item.event.type !== 'barrier') break;
    const e = streamEvent(item.channel, item.event, now);
    if (eventRejection(ctx, e) !== null || pick(cases, ctx, e) !== next) break;
  }
  return j;
}

/**
 * Applies a (valid) batch of in-band events in order, each exactly as the single event
 * `streamEvent(channel, event, now)` in `handler`: the same rejection check, then the first case
 * of {@link STREAM_TRANSITIONS} whose guard holds, its step. Stops after an event whose commands
 * the environment answers, and before one whose transition leaves the handler (returned as
 * `raise`); see the module documentation. Consecutive further barriers (the per-barrier hot path)
 * are applied together by `nextBarriers`, the same as `nextBarrier` one by one.
 * @param ctx - the context.
 * @param batch - the batch (already checked as a whole).
 * @param handler - the input-side state the batch arrived in.
 * @param emit - receives the commands, in order.
 */
export function foldStreamBatch(ctx: TaskContext, batch: StreamBatchEvent, handler: StreamHandler, emit: Emit): StreamBatchResult {
  const events = batch.events;
  const n = events.length;
  const now = batch.now;
  let answered = false;
  for (let i = 0; i < n; i++) {
    const item = events[i] as StreamBatchItem;
    const e = streamEvent(item.channel, item.event, now);
    const rejection = eventRejection(ctx, e);
    if (rejection !== null) {
      emit({ kind: 'rejected', eventType: e.type, rejection });
      continue;
    }
    const cases = streamCasesOf(handler, ctx.inputs)[e.type];
    const c = pick(cases, ctx, e);
    if (c === undefined) continue;
    if (c.target !== undefined && c.target.charCodeAt(0) === 35 /* '#' */) {
      return { ctx, raise: e, rest: i + 1 < n ? events.slice(i + 1) : null };
    }
    if (c.step === undefined) continue;
    if (c.step === 'nextBarrier') {
      const end = nextBarrierRun(ctx, events, i, now, cases as readonly StreamCase[], c);
      if (end > i + 1) {
        ctx = nextBarriers(ctx, events, i, end, emit);
        i = end - 1;
        continue;
      }
    }
    ctx = taskSteps[c.step](ctx, e, (command) => {
      if (ANSWERED[command.kind] === true) answered = true;
      emit(command);
    });
    if (answered) return { ctx, raise: null, rest: i + 1 < n ? events.slice(i + 1) : null };
  }
  return { ctx, raise: null, rest: null };
}
