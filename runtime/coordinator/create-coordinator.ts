/**
 * `createCoordinator`: the coordinator machine as a running actor, wired to injected ports.
 * @packageDocumentation
 */
import { createActor } from 'xstate';
import type { InspectionEvent } from 'xstate';
import type {
  AcknowledgeCheckpoint,
  CheckpointFailureReason,
  CheckpointId,
  CheckpointingConfig,
  JobTopology,
  Observation,
  Rejection,
  SnapshotKind,
  StateHandle,
  SyncSavepointMode,
  TaskId,
  TaskToCoordinatorMessage,
} from '../../spec/index.js';
import { checkControlMessage, ConfigError, EMPTY_METRICS, resolveConfig, TASK_TO_COORDINATOR_TYPES, validateControlMessage, validateTopology } from '../../spec/index.js';
import { coordinatorMachine, coordinatorTimerName, observationsOf } from '../../machines/coordinator/index.js';
import type { CompletedCheckpoint, CoordinatorCommand, CoordinatorEvent, CoordinatorStats, PendingStage, TaskRecord } from '../../machines/coordinator/index.js';
import { Listeners } from '../listeners.js';
import type { Clock, Timers } from '../time.js';
import { systemClock, systemTimers } from '../time.js';
import { InMemoryCheckpointStore, InMemoryIdCounter } from './memory-store.js';
import type { CheckpointHook, CheckpointIdCounter, CompletedCheckpointStore, CoordinatorTransport } from './ports.js';

/** How a checkpoint or savepoint request ended: a value, never an exception. */
export type CheckpointOutcome =
  | { readonly status: 'completed'; readonly checkpointId: CheckpointId; readonly snapshot: SnapshotKind }
  | { readonly status: 'aborted'; readonly checkpointId: CheckpointId; readonly snapshot: SnapshotKind; readonly reason: CheckpointFailureReason }
  | { readonly status: 'failed'; readonly snapshot: SnapshotKind; readonly reason: CheckpointFailureReason };

/** The answer to an input: accepted, or rejected with a typed reason (state unchanged). */
export type ReceiveResult = { readonly ok: true } | { readonly ok: false; readonly rejection: Rejection };

/** Everything `createCoordinator` takes. Only `topology` and `transport` are required. */
export interface CoordinatorOptions {
  /** The job. */
  readonly topology: JobTopology;
  /** Checkpointing options; missing ones take Flink's defaults. */
  readonly config?: Partial<CheckpointingConfig>;
  /** Sends messages to tasks. */
  readonly transport: CoordinatorTransport;
  /** The completed-checkpoint store (default: in memory). */
  readonly store?: CompletedCheckpointStore;
  /** The id counter (default: in memory, from 1). */
  readonly counter?: CheckpointIdCounter;
  /** The clock (default: the system clock). */
  readonly clock?: Clock;
  /** The timers (default: `setTimeout`). */
  readonly timers?: Timers;
  /** Uniform random numbers in [0, 1) for the first periodic delay (default: `Math.random`). */
  readonly random?: () => number;
  /** Master hooks / operator coordinators by name (their names become `config.hooks`). */
  readonly hooks?: Readonly<Record<string, CheckpointHook>>;
  /** Writes completed savepoints (default: nothing to write). */
  readonly writeSavepoint?: (checkpoint: CompletedCheckpoint) => void | Promise<void>;
  /** Discards state no checkpoint references any more (default: nothing). */
  readonly discardState?: (handles: readonly StateHandle[]) => void;
  /** Called to restore tasks; the embedding engine redeploys them with the given state. */
  readonly onRestore?: (restore: { scope: 'global' | 'regional' | 'initial'; checkpoint: CompletedCheckpoint | null; tasks: readonly TaskId[] }) => void;
  /** Called when the job must fail (tolerable failures exceeded, or a stop-with-savepoint failed). */
  readonly onJobFailure?: (failure: { reason: CheckpointFailureReason; checkpointId: number; taskId: TaskId | null }) => void;
  /** Tasks already deployed (after a coordinator failover). */
  readonly tasks?: Readonly<Record<TaskId, TaskRecord>>;
  /** An XState inspection observer (e.g. from `@statelyai/inspect`). */
  readonly inspect?: (event: InspectionEvent) => void;
  /**
   * This coordinator's leader epoch (default 0: no failover). Stamped on every message to the
   * tasks, which reject messages of an epoch below the highest they saw; take it from the store's
   * leadership (a fenced store rejects the writes of a deposed leader).
   */
  readonly leaderEpoch?: number;
  /**
   * Called when a task attempt stayed silent longer than `heartbeatTimeout` and was declared
   * failed (its unacknowledged checkpoints are already aborted): recover the task.
   */
  readonly onTaskLost?: (lost: { readonly taskId: TaskId; readonly attempt: number; readonly silentForMs: number }) => void;
}

/** A pending checkpoint, as `state()` shows it. */
export interface PendingView {
  /** Its id. */
  readonly checkpointId: CheckpointId;
  /** What it takes. */
  readonly snapshot: SnapshotKind;
  /** Where it is. */
  readonly stage: PendingStage;
  /** Acknowledgements received. */
  readonly acknowledged: number;
  /** Acknowledgements required. */
  readonly required: number;
}

/** A readable view of the coordinator. */
export interface CoordinatorView {
  /** `active` or `shutDown`. */
  readonly status: 'active' | 'shutDown';
  /** The periodic scheduler. */
  readonly scheduler: 'stopped' | 'started';
  /** The trigger pipeline's state. */
  readonly trigger: 'idle' | 'planning' | 'allocatingId' | 'awaitingHooks';
  /** Pending checkpoints, by id. */
  readonly pending: readonly PendingView[];
  /** Retained completed checkpoints' ids, oldest first. */
  readonly completed: readonly CheckpointId[];
  /** Requests waiting. */
  readonly queued: number;
  /** Consecutive counted failures. */
  readonly failureCounter: number;
}

/** A running coordinator. */
export interface Coordinator {
  /** The job id. */
  readonly jobId: string;
  /** The resolved configuration. */
  readonly config: CheckpointingConfig;
  /**
   * Delivers a message from a task. Malformed input and inputs the protocol rejects (wrong job,
   * unknown task, stale attempt, unknown checkpoint) come back as a typed rejection and change
   * nothing.
   * @param message - untrusted input.
   */
  receive(message: unknown): ReceiveResult;
  /**
   * Delivers several acknowledgements as one event; equivalent to delivering them one by one.
   * @param acks - untrusted inputs; each must be an `acknowledgeCheckpoint`.
   * @returns the rejections (empty when all were accepted): first those of malformed inputs, in
   * input order, then those of the coordinator, in input order.
   */
  receiveBatch(acks: readonly unknown[]): Rejection[];
  /**
   * Asks for a checkpoint; resolves with its outcome.
   * @param checkpointType - `configured` (default), `full` or `incremental`.
   */
  triggerCheckpoint(checkpointType?: 'configured' | 'full' | 'incremental'): Promise<CheckpointOutcome>;
  /**
   * Asks for a savepoint, or a stop-with-savepoint with `syncMode`; resolves with its outcome.
   * @param syncMode - suspend or terminate, for stop-with-savepoint.
   */
  triggerSavepoint(syncMode?: SyncSavepointMode): Promise<CheckpointOutcome>;
  /** Starts periodic checkpoints. */
  startScheduler(): ReceiveResult;
  /** Stops periodic checkpoints; queued requests fail and pending checkpoints abort. */
  stopScheduler(): ReceiveResult;
  /**
   * Restores tasks from the latest completed checkpoint.
   * @param scope - global, regional or initial.
   * @param tasks - for regional: which tasks.
   */
  restore(scope: 'global' | 'regional' | 'initial', tasks?: readonly TaskId[]): ReceiveResult;
  /**
   * Aborts every pending checkpoint (e.g. on failover).
   * @param reason - why (default `JOB_FAILOVER_REGION`).
   */
  abortPending(reason?: CheckpointFailureReason): ReceiveResult;
  /** Shuts down for good. */
  shutdown(): void;
  /** A readable view of the current state. */
  state(): CoordinatorView;
  /** The figures. */
  stats(): CoordinatorStats;
  /**
   * Listens to every command the machine emits.
   * @param listener - called per command.
   * @returns a function that stops listening.
   */
  onCommand(listener: (command: CoordinatorCommand) => void): () => void;
  /**
   * Listens to the protocol observations (for monitors of the named properties).
   * @param listener - called per observation.
   * @returns a function that stops listening.
   */
  onObservation(listener: (observation: Observation) => void): () => void;
  /** The underlying XState actor (read-only use: snapshots, inspection). */
  readonly actor: ReturnType<typeof createActor<typeof coordinatorMachine>>;
}


/**
 * Creates and starts a coordinator: loads the store, then runs the machine with every command
 * wired to the ports.
 * @param options - ports and configuration.
 * @throws {@link ConfigError} naming the option, for a malformed configuration or topology.
 */
export async function createCoordinator(options: CoordinatorOptions): Promise<Coordinator> {
  validateTopology(options.topology);
  const hookPorts = options.hooks ?? {};
  const config = resolveConfig({ ...options.config, ...(options.hooks ? { hooks: Object.keys(hookPorts) } : {}) });
  for (const h of config.hooks) if (!hookPorts[h]) throw new ConfigError('hooks', `hook "${h}" has no implementation in options.hooks`);
  if (!options.transport || typeof options.transport.send !== 'function') throw new ConfigError('transport', 'must have a send(message) function');
  const le = options.leaderEpoch;
  if (le !== undefined && !(typeof le === 'number' && Number.isSafeInteger(le) && le >= 0)) throw new ConfigError('leaderEpoch', `must be a non-negative integer, got ${String(le)}`);
  const store = options.store ?? new InMemoryCheckpointStore();
  const counter = options.counter ?? new InMemoryIdCounter();
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers();
  const random = options.random ?? Math.random;
  const completed = await store.load();
  const jobId = options.topology.jobId;

  const commandListeners = new Listeners<CoordinatorCommand>();
  const observationListeners = new Listeners<Observation>();
  const requests = new Map<string, (o: CheckpointOutcome) => void>();
  let collecting: Rejection[] | null = null;
  // Rests of acknowledgement batches, delivered by the outermost send after the replies of its step.
  const continuations: (readonly AcknowledgeCheckpoint[])[] = [];
  let depth = 0;
  let nextRequest = 1;
  let lastTick = clock.now();

  const observe = (o: Observation) => observationListeners.emit(o);
  const settle = (requestId: string | null, outcome: CheckpointOutcome) => {
    if (requestId === null) return;
    const resolve = requests.get(requestId);
    requests.delete(requestId);
    resolve?.(outcome);
  };

  // Port replies come back as events; they are sent after the current step (never re-entrantly).
  const reply = (event: CoordinatorEvent) => send(event);
  const later = <T>(work: () => T | Promise<T>, ok: (v: T) => void, fail: (e: unknown) => void) => {
    let result: T | Promise<T>;
    try {
      result = work();
    } catch (e) {
      fail(e);
      return;
    }
    if (result instanceof Promise) result.then(ok, fail);
    else ok(result);
  };

  // Stamped on messages to tasks; absent for epoch 0 (the wire format of a coordinator without failover).
  const epoch = options.leaderEpoch ? { leaderEpoch: options.leaderEpoch } : {};
  const execute = (c: CoordinatorCommand): void => {
    commandListeners.emit(c);
    for (const o of observationsOf(c, config)) observe(o);
    switch (c.kind) {
      case 'trigger':
        for (const r of c.recipients) {
          const sent = options.transport.send({ type: 'triggerCheckpoint', jobId, taskId: r.taskId, attempt: r.attempt, checkpointId: c.checkpointId, timestamp: c.timestamp, options: c.options, ...epoch });
          if (sent instanceof Promise) sent.catch(() => reply({ type: 'trigger.failed', checkpointId: c.checkpointId, taskId: r.taskId }));
        }
        return;
      case 'notifyComplete':
        for (const r of c.recipients) {
          void Promise.resolve(options.transport.send({ type: 'notifyCheckpointComplete', jobId, taskId: r.taskId, attempt: r.attempt, checkpointId: c.checkpointId, timestamp: c.timestamp, lastSubsumedCheckpointId: c.lastSubsumedCheckpointId, ...epoch })).catch(() => {});
        }
        return;
      case 'notifyAborted':
        for (const r of c.recipients) {
          void Promise.resolve(options.transport.send({ type: 'notifyCheckpointAborted', jobId, taskId: r.taskId, attempt: r.attempt, checkpointId: c.checkpointId, latestCompletedCheckpointId: c.latestCompletedCheckpointId, timestamp: c.timestamp, ...epoch })).catch(() => {});
        }
        return;
      case 'startTimer':
        timers.set(coordinatorTimerName(c.timer), c.delayMs, () => send({ type: 'timer.fired', timer: c.timer }));
        return;
      case 'cancelTimer':
        timers.clear(coordinatorTimerName(c.timer));
        return;
      case 'allocateId':
        later(
          () => counter.getAndIncrement(),
          (checkpointId) => {
            observe({ kind: 'idAllocated', checkpointId });
            reply({ type: 'counter.allocated', seq: c.seq, checkpointId });
          },
          (e) => reply({ type: 'counter.failed', seq: c.seq, reason: isIoError(e) ? 'IO_EXCEPTION' : 'TRIGGER_CHECKPOINT_FAILURE' }),
        );
        return;
      case 'triggerHooks':
        for (const name of c.hooks) {
          later(
            () => hookPorts[name]!.trigger(c.checkpointId, c.timestamp),
            (state) => reply({ type: 'hook.acknowledged', checkpointId: c.checkpointId, hook: name, state }),
            () => reply({ type: 'hook.failed', checkpointId: c.checkpointId, hook: name }),
          );
        }
        return;
      case 'notifyHooks':
        for (const name of config.hooks) hookPorts[name]?.notify?.(c.checkpointId, c.outcome);
        return;
      case 'storeCheckpoint':
        later(
          () => store.add(c.checkpoint, c.subsumed),
          () => {
            observe({ kind: 'stored', checkpointId: c.checkpoint.checkpointId });
            reply({ type: 'finalize.succeeded', checkpointId: c.checkpoint.checkpointId });
          },
          () => reply({ type: 'finalize.failed', checkpointId: c.checkpoint.checkpointId }),
        );
        return;
      case 'finalizeSavepoint':
        later(
          () => options.writeSavepoint?.(c.checkpoint),
          () => reply({ type: 'finalize.succeeded', checkpointId: c.checkpoint.checkpointId }),
          () => reply({ type: 'finalize.failed', checkpointId: c.checkpoint.checkpointId }),
        );
        return;
      case 'discardState':
        options.discardState?.(c.handles);
        return;
      case 'restoreState':
        if (c.scope !== 'regional') {
          for (const name of config.hooks) hookPorts[name]?.restore?.(c.checkpoint ? c.checkpoint.checkpointId : -1, c.checkpoint?.hookStates[name] ?? null);
        }
        options.onRestore?.({ scope: c.scope, checkpoint: c.checkpoint, tasks: c.tasks });
        return;
      case 'checkpointCompleted':
        settle(c.requestId, { status: 'completed', checkpointId: c.checkpointId, snapshot: c.snapshot });
        return;
      case 'checkpointAborted':
        settle(c.requestId, { status: 'aborted', checkpointId: c.checkpointId, snapshot: c.snapshot, reason: c.reason });
        return;
      case 'requestFailed':
        settle(c.requestId, { status: 'failed', snapshot: c.snapshot, reason: c.reason });
        return;
      case 'taskLost':
        options.onTaskLost?.({ taskId: c.taskId, attempt: c.attempt, silentForMs: c.silentForMs });
        return;
      case 'failJob':
        options.onJobFailure?.({ reason: c.reason, checkpointId: c.checkpointId, taskId: c.taskId });
        return;
      case 'rejected':
        collecting?.push(c.rejection);
        return;
      case 'continueBatch':
        continuations.push(c.acks);
        return;
      case 'pendingCreated':
      case 'failureCounted':
        return;
    }
  };

  const executeAll = (_: unknown, commands: readonly CoordinatorCommand[]): void => {
    for (let i = 0; i < commands.length; i++) execute(commands[i] as CoordinatorCommand);
  };
  const machine = coordinatorMachine.provide({ actions: { commands: executeAll } });
  const actor = createActor(machine, {
    input: { topology: options.topology, config, completed, now: lastTick, ...(options.tasks ? { tasks: options.tasks } : {}) },
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  actor.start();

  /**
   * Sends one event after advancing the machine's clock; returns the rejections it caused. The
   * outermost call then delivers the rest of any acknowledgement batch, after the replies of
   * synchronous ports were processed: where the next single acknowledgement would have been.
   */
  function send(event: CoordinatorEvent): Rejection[] {
    const now = clock.now();
    const outer = collecting;
    const mine: Rejection[] = [];
    collecting = mine;
    depth++;
    try {
      if (now > lastTick) {
        lastTick = now;
        actor.send({ type: 'clock.tick', now });
      }
      actor.send(event);
      if (depth === 1) {
        for (let acks = continuations.shift(); acks; acks = continuations.shift()) actor.send({ type: 'acknowledgeBatch', acks });
      }
    } finally {
      depth--;
      collecting = outer;
      outer?.push(...mine);
    }
    return mine;
  }

  const result = (rejections: Rejection[]): ReceiveResult => (rejections[0] ? { ok: false, rejection: rejections[0] } : { ok: true });

  const request = (event: (requestId: string) => CoordinatorEvent, snapshot: SnapshotKind): Promise<CheckpointOutcome> => {
    const requestId = `request-${nextRequest++}`;
    return new Promise<CheckpointOutcome>((resolve) => {
      requests.set(requestId, resolve);
      const rejections = send(event(requestId));
      if (rejections[0]) {
        requests.delete(requestId);
        resolve({ status: 'failed', snapshot, reason: 'TRIGGER_CHECKPOINT_FAILURE' });
      }
    });
  };

  const coordinator: Coordinator = {
    jobId,
    config,
    actor,
    receive(message) {
      const v = validateControlMessage(message);
      if (!v.ok) return { ok: false, rejection: v.rejection };
      if (!(TASK_TO_COORDINATOR_TYPES as readonly string[]).includes(v.value.type)) {
        return { ok: false, rejection: { code: 'malformed', path: '$.type', message: `${v.value.type} is not a message to the coordinator` } };
      }
      const m = v.value as TaskToCoordinatorMessage;
      // Another job's acknowledgement is no acknowledgement for the properties.
      if (m.type === 'acknowledgeCheckpoint' && m.jobId === jobId) observe({ kind: 'ackDelivered', checkpointId: m.checkpointId, taskId: m.taskId, attempt: m.attempt });
      return result(send(m));
    },
    receiveBatch(acks) {
      const valid: AcknowledgeCheckpoint[] = [];
      const rejections: Rejection[] = [];
      for (const a of acks) {
        const bad = checkControlMessage(a);
        if (bad) rejections.push(bad);
        else if ((a as { type: string }).type !== 'acknowledgeCheckpoint') rejections.push({ code: 'malformed', path: '$.type', message: 'a batch holds acknowledgeCheckpoint messages only' });
        else {
          const ack = a as AcknowledgeCheckpoint;
          valid.push(ack);
          if (observationListeners.size > 0 && ack.jobId === jobId) observe({ kind: 'ackDelivered', checkpointId: ack.checkpointId, taskId: ack.taskId, attempt: ack.attempt });
        }
      }
      if (valid.length > 0) rejections.push(...send({ type: 'acknowledgeBatch', acks: valid }));
      return rejections;
    },
    triggerCheckpoint(checkpointType = 'configured') {
      return request((requestId) => ({ type: 'request.checkpoint', requestId, checkpointType }), checkpointType === 'full' ? 'full' : 'checkpoint');
    },
    triggerSavepoint(syncMode) {
      return request((requestId) => ({ type: 'request.savepoint', requestId, ...(syncMode ? { syncMode } : {}) }), syncMode ? 'sync-savepoint' : 'savepoint');
    },
    startScheduler: () => result(send({ type: 'scheduler.start', random: random() })),
    stopScheduler: () => result(send({ type: 'scheduler.stop' })),
    restore: (scope, tasks) => result(send({ type: 'restore', scope, ...(tasks ? { tasks } : {}) })),
    abortPending: (reason = 'JOB_FAILOVER_REGION') => result(send({ type: 'abortPending', reason })),
    shutdown() {
      send({ type: 'shutdown' });
    },
    state() {
      const s = actor.getSnapshot();
      const value = s.value as { active?: { scheduler: CoordinatorView['scheduler']; trigger: CoordinatorView['trigger'] } } | 'shutDown';
      const active = typeof value === 'object' ? value.active : undefined;
      return {
        status: active ? 'active' : 'shutDown',
        scheduler: active?.scheduler ?? 'stopped',
        trigger: active?.trigger ?? 'idle',
        pending: [...s.context.pending.values()].map((p) => ({ checkpointId: p.checkpointId, snapshot: p.request.snapshot, stage: p.stage, acknowledged: p.acks.size, required: p.plan.waitFor.size })),
        completed: s.context.completed.map((c) => c.checkpointId),
        queued: s.context.queue.length,
        failureCounter: s.context.failures.counter,
      };
    },
    stats: () => actor.getSnapshot().context.stats,
    onCommand: (listener) => commandListeners.add(listener),
    onObservation: (listener) => observationListeners.add(listener),
  };
  return coordinator;
}

function isIoError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string';
}

/** Metrics for acknowledgements that measured nothing (re-exported for convenience). */
export { EMPTY_METRICS };
