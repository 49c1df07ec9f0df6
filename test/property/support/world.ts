/**
 * A whole job in one process for property tests, built from `createCoordinator` and `createTask`
 * like the in-process harness, with the hooks a fault schedule needs: every control message
 * (coordinator to task and back) waits in one queue where it can be delivered in any order,
 * dropped or duplicated; data channels are FIFO and honour blocking; time is manual; any task can
 * fail, the job then fails over (pending checkpoints abort, every task is redeployed from the
 * latest completed checkpoint). Leaf tasks are two-phase-commit sinks.
 *
 * Two ways to run it:
 * - stepped: the test delivers messages one at a time ({@link World.step}), with synchronous ports;
 * - scheduled: every delivery and every port answer (id counter, store, snapshot restore and
 *   asynchronous part) is a promise released by an `fc.scheduler`, which picks the interleaving.
 * @packageDocumentation
 */
import type fc from 'fast-check';
import type {
  CheckpointingConfig,
  ControlMessage,
  CoordinatorToTaskMessage,
  JobTopology,
  Observation,
  StreamEvent,
  TaskId,
  TaskToCoordinatorMessage,
} from '../../../spec/index.js';
import { ProtocolMonitor, resolveConfig, taskIdsOf, upstreamTasksOf } from '../../../spec/index.js';
import type { CompletedCheckpoint, CoordinatorCommand } from '../../../machines/coordinator/index.js';
import type { CheckpointOutcome, Coordinator } from '../../../runtime/coordinator/create-coordinator.js';
import { createCoordinator } from '../../../runtime/coordinator/create-coordinator.js';
import { InMemoryCheckpointStore, InMemoryIdCounter } from '../../../runtime/coordinator/memory-store.js';
import type { Task } from '../../../runtime/task/create-task.js';
import { createTask } from '../../../runtime/task/create-task.js';
import { InMemorySink, InMemorySnapshots } from '../../../runtime/task/in-memory.js';
import type { AsyncSnapshotPart, TaskSnapshots } from '../../../runtime/task/ports.js';
import { ManualTime } from '../../../runtime/time.js';

/** A control message on its way. */
export interface Envelope {
  /** Order of sending. */
  readonly seq: number;
  /** The coordinator or a task. */
  readonly to: 'coordinator' | TaskId;
  /** The message. */
  readonly message: ControlMessage;
}

/** Control messages that may be lost or duplicated: the checkpoint RPCs (not task state reports). */
export const FAULTY_TYPES: ReadonlySet<ControlMessage['type']> = new Set(['triggerCheckpoint', 'acknowledgeCheckpoint', 'declineCheckpoint', 'notifyCheckpointComplete', 'notifyCheckpointAborted']);

interface Channel {
  readonly from: TaskId;
  readonly queue: StreamEvent[];
  blocked: boolean;
  /** Scheduled mode: deliveries owed while the channel was blocked. */
  owed: number;
}

/** Options of {@link World.create}. */
export interface WorldOptions {
  /** The job; leaf vertices become two-phase-commit sinks. */
  readonly topology: JobTopology;
  /** Checkpointing options (`tolerableFailures` defaults to Infinity here). */
  readonly config?: Partial<CheckpointingConfig>;
  /** Deliver a run of consecutive acknowledgements to the coordinator as one batch. */
  readonly batchAcks?: boolean;
  /** Scheduled mode: every delivery and port answer waits for this scheduler. */
  readonly scheduler?: fc.Scheduler;
  /** Record every coordinator command (for equivalence checks). */
  readonly recordCommands?: boolean;
  /** Start periodic checkpoints (needs `config.interval`). */
  readonly periodic?: boolean;
}

/** A promise whose value is readable once settled. */
export interface Settled<T> {
  /** The value, once settled. */
  value: T | undefined;
}

const describe = (m: ControlMessage): string =>
  m.type === 'taskStateChanged' ? `${m.taskId}:${m.state}@${m.attempt}` : m.type === 'heartbeat' ? `heartbeat ${m.taskId}@${m.attempt}` : `${m.type}(${m.checkpointId}) ${m.taskId}@${m.attempt}`;

/** A job in one process with fault hooks. */
export class World {
  /** The clock and timers. */
  readonly time = new ManualTime(0);
  /** Fed with every observation of the coordinator and the tasks. */
  readonly monitor = new ProtocolMonitor();
  /** The current attempt of every task. */
  readonly tasks = new Map<TaskId, Task>();
  /** Every sink's external system (survives restarts). */
  readonly sinks = new Map<TaskId, InMemorySink>();
  /** Every task's snapshot storage (survives restarts). */
  readonly snapshots = new Map<TaskId, InMemorySnapshots>();
  /** Control messages in flight. */
  readonly control: Envelope[] = [];
  /** Every completed checkpoint (not savepoint), by id, as stored. */
  readonly completed = new Map<number, CompletedCheckpoint>();
  /** Checkpoints restored, in order (-1: none). */
  readonly restored: number[] = [];
  /** The checkpoint each task attempt was deployed from (-1: none), by `task@attempt`. */
  readonly deployedFrom = new Map<string, number>();
  /** The attempt of each task each checkpoint was planned with, by checkpoint id. */
  readonly plans = new Map<number, ReadonlyMap<TaskId, number>>();
  /** Every coordinator command, when recorded. */
  readonly commands: CoordinatorCommand[] = [];
  /** Request outcomes, in request order. */
  readonly outcomes: Array<Settled<CheckpointOutcome>> = [];
  /** Acknowledgements delivered in batches of more than one. */
  batchedAcks = 0;
  /** Why tasks failed, when not by injection. */
  readonly unexpectedFailures: string[] = [];
  /** The job's task ids. */
  readonly taskIds: readonly TaskId[];
  /** The leaf (sink) task ids. */
  readonly sinkIds: readonly TaskId[];
  /** The resolved configuration. */
  readonly config: CheckpointingConfig;
  private readonly store = new InMemoryCheckpointStore();
  private readonly counter = new InMemoryIdCounter();
  private readonly channels = new Map<TaskId, Channel[]>();
  private readonly outputs = new Map<TaskId, Array<[TaskId, number]>>();
  private readonly upstream = new Map<TaskId, readonly TaskId[]>();
  private readonly attempts = new Map<TaskId, number>();
  private readonly restores: Array<{ checkpoint: CompletedCheckpoint | null; tasks: readonly TaskId[] }> = [];
  private readonly storing = new Map<number, CompletedCheckpoint>();
  private coordinatorRef: Coordinator | null = null;
  private seq = 0;
  private cursor = 0;
  private readonly injected = new Set<string>();
  private generation = 0;
  /** Requests of coordinators that crashed (they never settle). */
  readonly orphaned = new Set<Settled<CheckpointOutcome>>();

  private constructor(private readonly options: WorldOptions) {
    const { topology } = options;
    this.config = resolveConfig({ tolerableFailures: Infinity, ...options.config });
    this.taskIds = taskIdsOf(topology);
    const consumed = new Set(topology.vertices.flatMap((v) => v.inputs.map((i) => i.from)));
    this.sinkIds = this.taskIds.filter((id) => !consumed.has(id.slice(0, id.lastIndexOf('#'))));
    for (const id of this.taskIds) this.outputs.set(id, []);
    for (const vertex of topology.vertices) {
      for (let i = 0; i < vertex.parallelism; i++) {
        const id = `${vertex.id}#${i}`;
        const up = upstreamTasksOf(topology, vertex.id, i);
        this.upstream.set(id, up);
        up.forEach((from, channel) => this.outputs.get(from)!.push([id, channel]));
      }
    }
    for (const id of this.taskIds) {
      this.snapshots.set(id, new InMemorySnapshots(id));
      if (this.sinkIds.includes(id)) this.sinks.set(id, new InMemorySink());
    }
  }

  /**
   * Creates the coordinator and deploys every task (attempt 0); in stepped mode, runs until quiet.
   * @param options - the job and how to run it.
   */
  static async create(options: WorldOptions): Promise<World> {
    const w = new World(options);
    await w.startCoordinator();
    for (const id of w.taskIds) w.deploy(id, 0, null);
    if (options.periodic) w.coordinator.startScheduler();
    if (!options.scheduler) w.runAll();
    return w;
  }

  /** Creates a coordinator on the durable store and id counter (a new generation). */
  private async startCoordinator(): Promise<void> {
    const s = this.options.scheduler;
    const later = <T>(label: string, work: () => T): Promise<T> => (s ? s.schedule(Promise.resolve(label), label).then(work) : Promise.resolve(work()));
    // A store write takes three releases: it stays in flight while much else happens.
    const slow = <T>(label: string, work: () => T): Promise<T> => later(`${label} (1/3)`, () => undefined).then(() => later(`${label} (2/3)`, () => undefined)).then(() => later(`${label} (3/3)`, work));
    const generation = ++this.generation;
    const live = () => this.generation === generation;
    const prefix = `c${generation}/`;
    const c = await createCoordinator({
      topology: this.options.topology,
      config: this.config,
      clock: this.time,
      // Its own timer names: a crashed coordinator's timers are cleared, never fire into the next one.
      timers: { set: (name, delay, fire) => this.time.set(prefix + name, delay, fire), clear: (name) => this.time.clear(prefix + name) },
      store: s ? { load: () => this.store.load(), add: (cc, subsumed) => slow(`store ${cc.checkpointId}`, () => this.store.add(cc, subsumed)) } : this.store,
      counter: s ? { getAndIncrement: () => later('allocate id', () => this.counter.getAndIncrement()) } : this.counter,
      transport: { send: (m) => (live() ? this.post(m.taskId, m) : undefined) },
      onRestore: (r) => void (live() && this.restores.push(r)),
    });
    c.onObservation((o) => live() && this.observe(o));
    c.onCommand((command) => {
      if (!live()) return;
      if (this.options.recordCommands) this.commands.push(command);
      if (command.kind === 'pendingCreated') this.plans.set(command.checkpointId, new Map(command.plan.map((r) => [r.taskId, r.attempt])));
      if (command.kind === 'storeCheckpoint') this.storing.set(command.checkpoint.checkpointId, command.checkpoint);
      if (command.kind === 'checkpointCompleted' && command.snapshot !== 'savepoint' && command.snapshot !== 'sync-savepoint') {
        const stored = this.storing.get(command.checkpointId);
        if (stored) this.completed.set(command.checkpointId, stored);
      }
    });
    this.coordinatorRef = c;
  }

  /**
   * The coordinator crashes and a new one starts on the same store and id counter (a JobManager
   * failover): its pending checkpoints and requests die with it, the job restarts every task from
   * the latest completed checkpoint (`restore('initial')`).
   */
  async restartCoordinator(): Promise<void> {
    const old = this.coordinatorRef as Coordinator;
    const prefix = `c${this.generation}/`;
    for (const t of this.time.pending()) if (t.name.startsWith(prefix)) this.time.clear(t.name);
    for (const o of this.outcomes) if (o.value === undefined) this.orphaned.add(o);
    this.monitor.observe({ kind: 'coordinatorRestarted' });
    await this.startCoordinator();
    old.actor.stop();
    this.withCoordinator(() => this.coordinator.restore('initial'));
    if (this.options.periodic) this.coordinator.startScheduler();
  }

  /** The coordinator. */
  get coordinator(): Coordinator {
    return this.coordinatorRef as Coordinator;
  }

  private observe(o: Observation): void {
    this.monitor.observe(o);
  }

  /** Queues a control message (scheduled mode: and schedules its delivery). */
  private post(to: 'coordinator' | TaskId, message: ControlMessage): void {
    const env: Envelope = { seq: this.seq++, to, message };
    this.control.push(env);
    const s = this.options.scheduler;
    if (s) {
      void s.schedule(Promise.resolve(describe(message)), `${to} ← ${describe(message)}`).then(() => {
        const i = this.control.indexOf(env);
        if (i >= 0) this.deliverControl(i);
      });
    }
  }

  private deploy(taskId: TaskId, attempt: number, checkpoint: CompletedCheckpoint | null): void {
    this.attempts.set(taskId, attempt);
    this.deployedFrom.set(`${taskId}@${attempt}`, checkpoint ? checkpoint.checkpointId : -1);
    const s = this.options.scheduler;
    const up = this.upstream.get(taskId) ?? [];
    this.channels.set(
      taskId,
      up.map((from) => ({ from, queue: [], blocked: false, owed: 0 })),
    );
    const stored = this.snapshots.get(taskId)!;
    const sink = this.sinks.get(taskId);
    const restore = checkpoint ? stored.restoreOf(checkpoint.checkpointId, checkpoint.taskStates.get(taskId) ?? null) : null;
    const label = `${taskId}@${attempt}`;
    const snapshots: TaskSnapshots = s
      ? {
          restore: (r) => s.schedule(Promise.resolve(`restore ${label}`), `restore ${label}`).then(() => stored.restore(r)),
          sync: (request): AsyncSnapshotPart => {
            const handle = stored.sync(request);
            return () => s.schedule(Promise.resolve(`snapshot ${label} ${request.checkpointId}`), `async part ${label} ${request.checkpointId}`).then(() => handle as never);
          },
          cancel: (id) => stored.cancel(id),
        }
      : stored;
    const task = createTask({
      task: { jobId: this.options.topology.jobId, taskId, attempt, inputChannels: up.length, twoPhaseCommitSink: sink !== undefined, restore },
      toCoordinator: { send: (m) => this.post('coordinator', m) },
      downstream: {
        broadcast: (e) => {
          for (const [to, channel] of this.outputs.get(taskId)!) {
            const ch = this.channels.get(to)?.[channel];
            if (!ch) continue;
            ch.queue.push(e);
            if (s) this.pump(to, channel, ch);
          }
        },
      },
      inputs: {
        block: (channel) => void (this.channels.get(taskId)![channel]!.blocked = true),
        unblock: (channel) => {
          const ch = this.channels.get(taskId)![channel]!;
          ch.blocked = false;
          if (s) {
            const owed = ch.owed;
            ch.owed = 0;
            for (let k = 0; k < owed; k++) this.pump(taskId, channel, ch);
          }
        },
      },
      snapshots,
      ...(sink ? { sink } : {}),
      clock: this.time,
      timers: this.time,
    });
    task.onObservation((o) => this.observe(o));
    task.onCommand((c) => {
      if (c.kind === 'sendToCoordinator' && c.message.type === 'taskStateChanged' && c.message.state === 'failed' && !this.injected.has(label)) this.unexpectedFailures.push(label);
    });
    this.tasks.set(taskId, task);
    task.start();
  }

  /** Scheduled mode: one delivery from the head of a data channel, when the scheduler says so. */
  private pump(taskId: TaskId, channel: number, ch: Channel): void {
    const s = this.options.scheduler as fc.Scheduler;
    void s.schedule(Promise.resolve('data'), `${ch.from} → ${taskId}[${channel}]`).then(() => {
      if (this.channels.get(taskId)?.[channel] !== ch) return; // redeployed meanwhile: the data is gone
      if (ch.blocked) {
        ch.owed++;
        return;
      }
      const event = ch.queue.shift();
      if (event) this.tasks.get(taskId)?.receiveStream(channel, event);
    });
  }

  /** Runs a coordinator call, then the redeployments it asked for (never inside its step). */
  private withCoordinator<T>(call: () => T): T {
    const result = call();
    for (let r = this.restores.shift(); r; r = this.restores.shift()) this.redeploy(r.checkpoint, r.tasks);
    return result;
  }

  private redeploy(checkpoint: CompletedCheckpoint | null, tasks: readonly TaskId[]): void {
    this.restored.push(checkpoint ? checkpoint.checkpointId : -1);
    for (const id of tasks) {
      this.tasks.get(id)?.stop();
      this.deploy(id, (this.attempts.get(id) ?? -1) + 1, checkpoint);
    }
  }

  /**
   * Delivers control message `i` of the queue. An acknowledgement takes every acknowledgement
   * queued after it along (in queue order, the other messages stay): as one batch with
   * `batchAcks`, else one by one (the same messages in the same order either way), rotated by
   * `twist` (acknowledgements of several checkpoints then interleave).
   * @param i - index in the control queue.
   * @param twist - how far to rotate the acknowledgements taken along.
   */
  deliverControl(i: number, twist = 0): void {
    const first = this.control[i];
    if (!first) return;
    if (first.to === 'coordinator' && first.message.type === 'acknowledgeCheckpoint') {
      const run: ControlMessage[] = [];
      for (let j = i; j < this.control.length; ) {
        const e = this.control[j]!;
        if (e.to === 'coordinator' && e.message.type === 'acknowledgeCheckpoint') {
          run.push(e.message);
          this.control.splice(j, 1);
        } else j++;
      }
      const r = twist % run.length;
      if (r > 0) run.push(...run.splice(0, r));
      if (run.length > 1) this.batchedAcks += run.length;
      if (this.options.batchAcks) this.withCoordinator(() => this.coordinator.receiveBatch(run));
      else for (const m of run) this.withCoordinator(() => this.coordinator.receive(m));
      return;
    }
    this.control.splice(i, 1);
    if (first.to === 'coordinator') this.withCoordinator(() => this.coordinator.receive(first.message as TaskToCoordinatorMessage));
    else this.tasks.get(first.to)?.receive(first.message as CoordinatorToTaskMessage);
  }

  /** Non-empty, unblocked data channels, as (task, channel). */
  private ready(): Array<[TaskId, number]> {
    const out: Array<[TaskId, number]> = [];
    for (const id of this.taskIds) {
      const chans = this.channels.get(id) ?? [];
      for (let c = 0; c < chans.length; c++) if (!chans[c]!.blocked && chans[c]!.queue.length > 0) out.push([id, c]);
    }
    return out;
  }

  /**
   * Delivers one message or data event chosen by `pick` among the control messages (any one: the
   * control channel reorders) and the heads of the ready data channels.
   * @param pick - a non-negative integer.
   * @returns false when nothing could move.
   */
  step(pick: number): boolean {
    const ready = this.ready();
    const sources = (this.control.length > 0 ? 1 : 0) + ready.length;
    if (sources === 0) return false;
    const k = pick % sources;
    if (this.control.length > 0 && k === 0) {
      const index = Math.floor(pick / sources);
      this.deliverControl(index % this.control.length, index >> 3);
      return true;
    }
    const [taskId, channel] = ready[k - (this.control.length > 0 ? 1 : 0)]!;
    const event = this.channels.get(taskId)![channel]!.queue.shift() as StreamEvent;
    this.tasks.get(taskId)?.receiveStream(channel, event);
    return true;
  }

  /**
   * Delivers the head of one ready data channel chosen by `pick` (the control channel is slow).
   * @param pick - a non-negative integer.
   * @returns false when no data channel was ready.
   */
  stepData(pick: number): boolean {
    const ready = this.ready();
    if (ready.length === 0) return false;
    const [taskId, channel] = ready[pick % ready.length]!;
    const event = this.channels.get(taskId)![channel]!.queue.shift() as StreamEvent;
    this.tasks.get(taskId)?.receiveStream(channel, event);
    return true;
  }

  /**
   * Delivers one control message addressed to a task, chosen by `pick` (messages to the
   * coordinator lag behind).
   * @param pick - a non-negative integer.
   * @returns false when none was queued.
   */
  stepToTasks(pick: number): boolean {
    const toTasks = this.control.filter((e) => e.to !== 'coordinator');
    const e = toTasks[pick % Math.max(1, toTasks.length)];
    if (!e) return false;
    this.deliverControl(this.control.indexOf(e));
    return true;
  }

  /**
   * Delivers control messages (oldest first) and data (round-robin) until nothing moves.
   * @param max - a bound against livelock.
   */
  runAll(max = 1_000_000): void {
    for (let n = 0; n < max; n++) {
      if (this.control.length > 0) {
        this.deliverControl(0);
        continue;
      }
      const ready = this.ready();
      if (ready.length === 0) return;
      const [taskId, channel] = ready[this.cursor++ % ready.length]!;
      const event = this.channels.get(taskId)![channel]!.queue.shift() as StreamEvent;
      this.tasks.get(taskId)?.receiveStream(channel, event);
    }
    throw new Error(`the job did not settle within ${max} deliveries`);
  }

  /**
   * Drops a faulty-type control message (the `pick`-th of them); nothing when there is none.
   * @param pick - a non-negative integer.
   */
  drop(pick: number): string | null {
    const faulty = this.control.filter((e) => FAULTY_TYPES.has(e.message.type));
    const victim = faulty[pick % Math.max(1, faulty.length)];
    if (!victim) return null;
    this.control.splice(this.control.indexOf(victim), 1);
    return describe(victim.message);
  }

  /**
   * Duplicates a faulty-type control message (the copy is delivered later, independently).
   * @param pick - a non-negative integer.
   */
  duplicate(pick: number): string | null {
    const faulty = this.control.filter((e) => FAULTY_TYPES.has(e.message.type));
    const victim = faulty[pick % Math.max(1, faulty.length)];
    if (!victim) return null;
    this.control.push({ seq: this.seq++, to: victim.to, message: victim.message });
    return describe(victim.message);
  }

  /** Asks for a checkpoint; its outcome is recorded in {@link World.outcomes}. */
  trigger(): void {
    this.track(this.withCoordinator(() => this.coordinator.triggerCheckpoint()));
  }

  /** Asks for a savepoint. */
  savepoint(): void {
    this.track(this.withCoordinator(() => this.coordinator.triggerSavepoint()));
  }

  private track(p: Promise<CheckpointOutcome>): Settled<CheckpointOutcome> {
    const t: Settled<CheckpointOutcome> = { value: undefined };
    void p.then((v) => (t.value = v));
    this.outcomes.push(t);
    return t;
  }

  /**
   * Moves time forward (timeouts fire).
   * @param ms - how far.
   */
  advance(ms: number): void {
    this.withCoordinator(() => this.time.advance(ms));
  }

  /**
   * Fails a task and fails the job over: pending checkpoints abort, every task is redeployed from
   * the latest completed checkpoint.
   * @param taskId - the task.
   */
  failover(taskId: TaskId): void {
    this.injected.add(`${taskId}@${this.attempts.get(taskId)}`);
    this.tasks.get(taskId)?.fail('injected failure');
    this.withCoordinator(() => {
      this.coordinator.abortPending('JOB_FAILOVER_REGION');
      this.coordinator.restore('global');
    });
  }

  /** Shuts the coordinator down and stops every task. */
  stop(): void {
    this.coordinator.shutdown();
    for (const t of this.tasks.values()) t.stop();
  }

  /** The current attempt of a task. */
  attemptOf(taskId: TaskId): number {
    return this.attempts.get(taskId) ?? -1;
  }

  /**
   * The completed checkpoints a task's current state descends from: those its current attempt
   * took part in, then, back through each restore, those the restored checkpoint's attempt took
   * part in up to the restored one. (A restore waits for a store write in flight, so a checkpoint
   * can no longer complete behind a restore; the lineage still guards against it.)
   * @param taskId - the task.
   */
  lineage(taskId: TaskId): CompletedCheckpoint[] {
    const out: CompletedCheckpoint[] = [];
    let attempt = this.attemptOf(taskId);
    let upTo = Infinity;
    for (;;) {
      for (const c of this.completed.values()) if (c.checkpointId <= upTo && this.plans.get(c.checkpointId)?.get(taskId) === attempt) out.push(c);
      const from = this.deployedFrom.get(`${taskId}@${attempt}`) ?? -1;
      const parent = this.plans.get(from)?.get(taskId);
      if (from < 0 || parent === undefined) return out.sort((a, b) => a.checkpointId - b.checkpointId);
      attempt = parent;
      upTo = from;
    }
  }

  /**
   * The sink state a completed checkpoint recorded for a sink: the transactions it holds pending.
   * @param checkpoint - the completed checkpoint.
   * @param sink - the sink task.
   */
  pendingIn(checkpoint: CompletedCheckpoint, sink: TaskId): string[] {
    const handle = checkpoint.taskStates.get(sink);
    const stored = handle ? this.snapshots.get(sink)!.stored.get(handle.key) : undefined;
    return stored?.sinkState?.pendingTransactions.map((t) => t.transactionId) ?? [];
  }
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
