/**
 * A small harness around `createCoordinator` for scenario tests: manual time, in-memory store and
 * id counter, a transport that records what is sent, helpers to report task states and to
 * acknowledge or decline, and a {@link ProtocolMonitor} fed with every observation. Every harness
 * created in a test is checked for violations after the test by {@link useProtocolMonitors}.
 * @packageDocumentation
 */
import { afterEach, expect } from 'vitest';
import type {
  CheckpointFailureReason,
  CheckpointingConfig,
  CoordinatorToTaskMessage,
  DeclineReason,
  JobTopology,
  Observation,
  StateHandle,
  TaskExecutionState,
  TaskId,
} from '../../spec/index.js';
import { EMPTY_METRICS, ProtocolMonitor, taskIdsOf } from '../../spec/index.js';
import type { CompletedCheckpoint, CoordinatorCommand, CoordinatorCommandKind, TaskRecord } from '../../machines/coordinator/index.js';
import type { CheckpointOutcome, Coordinator, ReceiveResult } from '../../runtime/coordinator/create-coordinator.js';
import { createCoordinator } from '../../runtime/coordinator/create-coordinator.js';
import { InMemoryCheckpointStore, InMemoryIdCounter } from '../../runtime/coordinator/memory-store.js';
import type { CheckpointHook, CheckpointIdCounter, CompletedCheckpointStore } from '../../runtime/coordinator/ports.js';
import { ManualTime } from '../../runtime/time.js';

/** The job most scenarios use: two sources feeding one sink, all-to-all. */
export const SIMPLE_JOB: JobTopology = {
  jobId: 'job',
  vertices: [
    { id: 'src', parallelism: 2, inputs: [] },
    { id: 'sink', parallelism: 1, inputs: [{ from: 'src', pattern: 'all-to-all' }] },
  ],
};

/** A longer pipeline: source (2) → map (2, pointwise) → sink (1, all-to-all). */
export const PIPELINE_JOB: JobTopology = {
  jobId: 'pipeline',
  vertices: [
    { id: 'src', parallelism: 2, inputs: [] },
    { id: 'map', parallelism: 2, inputs: [{ from: 'src', pattern: 'pointwise' }] },
    { id: 'sink', parallelism: 1, inputs: [{ from: 'map', pattern: 'all-to-all' }] },
  ],
};

/** A store whose contents a test can read synchronously. */
export type ReadableStore = Omit<CompletedCheckpointStore, 'load'> & { load(): readonly CompletedCheckpoint[] };

/** What a harness is created with; everything is optional. */
export interface FixtureOptions {
  /** The job (default {@link SIMPLE_JOB}). */
  readonly topology?: JobTopology;
  /** Checkpointing options. */
  readonly config?: Partial<CheckpointingConfig>;
  /** Master hooks by name. */
  readonly hooks?: Readonly<Record<string, CheckpointHook>>;
  /** The store (default: a new in-memory store). */
  readonly store?: ReadableStore;
  /** The id counter (default: a new in-memory counter). */
  readonly counter?: CheckpointIdCounter;
  /** The manual time (default: a new one at 1000 ms). */
  readonly time?: ManualTime;
  /** The random source for the first periodic delay (default: always 0). */
  readonly random?: () => number;
  /** Report every task running at attempt 0 (default true). */
  readonly running?: boolean;
  /** Tasks already deployed, passed to `createCoordinator`. */
  readonly tasks?: Readonly<Record<TaskId, TaskRecord>>;
  /** Replaces the recording transport's behaviour (the message is recorded first). */
  readonly send?: (message: CoordinatorToTaskMessage) => void | Promise<void>;
  /** Writes savepoints. */
  readonly writeSavepoint?: (checkpoint: CompletedCheckpoint) => void | Promise<void>;
  /** A monitor to feed (to follow a run across coordinator restarts). */
  readonly monitor?: ProtocolMonitor;
}

/** Options of one acknowledgement. */
export interface AckOptions {
  /** The acknowledging attempt (default: 0). */
  readonly attempt?: number;
  /** The state handle (default: `<task>@<id>`, 10 bytes); null for a stateless task. */
  readonly state?: StateHandle | null;
  /** Bytes persisted, reported in the metrics (default 0). */
  readonly bytes?: number;
  /** The job id (default: the harness's job). */
  readonly jobId?: string;
}

/** A running coordinator with everything a scenario needs. */
export interface Fixture {
  /** The coordinator. */
  readonly c: Coordinator;
  /** The job id. */
  readonly jobId: string;
  /** Every task id of the job, vertex by vertex. */
  readonly taskIds: readonly TaskId[];
  /** The manual clock and timers. */
  readonly time: ManualTime;
  /** The store. */
  readonly store: ReadableStore;
  /** The id counter. */
  readonly counter: CheckpointIdCounter;
  /** The monitor fed with every observation. */
  readonly monitor: ProtocolMonitor;
  /** Every message sent to tasks. */
  readonly sent: CoordinatorToTaskMessage[];
  /** Every command the machine emitted. */
  readonly commands: CoordinatorCommand[];
  /** Every observation. */
  readonly observations: Observation[];
  /** Every state handle handed to `discardState`. */
  readonly discarded: StateHandle[];
  /** Every restore the coordinator asked for. */
  readonly restores: Array<{ scope: 'global' | 'regional' | 'initial'; checkpoint: CompletedCheckpoint | null; tasks: readonly TaskId[] }>;
  /** Every job failure the coordinator asked for. */
  readonly jobFailures: Array<{ reason: CheckpointFailureReason; checkpointId: number; taskId: TaskId | null }>;
  /**
   * Reports a task state.
   * @param taskId - the task.
   * @param state - its state.
   * @param attempt - the attempt (default 0).
   */
  report(taskId: TaskId, state: TaskExecutionState, attempt?: number): ReceiveResult;
  /**
   * Reports every task of the job running at `attempt`.
   * @param attempt - the attempt (default 0).
   */
  runAll(attempt?: number): void;
  /**
   * The acknowledgement message a task would send.
   * @param taskId - the task.
   * @param checkpointId - the checkpoint.
   * @param options - attempt, state, bytes, job.
   */
  ackMessage(taskId: TaskId, checkpointId: number, options?: AckOptions): Record<string, unknown>;
  /**
   * Delivers an acknowledgement.
   * @param taskId - the task.
   * @param checkpointId - the checkpoint.
   * @param options - attempt, state, bytes, job.
   */
  ack(taskId: TaskId, checkpointId: number, options?: AckOptions): ReceiveResult;
  /**
   * Acknowledges `checkpointId` from every task (or the given ones) at attempt 0, one by one.
   * @param checkpointId - the checkpoint.
   * @param tasks - the tasks (default: all).
   */
  ackAll(checkpointId: number, tasks?: readonly TaskId[]): void;
  /**
   * Delivers a decline.
   * @param taskId - the task.
   * @param checkpointId - the checkpoint.
   * @param reason - the reason (default `CHECKPOINT_DECLINED`).
   * @param attempt - the attempt (default 0).
   */
  decline(taskId: TaskId, checkpointId: number, reason?: DeclineReason, attempt?: number): ReceiveResult;
  /** Commands of one kind, in order. */
  commandsOf<K extends CoordinatorCommandKind>(kind: K): Array<Extract<CoordinatorCommand, { kind: K }>>;
  /** Messages of one type sent to tasks, in order. */
  sentOf<T extends CoordinatorToTaskMessage['type']>(type: T): Array<Extract<CoordinatorToTaskMessage, { type: T }>>;
  /** Forgets what was recorded so far (sent, commands, observations, discarded). */
  clearLog(): void;
  /** Asserts the monitor saw no violation. */
  expectNoViolations(): void;
}

const live: ProtocolMonitor[] = [];

/**
 * Registers an `afterEach` that fails the test when any monitor created during it (by
 * {@link startFixture}, or registered with {@link watchMonitor}) recorded a violation. Call once
 * at the top of every scenario test file.
 */
export function useProtocolMonitors(): void {
  afterEach(() => {
    const monitors = live.splice(0);
    for (const m of monitors) expect(m.violations, 'protocol monitor violations').toEqual([]);
  });
}

/**
 * Has {@link useProtocolMonitors} check `monitor` after the current test.
 * @param monitor - a monitor.
 */
export function watchMonitor(monitor: ProtocolMonitor): ProtocolMonitor {
  if (!live.includes(monitor)) live.push(monitor);
  return monitor;
}

/**
 * Lets pending promise callbacks run (outcomes settle through promises).
 */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** A promise with its outcome readable once settled. */
export interface Tracked<T> {
  /** The promise. */
  readonly promise: Promise<T>;
  /** The value once settled (after {@link flush}); undefined before. */
  value: T | undefined;
}

/**
 * Tracks a promise so a test can assert it has not settled yet.
 * @param promise - the promise.
 */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { promise, value: undefined };
  void promise.then((v) => {
    t.value = v;
  });
  return t;
}

/**
 * Creates a coordinator with manual time, running tasks (unless told otherwise) and a monitor.
 * @param options - see {@link FixtureOptions}.
 */
export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const topology = options.topology ?? SIMPLE_JOB;
  const time = options.time ?? new ManualTime(1000);
  const store = options.store ?? new InMemoryCheckpointStore();
  const counter = options.counter ?? new InMemoryIdCounter();
  const monitor = watchMonitor(options.monitor ?? new ProtocolMonitor());
  const sent: CoordinatorToTaskMessage[] = [];
  const commands: CoordinatorCommand[] = [];
  const observations: Observation[] = [];
  const discarded: StateHandle[] = [];
  const restores: Fixture['restores'] = [];
  const jobFailures: Fixture['jobFailures'] = [];
  const c = await createCoordinator({
    topology,
    ...(options.config ? { config: options.config } : {}),
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(options.tasks ? { tasks: options.tasks } : {}),
    ...(options.writeSavepoint ? { writeSavepoint: options.writeSavepoint } : {}),
    transport: {
      send: (m) => {
        sent.push(m);
        return options.send?.(m);
      },
    },
    store,
    counter,
    clock: time,
    timers: time,
    random: options.random ?? (() => 0),
    discardState: (handles) => discarded.push(...handles),
    onRestore: (r) => restores.push(r),
    onJobFailure: (f) => jobFailures.push(f),
  });
  c.onCommand((command) => commands.push(command));
  c.onObservation((o) => {
    observations.push(o);
    monitor.observe(o);
  });
  const jobId = topology.jobId;
  const taskIds = taskIdsOf(topology);
  const f: Fixture = {
    c,
    jobId,
    taskIds,
    time,
    store,
    counter,
    monitor,
    sent,
    commands,
    observations,
    discarded,
    restores,
    jobFailures,
    report: (taskId, state, attempt = 0) => c.receive({ type: 'taskStateChanged', jobId, taskId, attempt, state }),
    runAll(attempt = 0) {
      for (const t of taskIds) {
        for (const state of ['deploying', 'initializing', 'running'] as const) f.report(t, state, attempt);
      }
    },
    ackMessage: (taskId, checkpointId, o = {}) => ({
      type: 'acknowledgeCheckpoint',
      jobId: o.jobId ?? jobId,
      taskId,
      attempt: o.attempt ?? 0,
      checkpointId,
      metrics: { ...EMPTY_METRICS, bytesPersisted: o.bytes ?? 0 },
      state: o.state === undefined ? { key: `${taskId}@${checkpointId}`, sizeBytes: 10 } : o.state,
    }),
    ack: (taskId, checkpointId, o) => c.receive(f.ackMessage(taskId, checkpointId, o)),
    ackAll(checkpointId, tasks = taskIds) {
      for (const t of tasks) expect(f.ack(t, checkpointId)).toEqual({ ok: true });
    },
    decline: (taskId, checkpointId, reason = 'CHECKPOINT_DECLINED', attempt = 0) =>
      c.receive({ type: 'declineCheckpoint', jobId, taskId, attempt, checkpointId, reason }),
    commandsOf: <K extends CoordinatorCommandKind>(kind: K) => commands.filter((x): x is Extract<CoordinatorCommand, { kind: K }> => x.kind === kind),
    sentOf: <T extends CoordinatorToTaskMessage['type']>(type: T) => sent.filter((m): m is Extract<CoordinatorToTaskMessage, { type: T }> => m.type === type),
    clearLog() {
      sent.length = 0;
      commands.length = 0;
      observations.length = 0;
      discarded.length = 0;
    },
    expectNoViolations: () => expect(monitor.violations).toEqual([]),
  };
  if (options.running ?? true) f.runAll();
  return f;
}

/**
 * Triggers a checkpoint and acknowledges it from every task; returns its outcome.
 * @param f - the harness.
 */
export async function completeCheckpoint(f: Fixture): Promise<CheckpointOutcome> {
  const p = f.c.triggerCheckpoint();
  const id = f.c.state().pending.at(-1)?.checkpointId;
  expect(id, 'a checkpoint became pending').toBeDefined();
  f.ackAll(id as number);
  return p;
}
