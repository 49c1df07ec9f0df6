/**
 * `createTask`: the task machine as a running actor (one task attempt), wired to injected ports.
 * Beside `createCoordinator`.
 * @packageDocumentation
 */
import { createActor } from 'xstate';
import type { InspectionEvent, SnapshotFrom } from 'xstate';
import type { Observation, Rejection, StateHandle, StreamEvent } from '../../spec/index.js';
import { checkControlMessage, checkStreamEvent, ConfigError, COORDINATOR_TO_TASK_TYPES } from '../../spec/index.js';
import { resolveTaskConfig, streamEvent, taskMachine, taskView } from '../../machines/task/index.js';
import type { StreamBatchItem, TaskCommand, TaskConfig, TaskControlEvent, TaskEvent, TaskInput, TaskMachine, TaskView } from '../../machines/task/index.js';
import type { ReceiveResult } from '../coordinator/create-coordinator.js';
import { Listeners } from '../listeners.js';
import type { Clock, Timers } from '../time.js';
import { systemClock, systemTimers } from '../time.js';
import type { AsyncSnapshotPart, TaskInputs, TaskOutputs, TaskSnapshots, TaskTransport, TwoPhaseCommitSink } from './ports.js';

export type { ReceiveResult };

/** Everything `createTask` takes. Only `task` and `toCoordinator` are required. */
export interface TaskOptions {
  /** The attempt: job, task, attempt, input channels (0 for a source), alignment, sink, restore. */
  readonly task: TaskInput;
  /** Sends messages to the coordinator. */
  readonly toCoordinator: TaskTransport;
  /** The output channels (default: nowhere, for a sink). */
  readonly downstream?: TaskOutputs;
  /** Control of the input channels (default: none; needed for tasks with inputs in a real engine). */
  readonly inputs?: TaskInputs;
  /** The task's state (default: stateless; every snapshot acknowledges a null handle). */
  readonly snapshots?: TaskSnapshots;
  /** The two-phase-commit participant; required exactly when `task.twoPhaseCommitSink`. */
  readonly sink?: TwoPhaseCommitSink;
  /** The clock (default: the system clock). */
  readonly clock?: Clock;
  /** The timers (default: `setTimeout`); names are prefixed with the task and attempt. */
  readonly timers?: Timers;
  /** An XState inspection observer. */
  readonly inspect?: (event: InspectionEvent) => void;
}

/** A running task attempt. */
export interface Task {
  /** The resolved configuration. */
  readonly config: TaskConfig;
  /**
   * Deploys and starts the attempt: reports deploying and initializing, restores (through
   * `snapshots.restore`), then reports running, synchronously when the restore is.
   */
  start(): ReceiveResult;
  /**
   * Delivers a coordinator message (trigger, complete, aborted). Malformed input, another job,
   * task or attempt come back as a typed rejection and change nothing.
   * @param message - untrusted input.
   */
  receive(message: unknown): ReceiveResult;
  /**
   * Delivers an in-band event that arrived on input channel `channel`. Events from a blocked or
   * ended channel, or before the task runs, are rejected and change nothing.
   * @param channel - the input channel, from 0.
   * @param event - untrusted input.
   */
  receiveStream(channel: number, event: unknown): ReceiveResult;
  /**
   * Delivers several in-band events at once, received now: exactly as `receiveStream` for each,
   * in order (same effects, same commands, same final state), at a fraction of the cost.
   *
   * Contract: a batch holds at most one event per channel. A runtime assembles it from the heads
   * of its channel queues, so the blocking commands a batch causes are carried out before that
   * channel delivers again. A batch with a channel twice is rejected as a whole
   * (`invalid-request`, path `$[i].channel`) and changes nothing.
   *
   * Each item is checked like `receiveStream`'s input; a malformed one (path `$[i].channel`,
   * `$[i].event...`) is rejected and changes nothing, the others are delivered. Rejections by the
   * task (a blocked or ended channel, ...) come as `receiveStream` would return them.
   * @param items - untrusted input: `{ channel, event }` per event, in arrival order.
   * @returns every rejection, in item order (empty: all were taken).
   */
  receiveStreamBatch(items: ReadonlyArray<{ readonly channel: number; readonly event: unknown }>): Rejection[];
  /** A source's input ended: finish after the final checkpoint (or at once without one). */
  endOfInput(): ReceiveResult;
  /**
   * Fails the attempt.
   * @param message - why.
   */
  fail(message?: string): ReceiveResult;
  /** Cancels the attempt. */
  cancel(): ReceiveResult;
  /** A readable view of the current state. */
  state(): TaskView;
  /** The machine's current snapshot (compare before/after to see that a rejection changed nothing). */
  snapshot(): SnapshotFrom<TaskMachine>;
  /**
   * Listens to every command the machine emits, before it is carried out.
   * @param listener - called per command.
   * @returns a function that stops listening.
   */
  onCommand(listener: (command: TaskCommand) => void): () => void;
  /**
   * Listens to protocol observations (`committed`), for monitors of the named properties.
   * @param listener - called per observation.
   * @returns a function that stops listening.
   */
  onObservation(listener: (observation: Observation) => void): () => void;
  /** Stops the actor and its timers; every later input is rejected as `shut-down`. */
  stop(): void;
  /** The underlying XState actor (read-only use: snapshots, inspection). */
  readonly actor: ReturnType<typeof createActor<TaskMachine>>;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const SHUT_DOWN: Rejection = { code: 'shut-down', path: '$', message: 'the task was stopped' };
const NOT_STARTED: Rejection = { code: 'invalid-request', path: '$', message: 'the task has not been started' };

/** A batch item's problem, with its path re-rooted at the item. */
const itemRejection = (i: number, r: Rejection): Rejection => ({ code: r.code, path: `$[${i}].event${r.path.slice(1)}`, message: r.message });

/**
 * Creates a task attempt (not started: call `start()`).
 * @param options - the attempt and its ports.
 * @throws a `ConfigError` naming the option, for a malformed input or missing port.
 */
export function createTask(options: TaskOptions): Task {
  const config = resolveTaskConfig(options.task);
  if (!options.toCoordinator || typeof options.toCoordinator.send !== 'function') throw new ConfigError('toCoordinator', 'must have a send(message) function');
  if (config.twoPhaseCommitSink !== (options.sink !== undefined)) {
    throw new ConfigError('sink', config.twoPhaseCommitSink ? 'a two-phase-commit sink needs a sink port' : 'only a two-phase-commit sink takes a sink port');
  }
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers();
  const snapshots = options.snapshots;
  const sink = options.sink;
  const timerPrefix = `task/${config.taskId}/${config.attempt}/`;
  const armed = new Set<string>();
  const asyncParts = new Map<number, AsyncSnapshotPart | StateHandle | null>();
  // How long each snapshot's synchronous part took; a failed one's id maps to -1 (no async part).
  const syncMs = new Map<number, number>();
  const commandListeners = new Listeners<TaskCommand>();
  const observationListeners = new Listeners<Observation>();
  let collecting: Rejection[] | null = null;
  let stopped = false;
  let started = false;
  // Rests of batches handed back by the machine, delivered by the outermost send after the replies.
  const continuations: TaskEvent[] = [];
  let depth = 0;
  // Duplicate-channel check of batches: seen[ch] === epoch marks a channel of the current batch.
  const seen = new Uint32Array(config.inputChannels);
  let epoch = 0;

  // Answers of ports are sent as events; while the actor steps they queue behind the current event.
  const reply = (event: TaskEvent) => {
    if (!stopped) actor.send(event);
  };
  const failTask = (e: unknown) => reply({ type: 'task.fail', message: message(e), now: clock.now() });
  const guarded = (work: () => void) => {
    try {
      work();
    } catch (e) {
      failTask(e);
    }
  };

  // Defined once: a snapshot answered synchronously (the common case) creates no closure.
  const asyncDone = (checkpointId: number, state: StateHandle | null) => {
    const syncDurationMs = syncMs.get(checkpointId);
    if (syncDurationMs === undefined) return reply({ type: 'snapshot.asyncCompleted', checkpointId, state, now: clock.now() });
    syncMs.delete(checkpointId);
    reply({ type: 'snapshot.asyncCompleted', checkpointId, state, syncDurationMs, now: clock.now() });
  };
  const asyncFailed = (checkpointId: number, e: unknown) => reply({ type: 'snapshot.asyncFailed', checkpointId, message: message(e), now: clock.now() });
  const runAsync = (checkpointId: number) => {
    // The synchronous part failed in this same step: `snapshot.syncFailed` is on its way.
    if (syncMs.get(checkpointId) === -1) return void syncMs.delete(checkpointId);
    const part = asyncParts.get(checkpointId);
    asyncParts.delete(checkpointId);
    if (typeof part !== 'function') return asyncDone(checkpointId, part ?? null);
    let result: ReturnType<AsyncSnapshotPart>;
    try {
      result = part();
    } catch (e) {
      return asyncFailed(checkpointId, e);
    }
    if (result instanceof Promise) {
      result.then(
        (state) => asyncDone(checkpointId, state),
        (e: unknown) => asyncFailed(checkpointId, e),
      );
    } else asyncDone(checkpointId, result);
  };

  const execute = (c: TaskCommand): void => {
    commandListeners.emit(c);
    switch (c.kind) {
      case 'sendToCoordinator': {
        const sent = options.toCoordinator.send(c.message);
        if (sent instanceof Promise) sent.catch(() => {});
        return;
      }
      case 'broadcast':
        options.downstream?.broadcast(c.event);
        return;
      case 'blockChannel':
        options.inputs?.block(c.channel);
        return;
      case 'unblockChannel':
        options.inputs?.unblock(c.channel);
        return;
      case 'startCapture':
        options.inputs?.startCapture?.(c.channel, c.checkpointId);
        return;
      case 'stopCapture':
        options.inputs?.stopCapture?.(c.channel, c.checkpointId);
        return;
      case 'initializeState': {
        const initialized = () => reply({ type: 'task.initialized', now: clock.now() });
        let result: void | Promise<void>;
        try {
          result = snapshots?.restore?.(c.restore);
        } catch (e) {
          return failTask(e);
        }
        if (result instanceof Promise) result.then(initialized, failTask);
        else initialized();
        return;
      }
      case 'snapshotSync': {
        // The synchronous part runs now, within the step; only a failure is answered.
        const { checkpointId, timestamp, options: checkpointOptions, unaligned, sinkState } = c;
        if (!snapshots) return void asyncParts.set(checkpointId, null);
        const startedAt = clock.now();
        try {
          asyncParts.set(checkpointId, snapshots.sync({ checkpointId, timestamp, options: checkpointOptions, unaligned, sinkState }));
        } catch (e) {
          syncMs.set(checkpointId, -1);
          return reply({ type: 'snapshot.syncFailed', checkpointId, message: message(e), now: clock.now() });
        }
        const took = clock.now() - startedAt;
        if (took > 0) syncMs.set(checkpointId, took);
        return;
      }
      case 'snapshotAsync':
        return runAsync(c.checkpointId);
      case 'cancelSnapshot':
        asyncParts.delete(c.checkpointId);
        syncMs.delete(c.checkpointId);
        snapshots?.cancel?.(c.checkpointId);
        return;
      case 'beginTransaction':
        return guarded(() => sink?.beginTransaction(c.transactionId));
      case 'preCommit':
        return guarded(() => sink?.preCommit(c.transactionId, c.checkpointId));
      case 'commit':
        return guarded(() => sink?.commit(c.transactionId, c.checkpointId));
      case 'abortTransaction':
        return guarded(() => sink?.abort(c.transactionId));
      case 'recoverAndCommit':
        return guarded(() => sink?.recoverAndCommit(c.transactionId, c.checkpointId));
      case 'recoverAndAbort':
        return guarded(() => sink?.recoverAndAbort(c.transactionId));
      case 'committed': {
        const o: Observation = { kind: 'committed', taskId: c.taskId, attempt: c.attempt, checkpointId: c.checkpointId };
        observationListeners.emit(o);
        return;
      }
      case 'startTimer': {
        const name = timerPrefix + c.timer;
        armed.add(name);
        timers.set(name, c.delayMs, () => {
          armed.delete(name);
          reply({ type: 'timer.fired', timer: c.timer, now: clock.now() });
        });
        return;
      }
      case 'cancelTimer':
        armed.delete(timerPrefix + c.timer);
        timers.clear(timerPrefix + c.timer);
        return;
      case 'rejected':
        collecting?.push(c.rejection);
        return;
      case 'continueBatch':
        continuations.push({ type: 'stream.batch', events: c.events, now: c.now });
        return;
    }
  };

  const executeAll = (_: unknown, commands: readonly TaskCommand[]): void => {
    for (let i = 0; i < commands.length; i++) execute(commands[i] as TaskCommand);
  };
  const actor = createActor(taskMachine.provide({ actions: { commands: executeAll } }), {
    input: options.task,
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });

  /**
   * Sends one event and, from the outermost call, the rests of batches it handed back (after the
   * replies of synchronous ports, where the next single event would have come); collects every
   * rejection into `into`.
   */
  const deliver = (event: TaskEvent, into: Rejection[]): void => {
    const outer = collecting;
    collecting = into;
    depth++;
    try {
      actor.send(event);
      if (depth === 1) {
        for (let next = continuations.shift(); next !== undefined && !stopped; next = continuations.shift()) actor.send(next);
      }
    } finally {
      depth--;
      if (depth === 0) continuations.length = 0;
      collecting = outer;
    }
  };

  /** Sends one event; returns the first rejection it caused, if any. */
  const send = (event: TaskEvent): ReceiveResult => {
    if (stopped) return { ok: false, rejection: SHUT_DOWN };
    if (!started) return { ok: false, rejection: NOT_STARTED };
    const mine: Rejection[] = [];
    deliver(event, mine);
    const first = mine[0];
    return first ? { ok: false, rejection: first } : { ok: true };
  };

  /** Why batch item `i` is malformed (channel out of range, bad event), or null. */
  const itemProblem = (item: unknown, i: number): Rejection | null => {
    if (item === null || typeof item !== 'object') return { code: 'malformed', path: `$[${i}]`, message: 'must be an object { channel, event }' };
    const c = (item as { channel?: unknown }).channel;
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= config.inputChannels) {
      return { code: 'malformed', path: `$[${i}].channel`, message: `must be an input channel index in [0, ${config.inputChannels})` };
    }
    const bad = checkStreamEvent((item as { event?: unknown }).event);
    return bad ? itemRejection(i, bad) : null;
  };

  const receiveStreamBatch = (items: ReadonlyArray<{ readonly channel: number; readonly event: unknown }>): Rejection[] => {
    if (stopped) return [SHUT_DOWN];
    if (!started) return [NOT_STARTED];
    if (!Array.isArray(items)) return [{ code: 'malformed', path: '$', message: 'must be an array of { channel, event }' }];
    // First pass: every item checked, and no channel twice (else nothing is delivered).
    if (++epoch === 0xffffffff) {
      seen.fill(0);
      epoch = 1;
    }
    let problems: Array<Rejection | null> | null = null;
    for (let i = 0; i < items.length; i++) {
      const item: unknown = items[i];
      const problem = itemProblem(item, i);
      if (problem !== null) {
        problems ??= new Array<Rejection | null>(items.length).fill(null);
        problems[i] = problem;
        continue;
      }
      const c = (item as StreamBatchItem).channel;
      if (seen[c] === epoch) return [{ code: 'invalid-request', path: `$[${i}].channel`, message: `channel ${c} delivers twice in one batch; a batch takes at most one event per channel` }];
      seen[c] = epoch;
    }
    const now = clock.now();
    const rejections: Rejection[] = [];
    if (problems === null) {
      if (items.length > 0) deliver({ type: 'stream.batch', events: items as readonly StreamBatchItem[], now }, rejections);
      return rejections;
    }
    // Malformed items split the batch, so the rejections keep the items' order.
    let from = 0;
    for (let i = 0; i <= items.length; i++) {
      const problem = i < items.length ? problems[i] : null;
      if (i < items.length && problem === null) continue;
      if (i > from) deliver({ type: 'stream.batch', events: items.slice(from, i) as StreamBatchItem[], now }, rejections);
      if (problem) rejections.push(problem);
      from = i + 1;
    }
    return rejections;
  };

  return {
    config,
    actor,
    start() {
      if (stopped) return { ok: false, rejection: SHUT_DOWN };
      if (!started) {
        started = true;
        actor.start();
      }
      return send({ type: 'task.start', now: clock.now() });
    },
    receive(input) {
      const bad = checkControlMessage(input);
      if (bad) return { ok: false, rejection: bad };
      const m = input as { type: string };
      if (!(COORDINATOR_TO_TASK_TYPES as readonly string[]).includes(m.type)) {
        return { ok: false, rejection: { code: 'malformed', path: '$.type', message: `${m.type} is not a message to a task` } };
      }
      return send({ ...(input as object), now: clock.now() } as TaskControlEvent);
    },
    receiveStream(channel, event) {
      const bad = checkStreamEvent(event);
      if (bad) return { ok: false, rejection: bad };
      return send(streamEvent(channel, event as StreamEvent, clock.now()));
    },
    receiveStreamBatch,
    endOfInput: () => send({ type: 'task.endOfInput', now: clock.now() }),
    fail: (why = 'failed by request') => send({ type: 'task.fail', message: why, now: clock.now() }),
    cancel: () => send({ type: 'task.cancel', now: clock.now() }),
    state: () => taskView(actor.getSnapshot()),
    snapshot: () => actor.getSnapshot(),
    onCommand: (listener) => commandListeners.add(listener),
    onObservation: (listener) => observationListeners.add(listener),
    stop() {
      if (stopped) return;
      stopped = true;
      for (const name of armed) timers.clear(name);
      armed.clear();
      actor.stop();
    },
  };
}
