/**
 * The protocol world: one coordinator, a task graph, the durable checkpoint store and id counter,
 * a control network, FIFO data channels, timers, crashes and the property history, composed by
 * stepping the real machines through XState's pure `transition()`.
 *
 * Commands are carried out the way the runtimes carry them out with synchronous in-memory ports
 * (`createCoordinator`, `createTask`, the local harness): replies of the id counter, the store and
 * the snapshot port are delivered after the step, in command order, within the same world step;
 * messages and in-band events go to the network and the data channels; timers are armed and
 * disarmed; a restore redeploys every task as a new attempt from the latest completed checkpoint.
 *
 * A world state is a tuple of interned part ids:
 * `[coordinator, task 0, ..., task n-1, network, data channels, durable, monitor]`.
 * Transitions of each part are memoized by (part id, event id): the same local state recurs in
 * many global states.
 *
 * What the world assumes, and why each is sound or what it leaves out:
 * - Time is abstract: every actor's clock stays at 0 and any armed timer may fire at any moment
 *   (an over-approximation of real timing). The minimum pause is 0, the one value for which a
 *   constant clock decides as a real one would; no machine decision reads the clock otherwise
 *   (the alignment timeout of unaligned checkpoints would, and is not configured).
 * - The ports are synchronous, like the in-memory ones: the id counter, the store and the snapshot
 *   port answer within the step. No crash falls between a store write and its answer, so the
 *   coordinator's deferred restore is never exercised here. The counter hands out ids 1..maxIds
 *   and is silent beyond: the model's bound (not a search bound).
 * - Control messages: a multiset (or FIFO per sender and receiver); any message may be delivered,
 *   delivered and kept (duplicated), or lost; data channels are FIFO and lossless, and a channel
 *   blocked by its receiver is not delivered. A message whose delivery can never change anything
 *   again is removed (see `dead`): tests compare with the search that keeps them.
 * - A crash of a task fails the job over as the local harness does (the task fails, pending
 *   checkpoints abort, every task is redeployed from the latest completed checkpoint); a crash of
 *   the coordinator starts a new one from the store and the counter, which restores the job the
 *   same way and starts its scheduler. The redeployed attempts' state reports reach the
 *   coordinator with the deployment unless `asyncReports` routes them through the network.
 * - A job that fails (too many checkpoint failures) stops: no action follows.
 * - Not modelled: records, end of input and finishing tasks, unaligned and at-least-once modes,
 *   hooks, the external transactional system (its effects; the commits are observed).
 * @packageDocumentation
 */
import { initialTransition } from 'xstate';
import type { AnyActorLogic } from 'xstate';
import type { CheckpointingConfig, ControlMessage, CoordinatorToTaskMessage, Observation, StreamEvent, TaskToCoordinatorMessage } from '../../spec/index.js';
import { PROPERTIES, ProtocolMonitor } from '../../spec/index.js';
import { coordinatorMachine as shippedCoordinator, coordinatorTimerName, coordinatorTimerOf, observationsOf } from '../../machines/coordinator/index.js';
import type { CompletedCheckpoint, CoordinatorCommand, CoordinatorEvent, CoordinatorInput, CoordinatorMachine } from '../../machines/coordinator/index.js';
import { taskMachine as shippedTask, streamEvent, taskView } from '../../machines/task/index.js';
import { commandsOf } from '../../machines/effects.js';
import type { SinkSnapshotState, TaskCommand, TaskEvent, TaskInput, TaskMachine, TaskRestore } from '../../machines/task/index.js';
import type { CheckedProperty, LivenessProperty, Model, StepInfo, StepViolation, SuccessorSink } from '../model.js';
import { NONE } from '../model.js';
import type { Layout, WorldConfig } from './config.js';
import { coordinatorConfigOf, JOB_ID, layoutOf, NOW, topologyOf } from './config.js';
import type { ChannelOf, CoordinatorSnapshot, SlotOf, TaskSnapshot } from './encode.js';
import { completedCode, coordinatorCode, handleKeyOf, messageCode, sinkStateOfHandle, streamCode, taskCode } from './encode.js';
import { monitorCode, observeAll } from './monitor.js';
import type { Stepper } from './step.js';
import { stepperOf } from './step.js';
import { renamedIds, Table } from './tables.js';

/** The checker's own safety property: no machine throws on any reachable input. */
export const MACHINE_ERROR = 'machines-never-throw';

/** What one action of the world was, for traces and replay. */
export type ActionLabel =
  | { readonly kind: 'deliver'; readonly to: string; readonly message: ControlMessage; readonly duplicate: boolean }
  | { readonly kind: 'drop'; readonly to: string; readonly message: ControlMessage }
  | { readonly kind: 'data'; readonly from: string; readonly to: string; readonly channel: number; readonly event: StreamEvent }
  | { readonly kind: 'timer'; readonly actor: string; readonly timer: string }
  | { readonly kind: 'savepoint'; readonly requestId: string }
  | { readonly kind: 'crash'; readonly actor: string };

/** Options of a {@link World}. */
export interface WorldOptions {
  /** What to model. */
  readonly config: WorldConfig;
  /** Symmetry reduction over interchangeable tasks (never with liveness). */
  readonly symmetry?: boolean;
  /** Compute weak-fairness classes and liveness obligations. */
  readonly liveness?: boolean;
  /** The coordinator machine (default: the shipped one; tests pass a seeded bug). */
  readonly coordinatorMachine?: CoordinatorMachine;
  /** The task machine (default: the shipped one). */
  readonly taskMachine?: TaskMachine;
  /** Remove messages whose delivery can never change anything (default true; tests compare). */
  readonly collectDeadMessages?: boolean;
  /**
   * Keep in the keys the bounded fields they normally leave out (tests compare: the states found
   * must be the same once projected through the normal keys).
   */
  readonly strictKeys?: boolean;
}

interface CoordLocal {
  readonly id: number;
  readonly snapshot: CoordinatorSnapshot;
  /** Armed timers, sorted. */
  readonly timers: readonly string[];
  /** Bit k-1 set when checkpoint k is pending. */
  readonly pendingMask: number;
  /** The `timer.fired` event ids of `timers` (filled on first use). */
  timerEvents: number[] | null;
  readonly memo: Map<number, CoordResult>;
  /** Effects of crashes from this coordinator state (see `crash`). */
  readonly crashes: Map<number, Map<number, CrashResult>>;
  readonly renamed: Int32Array;
}

interface TaskLocal {
  readonly id: number;
  readonly slot: number;
  readonly attempt: number;
  readonly snapshot: TaskSnapshot;
  /** Blocked input channels, as a bit mask. */
  readonly blocked: number;
  readonly timers: readonly string[];
  /** Snapshots whose asynchronous part has not run yet: checkpoint id to the sink state persisted. */
  readonly parts: ReadonlyMap<number, SinkSnapshotState | null>;
  readonly memo: Map<number, TaskResult>;
  readonly renamed: Int32Array;
}

interface MsgRec {
  readonly id: number;
  readonly message: ControlMessage;
  readonly toCoordinator: boolean;
  /** A task state report (see `dead`). */
  readonly report: boolean;
  readonly slot: number;
  /** Coordinator event id (messages to the coordinator) or task event id. */
  readonly event: number;
  readonly renamed: Int32Array;
}

interface NetRec {
  readonly id: number;
  /** Multiset: message ids ascending. FIFO: one queue per (task, direction). */
  readonly ids: readonly number[];
  readonly queues: readonly (readonly number[])[];
  readonly removeMemo: Map<number, number>;
  readonly addMemo: Map<number, number>;
  readonly renamed: Int32Array;
  /** Distinct messages and their receivers' tuple positions (filled on first use). */
  distinct: Int32Array | null;
  receivers: Int32Array | null;
}

interface DataRec {
  readonly id: number;
  readonly queues: readonly (readonly number[])[];
  readonly popMemo: Map<number, number>;
  readonly pushMemo: Map<number, number>;
  readonly renamed: Int32Array;
}

interface DurableRec {
  readonly id: number;
  readonly store: readonly CompletedCheckpoint[];
  readonly counter: number;
  readonly crashes: number;
  readonly savepoints: number;
  readonly failed: boolean;
  readonly memo: Map<number, number>;
  readonly renamed: Int32Array;
  restart: CoordResult | null;
  /** The same with one crash less / one savepoint request less (computed once). */
  lessCrashes: number;
  lessSavepoints: number;
}

interface MonRec {
  readonly id: number;
  readonly monitor: ProtocolMonitor;
  readonly violated: boolean;
  readonly memo: Map<number, MonStep>;
  readonly renamed: Int32Array;
}

interface MonStep {
  readonly next: number;
  readonly violations: readonly StepViolation[];
  readonly reached: readonly string[];
}

interface Batch {
  readonly observations: readonly Observation[];
  /** A non-savepoint checkpoint completed. */
  readonly completes: boolean;
}

interface CoordResult {
  readonly id: number;
  readonly next: number;
  readonly sends: readonly number[];
  readonly allocated: number;
  readonly stores: ReadonlyArray<{ readonly checkpoint: CompletedCheckpoint; readonly subsumed: readonly number[] }>;
  readonly restore: { readonly checkpoint: CompletedCheckpoint | null; readonly tasks: readonly string[] } | null;
  readonly failJob: boolean;
  readonly batch: number;
  readonly error: string | null;
  /** Set by `coordStep`: the step changed nothing but (maybe) the property history. */
  inert: boolean;
  /** The slots of `restore.tasks` (filled on first use). */
  restoreSlots?: readonly number[];
}

interface TaskResult {
  readonly next: number;
  readonly sends: readonly number[];
  readonly broadcasts: readonly number[];
  readonly batch: number;
  readonly error: string | null;
  /** Set by `taskStep`: the step changed nothing but (maybe) the property history. */
  inert: boolean;
}

/** What a crash observed, sent and broke (replayed onto each state it happens in). */
interface Capture {
  readonly batches: number[];
  readonly sends: number[];
  readonly errors: string[];
  /** Whether the tasks were redeployed (their channels then start empty). */
  redeployed: boolean;
}

/** The effect of one crash on the coordinator, the tasks, the durable state and the channels. */
interface CrashResult extends Capture {
  readonly coord: number;
  readonly tasks: Int32Array;
  readonly durable: number;
  readonly data: number;
}

interface DeployResult {
  readonly next: number;
  readonly sends: readonly number[];
  readonly batch: number;
}

/** Mutable step info, reused for every successor. */
interface Draft extends StepInfo {
  violations: StepViolation[] | readonly never[];
  reached: string[] | readonly never[];
  fault: boolean;
  fairClass: number;
  discharges: number;
}

const timerName = coordinatorTimerName;
const timerOf = coordinatorTimerOf;
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function includes(a: readonly number[], count: number, x: number): boolean {
  for (let i = 0; i < count; i++) if (a[i] === x) return true;
  return false;
}

/** Bit of the liveness obligation "some checkpoint eventually completes". */
export const PROGRESS_BIT = 30;

/** The protocol world, as a {@link Model} the checker searches. */
export class World implements Model<ActionLabel> {
  readonly width: number;
  readonly properties: readonly CheckedProperty[];
  readonly liveness: readonly LivenessProperty[];
  /** The configuration. */
  readonly config: WorldConfig;
  /** The job laid out. */
  readonly layout: Layout;
  /** The coordinator's configuration. */
  readonly coordinatorConfig: CheckpointingConfig;
  private readonly cm: AnyActorLogic;
  private readonly tm: AnyActorLogic;
  private readonly stepCoordinator: Stepper<AnyActorLogic>;
  private readonly stepTask: Stepper<AnyActorLogic>;
  private readonly n: number;
  private readonly posN: number;
  private readonly posD: number;
  private readonly posX: number;
  private readonly posM: number;
  private readonly perms: readonly (readonly number[])[];
  private readonly slotFns: readonly SlotOf[];
  /** chanFns[p][slot]: input channel renaming of the task at `slot` under permutation p. */
  private readonly chanFns: readonly (readonly ChannelOf[])[];
  /** chanPerm[p][k]: the data channel k becomes under permutation p. */
  private readonly chanPerm: readonly (readonly number[])[];
  private readonly symmetry: boolean;
  private readonly fair: boolean;
  private readonly gc: boolean;
  private readonly strict: boolean;

  private readonly coords = new Table<CoordLocal>();
  private readonly tasks = new Table<TaskLocal>();
  private readonly msgs = new Table<MsgRec>();
  private readonly nets = new Table<NetRec>();
  private readonly datas = new Table<DataRec>();
  private readonly streams = new Table<StreamEvent>();
  private readonly durables = new Table<DurableRec>();
  private readonly monitors = new Table<MonRec>();
  private readonly batches = new Table<Batch>();
  private readonly coordEvents = new Table<CoordinatorEvent>();
  private readonly taskEvents = new Table<TaskEvent>();
  private readonly fairClasses = new Table<true>();
  private readonly deploys = new Map<string, DeployResult>();
  private readonly deployMemo = new Map<number, DeployResult>();
  private readonly checkpointIds = new Map<CompletedCheckpoint, number>();
  private coordResults = 0;
  private readonly emptyBatch: number;
  private readonly emptyData: number;
  private readonly failoverEvent: number;
  private readonly failEvent: number;
  private readonly restoreEvent: number;
  private readonly streamEvents = new Map<number, number>();
  private readonly draft: Draft = { violations: NONE, reached: NONE, fault: false, fairClass: -1, discharges: 0 };
  private readonly next: Int32Array;
  private readonly canon: Int32Array;
  private readonly tmp: Int32Array;

  /** @param options - see {@link WorldOptions}. */
  constructor(options: WorldOptions) {
    this.config = options.config;
    this.layout = layoutOf(topologyOf(options.config));
    this.coordinatorConfig = coordinatorConfigOf(options.config);
    this.cm = (options.coordinatorMachine ?? shippedCoordinator) as AnyActorLogic;
    this.tm = (options.taskMachine ?? shippedTask) as AnyActorLogic;
    this.stepCoordinator = stepperOf(this.cm);
    this.stepTask = stepperOf(this.tm);
    this.fair = options.liveness === true;
    this.gc = options.collectDeadMessages !== false;
    this.strict = options.strictKeys === true;
    this.symmetry = options.symmetry === true && !this.fair && this.layout.permutations.length > 1;
    this.perms = this.symmetry ? this.layout.permutations : [this.layout.permutations[0] as number[]];
    const n = (this.n = this.layout.taskIds.length);
    this.posN = n + 1;
    this.posD = n + 2;
    this.posX = n + 3;
    this.posM = n + 4;
    this.width = n + 5;
    this.next = new Int32Array(this.width);
    this.canon = new Int32Array(this.width);
    this.tmp = new Int32Array(this.width);
    const { slotOf, channels, channelAt, taskIds } = this.layout;
    this.slotFns = this.perms.map((p) => (taskId: string) => {
      const s = slotOf.get(taskId);
      return s === undefined ? -1 : (p[s] as number);
    });
    this.chanFns = this.perms.map((p) =>
      taskIds.map((_, d) => {
        const map = (channelAt[d] ?? []).map((k) => {
          const up = (channels[k] as { from: number }).from;
          const to = p[d] as number;
          return (channelAt[to] ?? []).findIndex((k2) => (channels[k2] as { from: number }).from === p[up]);
        });
        return (c: number) => map[c] ?? c;
      }),
    );
    this.chanPerm = this.perms.map((p, pi) => channels.map((ch) => (channelAt[p[ch.to] as number] as number[])[(this.chanFns[pi] as ChannelOf[])[ch.to]!(ch.channel)] as number));
    const maxIds = options.config.maxIds;
    this.properties = [
      ...PROPERTIES.filter((p) => p.kind !== 'eventually' || this.fair).map((p) => ({ name: p.name, kind: p.kind, description: p.description })),
      { name: MACHINE_ERROR, kind: 'always', description: 'no machine throws on any reachable input (the checker’s own)' },
    ];
    this.liveness = this.fair
      ? [
          { name: 'pending-resolves', bits: Array.from({ length: maxIds }, (_, i) => i) },
          { name: 'progress', bits: [PROGRESS_BIT] },
        ]
      : [];
    this.emptyBatch = this.batchOf([]);
    this.emptyData = this.dataOf(channels.map(() => []));
    this.failoverEvent = this.coordEvents.put('failover', () => ({ type: 'abortPending', reason: 'JOB_FAILOVER_REGION' }));
    this.restoreEvent = this.coordEvents.put('restore', () => ({ type: 'restore', scope: 'global' }));
    this.failEvent = this.taskEvents.put('fail', () => ({ type: 'task.fail', message: 'crashed', now: NOW }));
  }

  // ---------------------------------------------------------------- interning

  private batchOf(observations: readonly Observation[]): number {
    if (observations.length === 0 && this.batches.size > 0) return this.emptyBatch;
    return this.batches.put(JSON.stringify(observations), () => ({
      observations,
      completes: observations.some((o) => o.kind === 'completed' && (o.snapshot === 'checkpoint' || o.snapshot === 'full')),
    }));
  }

  private messageOf(message: ControlMessage): number {
    const key = messageCode(message, this.slotFns[0] as SlotOf);
    const toCoordinator = message.type === 'acknowledgeCheckpoint' || message.type === 'declineCheckpoint' || message.type === 'reportCheckpointMetrics' || message.type === 'taskStateChanged';
    return this.msgs.put(key, (id) => {
      const slot = this.layout.slotOf.get(message.taskId) ?? -1;
      const event = toCoordinator
        ? this.coordEvents.put(`m${id}`, () => message as TaskToCoordinatorMessage)
        : this.taskEvents.put(`m${id}`, () => ({ ...(message as CoordinatorToTaskMessage), now: NOW }) as TaskEvent);
      return { id, message, toCoordinator, report: message.type === 'taskStateChanged', slot, event, renamed: renamedIds(this.perms.length, id) };
    });
  }

  private coordOf(snapshot: CoordinatorSnapshot, timers: readonly string[]): number {
    const key = `${coordinatorCode(snapshot, this.slotFns[0] as SlotOf, this.strict)}|${timers.join(',')}`;
    return this.coords.put(key, (id) => {
      let mask = 0;
      for (const k of snapshot.context.pending.keys()) if (k <= 30) mask |= 1 << (k - 1);
      return { id, snapshot, timers, pendingMask: mask, timerEvents: null, memo: new Map(), crashes: new Map(), renamed: renamedIds(this.perms.length, id) };
    });
  }

  private taskKey(slot: number, snapshot: TaskSnapshot, blocked: number, timers: readonly string[], parts: ReadonlyMap<number, SinkSnapshotState | null>, p: number): string {
    const chan = (this.chanFns[p] as ChannelOf[])[slot] as ChannelOf;
    let b = 0;
    for (let c = 0; c < 31; c++) if (blocked & (1 << c)) b |= 1 << chan(c);
    const partKey = parts.size === 0 ? '' : JSON.stringify([...parts].sort((x, y) => x[0] - y[0]));
    return `${(this.perms[p] as number[])[slot]}|${taskCode(snapshot, chan, this.strict)}|${b}|${timers.join(',')}|${partKey}`;
  }

  private taskOf(slot: number, snapshot: TaskSnapshot, blocked: number, timers: readonly string[], parts: ReadonlyMap<number, SinkSnapshotState | null>): number {
    return this.tasks.put(this.taskKey(slot, snapshot, blocked, timers, parts, 0), (id) => ({
      id,
      slot,
      attempt: snapshot.context.config.attempt,
      snapshot,
      blocked,
      timers,
      parts,
      memo: new Map(),
      renamed: renamedIds(this.perms.length, id),
    }));
  }

  private netKey(ids: readonly number[], queues: readonly (readonly number[])[]): string {
    return this.config.reorder ? ids.join(',') : queues.map((q) => q.join(',')).join('/');
  }

  private netOf(ids: readonly number[], queues: readonly (readonly number[])[]): number {
    return this.nets.put(this.netKey(ids, queues), (id) => ({ id, ids, queues, removeMemo: new Map(), addMemo: new Map(), renamed: renamedIds(this.perms.length, id), distinct: null, receivers: null }));
  }

  private dataOf(queues: readonly (readonly number[])[]): number {
    return this.datas.put(queues.map((q) => q.join(',')).join('/'), (id) => ({ id, queues, popMemo: new Map(), pushMemo: new Map(), renamed: renamedIds(this.perms.length, id) }));
  }

  private durableKey(store: readonly CompletedCheckpoint[], counter: number, crashes: number, savepoints: number, failed: boolean, p: number): string {
    return `${store.map((c) => completedCode(c, this.slotFns[p] as SlotOf)).join(';')}|${counter}|${crashes}|${savepoints}|${failed ? 1 : 0}`;
  }

  private durableOf(store: readonly CompletedCheckpoint[], counter: number, crashes: number, savepoints: number, failed: boolean): number {
    return this.durables.put(this.durableKey(store, counter, crashes, savepoints, failed, 0), (id) => ({
      id,
      store,
      counter,
      crashes,
      savepoints,
      failed,
      memo: new Map(),
      renamed: renamedIds(this.perms.length, id),
      restart: null,
      lessCrashes: -1,
      lessSavepoints: -1,
    }));
  }

  private monitorOf(monitor: ProtocolMonitor, violated: boolean): number {
    return this.monitors.put(monitorCode(monitor, violated, this.slotFns[0] as SlotOf), (id) => ({ id, monitor, violated, memo: new Map(), renamed: renamedIds(this.perms.length, id) }));
  }

  private fairClass(key: string): number {
    return this.fair ? this.fairClasses.id(key) : -1;
  }

  // ---------------------------------------------------------------- actors

  /** Runs the coordinator from a snapshot through events, carrying out every command. */
  private runCoordinator(start: CoordinatorSnapshot, timers: readonly string[], first: readonly CoordinatorCommand[], events: readonly CoordinatorEvent[], counter: number): CoordResult {
    const config = this.coordinatorConfig;
    const armed = new Set(timers);
    const sends: number[] = [];
    const stores: Array<{ checkpoint: CompletedCheckpoint; subsumed: readonly number[] }> = [];
    const observations: Observation[] = [];
    let restore: CoordResult['restore'] = null;
    let failJob = false;
    let allocated = 0;
    let snapshot = start;
    let error: string | null = null;
    const queue: CoordinatorEvent[] = [];
    const execute = (c: CoordinatorCommand) => {
      for (const o of observationsOf(c, config)) observations.push(o);
      switch (c.kind) {
        case 'trigger':
          for (const r of c.recipients) sends.push(this.messageOf({ type: 'triggerCheckpoint', jobId: JOB_ID, taskId: r.taskId, attempt: r.attempt, checkpointId: c.checkpointId, timestamp: c.timestamp, options: c.options }));
          return;
        case 'notifyComplete':
          for (const r of c.recipients) {
            sends.push(this.messageOf({ type: 'notifyCheckpointComplete', jobId: JOB_ID, taskId: r.taskId, attempt: r.attempt, checkpointId: c.checkpointId, timestamp: c.timestamp, lastSubsumedCheckpointId: c.lastSubsumedCheckpointId }));
          }
          return;
        case 'notifyAborted':
          for (const r of c.recipients) {
            sends.push(this.messageOf({ type: 'notifyCheckpointAborted', jobId: JOB_ID, taskId: r.taskId, attempt: r.attempt, checkpointId: c.checkpointId, latestCompletedCheckpointId: c.latestCompletedCheckpointId, timestamp: c.timestamp }));
          }
          return;
        case 'startTimer':
          armed.add(timerName(c.timer));
          return;
        case 'cancelTimer':
          armed.delete(timerName(c.timer));
          return;
        case 'allocateId': {
          const id = counter + allocated;
          // The counter hands out ids 1..maxIds; beyond the bound it never answers.
          if (id > this.config.maxIds) return;
          allocated++;
          observations.push({ kind: 'idAllocated', checkpointId: id });
          queue.push({ type: 'counter.allocated', seq: c.seq, checkpointId: id });
          return;
        }
        case 'storeCheckpoint':
          stores.push({ checkpoint: c.checkpoint, subsumed: c.subsumed });
          observations.push({ kind: 'stored', checkpointId: c.checkpoint.checkpointId });
          queue.push({ type: 'finalize.succeeded', checkpointId: c.checkpoint.checkpointId });
          return;
        case 'finalizeSavepoint':
          queue.push({ type: 'finalize.succeeded', checkpointId: c.checkpoint.checkpointId });
          return;
        case 'restoreState':
          restore = { checkpoint: c.checkpoint, tasks: c.tasks };
          return;
        case 'failJob':
          failJob = true;
          return;
        case 'triggerHooks':
        case 'notifyHooks':
        case 'continueBatch':
          throw new Error(`the world does not model ${c.kind}`);
        default:
          return;
      }
    };
    try {
      for (const c of first) execute(c);
      for (const e of events) {
        queue.push(e);
        while (queue.length > 0) {
          const event = queue.shift() as CoordinatorEvent;
          if (event.type === 'timer.fired') armed.delete(timerName(event.timer));
          if (event.type === 'acknowledgeCheckpoint' && event.jobId === JOB_ID) {
            observations.push({ kind: 'ackDelivered', checkpointId: event.checkpointId, taskId: event.taskId, attempt: event.attempt });
          }
          const [next, actions] = this.stepCoordinator(snapshot, event);
          snapshot = next as CoordinatorSnapshot;
          for (const c of commandsOf<CoordinatorCommand>(actions)) execute(c);
        }
      }
    } catch (e) {
      error = `coordinator: ${errorText(e)}`;
    }
    const next = this.coordOf(snapshot, [...armed].sort());
    return { id: this.coordResults++, next, sends, allocated, stores, restore, failJob, batch: this.batchOf(observations), error, inert: false };
  }

  private coordStep(local: CoordLocal, event: number, counter: number): CoordResult {
    const key = event * 64 + counter;
    let r = local.memo.get(key);
    if (r === undefined) {
      r = this.runCoordinator(local.snapshot, local.timers, [], [this.coordEvents.get(event)], counter);
      r.inert = r.next === local.id && r.sends.length === 0 && r.allocated === 0 && r.stores.length === 0 && r.restore === null && !r.failJob && r.error === null;
      local.memo.set(key, r);
    }
    return r;
  }

  /** Runs a task from a snapshot through events, carrying out every command. */
  private runTask(slot: number, start: TaskSnapshot, blocked: number, timers: readonly string[], parts: ReadonlyMap<number, SinkSnapshotState | null>, first: readonly TaskCommand[], events: readonly TaskEvent[]): TaskResult {
    const taskId = this.layout.taskIds[slot] as string;
    const armed = new Set(timers);
    const inFlight = new Map(parts);
    const sends: number[] = [];
    const broadcasts: number[] = [];
    const observations: Observation[] = [];
    let mask = blocked;
    let snapshot = start;
    let error: string | null = null;
    const queue: TaskEvent[] = [];
    const execute = (c: TaskCommand) => {
      switch (c.kind) {
        case 'sendToCoordinator':
          sends.push(this.messageOf(c.message));
          return;
        case 'broadcast':
          broadcasts.push(this.streams.put(streamCode(c.event), () => c.event));
          return;
        case 'blockChannel':
          mask |= 1 << c.channel;
          return;
        case 'unblockChannel':
          mask &= ~(1 << c.channel);
          return;
        case 'initializeState':
          queue.push({ type: 'task.initialized', now: NOW });
          return;
        case 'snapshotSync':
          // Synchronous and never failing here: nothing to answer.
          inFlight.set(c.checkpointId, c.sinkState);
          return;
        case 'snapshotAsync': {
          const sinkState = inFlight.get(c.checkpointId) ?? null;
          inFlight.delete(c.checkpointId);
          queue.push({ type: 'snapshot.asyncCompleted', checkpointId: c.checkpointId, state: { key: handleKeyOf(taskId, c.checkpointId, sinkState), sizeBytes: 1 }, now: NOW });
          return;
        }
        case 'cancelSnapshot':
          inFlight.delete(c.checkpointId);
          return;
        case 'committed':
          observations.push({ kind: 'committed', taskId: c.taskId, attempt: c.attempt, checkpointId: c.checkpointId });
          return;
        case 'startTimer':
          armed.add(c.timer);
          return;
        case 'cancelTimer':
          armed.delete(c.timer);
          return;
        default:
          if ((c as { kind: string }).kind === 'continueBatch') throw new Error('the world delivers in-band events one by one; a task handed back a batch');
          // Capture and the external transactional system are outside the protocol's state.
          return;
      }
    };
    try {
      for (const c of first) execute(c);
      for (const e of events) {
        queue.push(e);
        while (queue.length > 0) {
          const event = queue.shift() as TaskEvent;
          if (event.type === 'timer.fired') armed.delete(event.timer);
          const [next, actions] = this.stepTask(snapshot, event);
          snapshot = next as TaskSnapshot;
          for (const c of commandsOf<TaskCommand>(actions)) execute(c);
        }
      }
    } catch (e) {
      error = `${taskId}: ${errorText(e)}`;
    }
    const next = this.taskOf(slot, snapshot, mask, [...armed].sort(), inFlight);
    return { next, sends, broadcasts, batch: this.batchOf(observations), error, inert: false };
  }

  private taskStep(local: TaskLocal, event: number): TaskResult {
    let r = local.memo.get(event);
    if (r === undefined) {
      r = this.runTask(local.slot, local.snapshot, local.blocked, local.timers, local.parts, [], [this.taskEvents.get(event)]);
      r.inert = r.next === local.id && r.sends.length === 0 && r.broadcasts.length === 0 && r.error === null;
      local.memo.set(event, r);
    }
    return r;
  }

  /** Deploys attempt `attempt` of the task at `slot`, restored from `checkpoint`, and starts it. */
  private deploy(slot: number, attempt: number, checkpoint: CompletedCheckpoint | null): DeployResult {
    const taskId = this.layout.taskIds[slot] as string;
    let cp = 0;
    if (checkpoint) {
      cp = this.checkpointIds.get(checkpoint) ?? 0;
      if (cp === 0) this.checkpointIds.set(checkpoint, (cp = this.checkpointIds.size + 1));
    }
    const fast = (cp * 64 + attempt) * 64 + slot;
    let d = this.deployMemo.get(fast);
    if (d !== undefined) return d;
    const handle = checkpoint ? (checkpoint.taskStates.get(taskId) ?? null) : null;
    const key = `${slot}|${attempt}|${checkpoint ? checkpoint.checkpointId : '-'}|${handle ? handle.key : '-'}`;
    d = this.deploys.get(key);
    if (d === undefined) {
      const restore: TaskRestore | null = checkpoint ? { checkpointId: checkpoint.checkpointId, state: handle, transactions: handle ? sinkStateOfHandle(handle.key) : null } : null;
      const input: TaskInput = { jobId: JOB_ID, taskId, attempt, inputChannels: this.layout.inputs[slot] as number, twoPhaseCommitSink: this.layout.isSink[slot] === true, restore };
      const [snapshot, actions] = initialTransition(this.tm, input);
      const r = this.runTask(slot, snapshot as TaskSnapshot, 0, [], new Map(), commandsOf<TaskCommand>(actions), [{ type: 'task.start', now: NOW }]);
      if (r.error) throw new Error(`deploying ${taskId}: ${r.error}`);
      d = { next: r.next, sends: r.sends, batch: r.batch };
      this.deploys.set(key, d);
    }
    this.deployMemo.set(fast, d);
    return d;
  }

  /** A new coordinator after a crash: created from the store, restores the job, starts its scheduler. */
  private restartCoordinator(dur: DurableRec): CoordResult {
    if (dur.restart) return dur.restart;
    const input: CoordinatorInput = { topology: this.layout.topology, config: this.coordinatorConfig, completed: dur.store, now: NOW };
    const [snapshot, actions] = initialTransition(this.cm, input);
    const r = this.runCoordinator(snapshot as CoordinatorSnapshot, [], commandsOf<CoordinatorCommand>(actions), [{ type: 'restore', scope: 'global' }, { type: 'scheduler.start', random: 0 }], dur.counter);
    const batch = this.batchOf([{ kind: 'coordinatorRestarted' }, ...this.batches.get(r.batch).observations]);
    dur.restart = { ...r, batch };
    return dur.restart;
  }

  // ---------------------------------------------------------------- parts' transitions

  private netRemove(netId: number, msg: number): number {
    const net = this.nets.get(netId);
    let r = net.removeMemo.get(msg);
    if (r === undefined) {
      if (this.config.reorder) {
        const ids = net.ids.slice();
        ids.splice(ids.indexOf(msg), 1);
        r = this.netOf(ids, net.queues);
      } else {
        // `msg` encodes (queue, position) in FIFO mode.
        const q = msg >> 12;
        const at = msg & 4095;
        const queues = net.queues.slice();
        const queue = (queues[q] as number[]).slice();
        queue.splice(at, 1);
        queues[q] = queue;
        r = this.netOf(net.ids, queues);
      }
      net.removeMemo.set(msg, r);
    }
    return r;
  }

  private netAdd(netId: number, msg: number): number {
    const net = this.nets.get(netId);
    let r = net.addMemo.get(msg);
    if (r === undefined) {
      if (this.config.reorder) {
        const ids = net.ids.slice();
        let i = ids.length;
        while (i > 0 && (ids[i - 1] as number) > msg) i--;
        ids.splice(i, 0, msg);
        r = this.netOf(ids, net.queues);
      } else {
        const m = this.msgs.get(msg);
        const q = m.slot * 2 + (m.toCoordinator ? 1 : 0);
        const queues = net.queues.slice();
        queues[q] = [...(queues[q] ?? []), msg];
        r = this.netOf(net.ids, queues);
      }
      net.addMemo.set(msg, r);
    }
    return r;
  }

  private dataPop(dataId: number, channel: number): number {
    const data = this.datas.get(dataId);
    let r = data.popMemo.get(channel);
    if (r === undefined) {
      const queues = data.queues.slice();
      queues[channel] = (queues[channel] as number[]).slice(1);
      r = this.dataOf(queues);
      data.popMemo.set(channel, r);
    }
    return r;
  }

  private dataPush(dataId: number, slot: number, stream: number): number {
    const data = this.datas.get(dataId);
    const key = stream * 64 + slot;
    let r = data.pushMemo.get(key);
    if (r === undefined) {
      const queues = data.queues.slice();
      for (const k of this.layout.outputs[slot] as number[]) queues[k] = [...(queues[k] as number[]), stream];
      r = this.dataOf(queues);
      data.pushMemo.set(key, r);
    }
    return r;
  }

  private durableAfter(durId: number, r: CoordResult): number {
    if (r.allocated === 0 && r.stores.length === 0 && !r.failJob) return durId;
    const dur = this.durables.get(durId);
    let next = dur.memo.get(r.id);
    if (next === undefined) {
      let store = dur.store;
      for (const s of r.stores) {
        const gone = new Set(s.subsumed);
        store = [...store, s.checkpoint].filter((c) => !gone.has(c.checkpointId));
      }
      next = this.durableOf(store, dur.counter + r.allocated, dur.crashes, dur.savepoints, dur.failed || r.failJob);
      dur.memo.set(r.id, next);
    }
    return next;
  }

  private monitorStep(monId: number, batch: number): MonStep {
    const mon = this.monitors.get(monId);
    let r = mon.memo.get(batch);
    if (r === undefined) {
      const step = observeAll(mon.monitor, this.batches.get(batch).observations);
      const violations = step.violations.map((v) => ({ property: v.property, message: v.message }));
      r = { next: this.monitorOf(step.monitor, mon.violated || violations.length > 0), violations: violations.length ? violations : NONE, reached: step.reached.length ? step.reached : NONE };
      mon.memo.set(batch, r);
    }
    return r;
  }

  // ---------------------------------------------------------------- applying results to a draft

  /** While a crash's effect is computed: what it observes, sends and breaks, for replay. */
  private capture: Capture | null = null;

  private observe(next: Int32Array, batch: number, draft: Draft): void {
    if (batch === this.emptyBatch) return;
    if (this.capture) {
      this.capture.batches.push(batch);
      return;
    }
    const r = this.monitorStep(next[this.posM] as number, batch);
    next[this.posM] = r.next;
    if (r.violations.length) draft.violations = draft.violations.length ? [...draft.violations, ...r.violations] : r.violations.slice();
    if (r.reached.length) draft.reached = draft.reached.length ? [...draft.reached, ...r.reached] : r.reached.slice();
    if (this.fair && this.batches.get(batch).completes) draft.discharges |= 1 << PROGRESS_BIT;
  }

  private failed(draft: Draft, message: string): void {
    if (this.capture) {
      this.capture.errors.push(message);
      return;
    }
    draft.violations = [...draft.violations, { property: MACHINE_ERROR, message }];
  }

  /**
   * Puts a message into the network of `next`, unless it is dead already (deadness never ends:
   * that is what the collector relies on too, so this equals adding it and collecting it).
   */
  private send(next: Int32Array, msg: number): void {
    if (this.capture) {
      this.capture.sends.push(msg);
      return;
    }
    if (this.gc && this.dead(next, this.msgs.get(msg))) return;
    next[this.posN] = this.netAdd(next[this.posN] as number, msg);
    this.added[this.addedCount++] = msg;
  }

  private applyCoord(next: Int32Array, r: CoordResult, draft: Draft): void {
    next[0] = r.next;
    for (const s of r.sends) this.send(next, s);
    next[this.posX] = this.durableAfter(next[this.posX] as number, r);
    this.observe(next, r.batch, draft);
    if (r.error) this.failed(draft, r.error);
    if (r.restore) this.redeploy(next, r.restore.checkpoint, r.restoreSlots ?? (r.restoreSlots = r.restore.tasks.map((t) => this.layout.slotOf.get(t) as number)), draft);
  }

  private applyTask(next: Int32Array, slot: number, r: TaskResult, draft: Draft): void {
    next[1 + slot] = r.next;
    for (const s of r.sends) this.send(next, s);
    for (const b of r.broadcasts) next[this.posD] = this.dataPush(next[this.posD] as number, slot, b);
    this.observe(next, r.batch, draft);
    if (r.error) this.failed(draft, r.error);
  }

  private redeploy(next: Int32Array, checkpoint: CompletedCheckpoint | null, slots: readonly number[], draft: Draft): void {
    const reports: number[] = [];
    for (const slot of slots) {
      const old = this.tasks.get(next[1 + slot] as number);
      const d = this.deploy(slot, old.attempt + 1, checkpoint);
      next[1 + slot] = d.next;
      if (this.config.asyncReports) for (const s of d.sends) this.send(next, s);
      else for (const m of d.sends) reports.push(m);
      this.observe(next, d.batch, draft);
    }
    // The channels of redeployed tasks start empty (every task is redeployed: all of them).
    next[this.posD] = this.emptyData;
    if (this.capture) this.capture.redeployed = true;
    // Unless they travel the network, the deployment's reports reach the coordinator with it.
    for (const m of reports) {
      const counter = this.durables.get(next[this.posX] as number).counter;
      this.applyCoord(next, this.coordStep(this.coords.get(next[0] as number), this.msgs.get(m).event, counter), draft);
    }
  }

  private deliver(next: Int32Array, m: MsgRec, draft: Draft): void {
    if (m.toCoordinator) {
      const counter = this.durables.get(next[this.posX] as number).counter;
      this.applyCoord(next, this.coordStep(this.coords.get(next[0] as number), m.event, counter), draft);
    } else {
      this.applyTask(next, m.slot, this.taskStep(this.tasks.get(next[1 + m.slot] as number), m.event), draft);
    }
  }

  // ---------------------------------------------------------------- the model

  initial(state: Int32Array, canonical: Int32Array): void {
    const n = this.n;
    const [snapshot, actions] = initialTransition(this.cm, { topology: this.layout.topology, config: this.coordinatorConfig, now: NOW } satisfies CoordinatorInput);
    let coord = this.runCoordinator(snapshot as CoordinatorSnapshot, [], commandsOf<CoordinatorCommand>(actions), [], 1);
    const startup: number[] = [];
    for (let slot = 0; slot < n; slot++) {
      const d = this.deploy(slot, 0, null);
      state[1 + slot] = d.next;
      startup.push(...d.sends);
    }
    // The job is running: the reports of the first deployment were delivered, in order.
    for (const m of startup) coord = this.coordStep(this.coords.get(coord.next), this.msgs.get(m).event, 1);
    coord = this.coordStep(this.coords.get(coord.next), this.coordEvents.put('start', () => ({ type: 'scheduler.start', random: 0 })), 1);
    state[0] = coord.next;
    state[this.posN] = this.netOf([], this.layout.taskIds.flatMap(() => [[], []]));
    state[this.posD] = this.emptyData;
    state[this.posX] = this.durableOf([], 1, this.config.crashes, this.config.savepoints, false);
    state[this.posM] = this.monitorOf(new ProtocolMonitor(), false);
    this.canonicalize(state, canonical);
  }

  successors(state: Int32Array, sink: SuccessorSink): void {
    this.expand(state, sink, -1);
  }

  action(state: Int32Array, index: number): { label: ActionLabel; next: Int32Array; step: StepInfo } | null {
    let found: { label: ActionLabel; next: Int32Array; step: StepInfo } | null = null;
    this.lastLabel = null;
    this.expand(
      state,
      (i, next, _c, step) => {
        if (i === index) found = { label: this.lastLabel as ActionLabel, next: next.slice(), step: { ...step, violations: [...step.violations], reached: [...step.reached] } };
      },
      index,
    );
    return found;
  }

  // The expansion in progress (fields rather than closures: the hot path allocates nothing).
  /** Messages added to the network by the step being built (the first `addedCount`). */
  private readonly added: number[] = [];
  private addedCount = 0;
  private lastLabel: ActionLabel | null = null;
  private from: Int32Array = new Int32Array(0);
  private sink: SuccessorSink = () => {};
  private index = 0;
  private labelFor = -1;

  private begin(fault: boolean, fairClass: number): void {
    this.next.set(this.from);
    this.addedCount = 0;
    const d = this.draft;
    d.violations = NONE;
    d.reached = NONE;
    d.fault = fault;
    d.fairClass = fairClass;
    d.discharges = 0;
  }

  private wants(): boolean {
    return this.labelFor === this.index;
  }

  private finish(label: ActionLabel | null): void {
    if (label) this.lastLabel = label;
    this.collect(this.next, this.from);
    if (!this.fair && this.labelFor < 0 && this.draft.violations.length === 0 && this.unchanged()) {
      // A step back to the same state (a periodic request evicted, a timer with nothing to do)
      // adds nothing to a safety search: skipped. Liveness needs it (a fairness witness) and keeps it.
      this.index++;
      this.selfLoops++;
      return;
    }
    this.canonicalize(this.next, this.canon);
    this.sink(this.index++, this.next, this.canon, this.draft);
  }

  private selfLoops = 0;

  private unchanged(): boolean {
    const a = this.next;
    const b = this.from;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  private receiverName(m: MsgRec): string {
    return m.toCoordinator ? 'coordinator' : (this.layout.taskIds[m.slot] as string);
  }

  /**
   * Enumerates the actions of `state` in a fixed order: control messages (deliver, duplicate,
   * drop), data channels, coordinator timers, task timers, the savepoint request, crashes.
   * With `labelFor` >= 0, labels that action.
   */
  private expand(state: Int32Array, sink: SuccessorSink, labelFor: number): void {
    const n = this.n;
    const dur = this.durables.get(state[this.posX] as number);
    if (dur.failed) return;
    this.from = state;
    this.sink = sink;
    this.index = 0;
    this.labelFor = labelFor;
    const next = this.next;
    const draft = this.draft;
    const config = this.config;
    const fair = this.fair;

    // Control messages.
    const net = this.nets.get(state[this.posN] as number);
    if (config.reorder) {
      let prev = -1;
      for (const id of net.ids) {
        if (id === prev) continue;
        prev = id;
        const m = this.msgs.get(id);
        this.begin(false, fair ? this.fairClass(`m${id}`) : -1);
        next[this.posN] = this.netRemove(net.id, id);
        this.deliver(next, m, draft);
        this.finish(this.wants() ? { kind: 'deliver', to: this.receiverName(m), message: m.message, duplicate: false } : null);
        // A duplicate whose copy is dead after the delivery leads where the delivery led: skipped.
        if (config.duplication && !(this.gc && this.dead(next, m))) {
          this.begin(true, -1);
          this.deliver(next, m, draft);
          this.finish(this.wants() ? { kind: 'deliver', to: this.receiverName(m), message: m.message, duplicate: true } : null);
        }
        if (config.loss) {
          this.begin(true, -1);
          next[this.posN] = this.netRemove(net.id, id);
          this.finish(this.wants() ? { kind: 'drop', to: this.receiverName(m), message: m.message } : null);
        }
      }
    } else {
      for (let q = 0; q < net.queues.length; q++) {
        const queue = net.queues[q] as readonly number[];
        if (queue.length === 0) continue;
        const m = this.msgs.get(queue[0] as number);
        this.begin(false, fair ? this.fairClass(`q${q}:${m.id}`) : -1);
        next[this.posN] = this.netRemove(net.id, q << 12);
        this.deliver(next, m, draft);
        this.finish(this.wants() ? { kind: 'deliver', to: this.receiverName(m), message: m.message, duplicate: false } : null);
        if (config.duplication) {
          this.begin(true, -1);
          this.deliver(next, m, draft);
          this.finish(this.wants() ? { kind: 'deliver', to: this.receiverName(m), message: m.message, duplicate: true } : null);
        }
        if (config.loss) {
          for (let at = 0; at < queue.length; at++) {
            if (at > 0 && queue[at] === queue[at - 1]) continue;
            const dropped = this.msgs.get(queue[at] as number);
            this.begin(true, -1);
            next[this.posN] = this.netRemove(net.id, (q << 12) | at);
            this.finish(this.wants() ? { kind: 'drop', to: this.receiverName(dropped), message: dropped.message } : null);
          }
        }
      }
    }

    // Data channels (FIFO, lossless): the head of every channel whose receiver does not block it.
    const data = this.datas.get(state[this.posD] as number);
    const channels = this.layout.channels;
    for (let k = 0; k < channels.length; k++) {
      const queue = data.queues[k] as number[];
      if (queue.length === 0) continue;
      const ch = channels[k] as { from: number; to: number; channel: number };
      const receiver = this.tasks.get(state[1 + ch.to] as number);
      if (receiver.blocked & (1 << ch.channel)) continue;
      const head = queue[0] as number;
      this.begin(false, fair ? this.fairClass(`d${k}`) : -1);
      next[this.posD] = this.dataPop(data.id, k);
      this.applyTask(next, ch.to, this.taskStep(receiver, this.streamEventOf(head, ch.channel)), draft);
      this.finish(this.wants() ? { kind: 'data', from: this.layout.taskIds[ch.from] as string, to: this.layout.taskIds[ch.to] as string, channel: ch.channel, event: this.streams.get(head) } : null);
    }

    // Timers: any armed timer may fire (time is abstract).
    const coord = this.coords.get(state[0] as number);
    const timerEvents = coord.timerEvents ?? (coord.timerEvents = coord.timers.map((name) => this.coordTimerEvent(name)));
    for (let t = 0; t < coord.timers.length; t++) {
      const name = coord.timers[t] as string;
      this.begin(false, fair ? this.fairClass(`tc${name}`) : -1);
      this.applyCoord(next, this.coordStep(coord, timerEvents[t] as number, dur.counter), draft);
      this.finish(this.wants() ? { kind: 'timer', actor: 'coordinator', timer: name } : null);
    }
    for (let slot = 0; slot < n; slot++) {
      const task = this.tasks.get(state[1 + slot] as number);
      for (const name of task.timers) {
        this.begin(false, fair ? this.fairClass(`tt${slot}:${name}`) : -1);
        this.applyTask(next, slot, this.taskStep(task, this.taskTimerEvent(name)), draft);
        this.finish(this.wants() ? { kind: 'timer', actor: this.layout.taskIds[slot] as string, timer: name } : null);
      }
    }

    // A user asks for a savepoint (bounded).
    if (dur.savepoints > 0) {
      const k = config.savepoints - dur.savepoints + 1;
      this.begin(true, -1);
      this.applyCoord(next, this.coordStep(coord, this.savepointEvent(k), dur.counter), draft);
      next[this.posX] = this.oneSavepointLess(next[this.posX] as number);
      this.finish(this.wants() ? { kind: 'savepoint', requestId: `savepoint-${k}` } : null);
    }

    // Crashes (bounded): the coordinator restarts from the store; a task failure fails the job over.
    if (dur.crashes > 0) {
      for (let slot = -1; slot < n; slot++) {
        this.begin(true, -1);
        this.crash(next, slot, draft);
        this.finish(this.wants() ? { kind: 'crash', actor: slot < 0 ? 'coordinator' : (this.layout.taskIds[slot] as string) } : null);
      }
    }
  }

  /**
   * A crash of the coordinator (`slot` -1) or of a task, applied to `next`. Its effect on the
   * coordinator, the tasks and the durable state depends only on the coordinator, the durable
   * state, the failing task and the tasks' attempts: it is computed once per such combination
   * (the messages it sends and the observations it makes are then replayed onto `next`).
   */
  private crash(next: Int32Array, slot: number, draft: Draft): void {
    const n = this.n;
    const coord = this.coords.get(next[0] as number);
    let attempts = 0;
    for (let s = 0; s < n; s++) attempts = attempts * 16 + Math.min(15, this.tasks.get(next[1 + s] as number).attempt);
    const key = ((next[this.posX] as number) * 1048576 + (slot >= 0 ? (next[1 + slot] as number) : 1048575)) * 32 + (slot + 1);
    let byAttempts = coord.crashes.get(key);
    if (byAttempts === undefined) coord.crashes.set(key, (byAttempts = new Map()));
    let r = byAttempts.get(attempts);
    if (r === undefined) {
      const scratch = Int32Array.from(next);
      const capture: Capture = { batches: [], sends: [], errors: [], redeployed: false };
      this.capture = capture;
      try {
        const fake: Draft = { violations: NONE, reached: NONE, fault: true, fairClass: -1, discharges: 0 };
        if (slot < 0) {
          this.applyCoord(scratch, this.restartCoordinator(this.durables.get(scratch[this.posX] as number)), fake);
        } else {
          this.applyTask(scratch, slot, this.taskStep(this.tasks.get(scratch[1 + slot] as number), this.failEvent), fake);
          const counter = this.durables.get(scratch[this.posX] as number).counter;
          this.applyCoord(scratch, this.coordStep(this.coords.get(scratch[0] as number), this.failoverEvent, counter), fake);
          this.applyCoord(scratch, this.coordStep(this.coords.get(scratch[0] as number), this.restoreEvent, counter), fake);
        }
        scratch[this.posX] = this.oneCrashLess(scratch[this.posX] as number);
      } finally {
        this.capture = null;
      }
      r = { coord: scratch[0] as number, tasks: scratch.slice(1, 1 + n), durable: scratch[this.posX] as number, data: scratch[this.posD] as number, ...capture };
      byAttempts.set(attempts, r);
    }
    next[0] = r.coord;
    next.set(r.tasks, 1);
    next[this.posX] = r.durable;
    // A crash always redeploys the job (its channels start empty): nothing of `next`'s channels survives.
    if (!r.redeployed) throw new Error('internal error: a crash must redeploy the job');
    next[this.posD] = r.data;
    for (const b of r.batches) this.observe(next, b, draft);
    for (const m of r.sends) this.send(next, m);
    for (const e of r.errors) this.failed(draft, e);
  }

  private oneCrashLess(id: number): number {
    const d = this.durables.get(id);
    if (d.lessCrashes < 0) d.lessCrashes = this.durableOf(d.store, d.counter, d.crashes - 1, d.savepoints, d.failed);
    return d.lessCrashes;
  }

  private oneSavepointLess(id: number): number {
    const d = this.durables.get(id);
    if (d.lessSavepoints < 0) d.lessSavepoints = this.durableOf(d.store, d.counter, d.crashes, d.savepoints - 1, d.failed);
    return d.lessSavepoints;
  }

  private streamEventOf(stream: number, channel: number): number {
    const key = stream * 64 + channel;
    let id = this.streamEvents.get(key);
    if (id === undefined) {
      id = this.taskEvents.put(`s${stream}@${channel}`, () => streamEvent(channel, this.streams.get(stream), NOW));
      this.streamEvents.set(key, id);
    }
    return id;
  }

  private coordTimerEvent(name: string): number {
    return this.coordEvents.put(`t${name}`, () => ({ type: 'timer.fired', timer: timerOf(name) }));
  }

  private taskTimerEvent(name: string): number {
    return this.taskEvents.put(`t${name}`, () => ({ type: 'timer.fired', timer: name, now: NOW }) as TaskEvent);
  }

  private readonly savepointEvents: number[] = [];

  private savepointEvent(k: number): number {
    let id = this.savepointEvents[k];
    if (id === undefined) {
      const requestId = `savepoint-${k}`;
      id = this.savepointEvents[k] = this.coordEvents.put(`sp${requestId}`, () => ({ type: 'request.savepoint', requestId }));
    }
    return id;
  }

  // ---------------------------------------------------------------- garbage collection

  /** Whether a batch of observations changes nothing in the monitor `monitor`. */
  private quiet(monitor: number, batch: number): boolean {
    if (batch === this.emptyBatch) return true;
    const r = this.monitorStep(monitor, batch);
    return r.next === monitor && r.violations.length === 0 && r.reached.length === 0;
  }

  /**
   * Whether delivering message `m` in state `next` changes nothing at all (receiver, network,
   * channels, durable state, property history) and never will again, so it can leave the network.
   * Once such a delivery is a no-op it stays one: attempts and started ids only grow, ids are never
   * reused, and an answered checkpoint never becomes pending again. The one exception is a task
   * state report: a restarted coordinator knows no attempt and takes any report, so reports stay
   * while a coordinator crash may still happen.
   */
  private dead(next: Int32Array, m: MsgRec): boolean {
    if (m.toCoordinator) {
      const dur = this.durables.get(next[this.posX] as number);
      if (m.report && dur.crashes > 0) return false;
      const r = this.coordStep(this.coords.get(next[0] as number), m.event, dur.counter);
      return r.inert && this.quiet(next[this.posM] as number, r.batch);
    }
    const r = this.taskStep(this.tasks.get(next[1 + m.slot] as number), m.event);
    return r.inert && this.quiet(next[this.posM] as number, r.batch);
  }

  /**
   * Removes every dead message from the network of `next`. Only messages whose deadness may have
   * changed since `parent` (whose own network is clean) are looked at: new ones, and those whose
   * receiver, durable state or property history changed.
   */
  private collect(next: Int32Array, parent: Int32Array): void {
    if (!this.gc) return;
    const sameMonitor = next[this.posM] === parent[this.posM];
    const sameDurable = next[this.posX] === parent[this.posX];
    let changed = 0;
    for (let i = 0; i <= this.n; i++) if (next[i] !== parent[i]) changed |= 1 << i;
    const added = this.added;
    const addedCount = this.addedCount;
    // Nothing a deadness test reads changed, and no message was added: the network is clean.
    if (changed === 0 && sameMonitor && sameDurable && addedCount === 0) return;
    const net = this.nets.get(next[this.posN] as number);
    if (net.distinct === null) this.index_(net);
    const distinct = net.distinct as Int32Array;
    const at = net.receivers as Int32Array;
    let id = net.id;
    for (let i = 0; i < distinct.length; i++) {
      const m = distinct[i] as number;
      const pos = at[i] as number;
      // A message that was in the parent's (clean) network stays alive while nothing it depends on changed.
      if (sameMonitor && (changed & (1 << pos)) === 0 && (sameDurable || pos !== 0) && !includes(added, addedCount, m)) continue;
      const rec = this.msgs.get(m);
      if (this.dead(next, rec)) {
        if (this.config.reorder) {
          for (const x of net.ids) if (x === m) id = this.netRemove(id, m);
        } else {
          const queue = net.queues[rec.slot * 2 + (rec.toCoordinator ? 1 : 0)] as readonly number[];
          for (let k = queue.length - 1; k >= 0; k--) if (queue[k] === m) id = this.netRemove(id, ((rec.slot * 2 + (rec.toCoordinator ? 1 : 0)) << 12) | k);
        }
      }
    }
    next[this.posN] = id;
  }

  /** Fills a network's list of distinct messages and their receivers' positions. */
  private index_(net: NetRec): void {
    const ids = this.config.reorder ? net.ids : net.queues.flat();
    const distinct = [...new Set(ids)];
    net.distinct = Int32Array.from(distinct);
    net.receivers = Int32Array.from(distinct.map((m) => {
      const rec = this.msgs.get(m);
      return rec.toCoordinator ? 0 : 1 + rec.slot;
    }));
  }

  // ---------------------------------------------------------------- symmetry

  private canonicalize(state: Int32Array, out: Int32Array): void {
    out.set(state);
    if (this.durables.get(state[this.posX] as number).failed) {
      // A failed job does nothing more: every such state is the same (the monitor still tells
      // whether a violation was seen on the way).
      out.fill(-1);
      out[this.posM] = this.monitors.get(state[this.posM] as number).violated ? 1 : 0;
      return;
    }
    if (!this.symmetry) return;
    const tmp = this.tmp;
    for (let p = 1; p < this.perms.length; p++) {
      const perm = this.perms[p] as number[];
      tmp[0] = this.renamedCoord(state[0] as number, p);
      for (let s = 0; s < this.n; s++) tmp[1 + (perm[s] as number)] = this.renamedTask(state[1 + s] as number, p);
      tmp[this.posN] = this.renamedNet(state[this.posN] as number, p);
      tmp[this.posD] = this.renamedData(state[this.posD] as number, p);
      tmp[this.posX] = this.renamedDurable(state[this.posX] as number, p);
      tmp[this.posM] = this.renamedMonitor(state[this.posM] as number, p);
      for (let i = 0; i < this.width; i++) {
        const a = tmp[i] as number;
        const b = out[i] as number;
        if (a < b) {
          out.set(tmp);
          break;
        }
        if (a > b) break;
      }
    }
  }

  private renamedCoord(id: number, p: number): number {
    const c = this.coords.get(id);
    let r = c.renamed[p] as number;
    if (r < 0) c.renamed[p] = r = this.coords.id(`${coordinatorCode(c.snapshot, this.slotFns[p] as SlotOf, this.strict)}|${c.timers.join(',')}`);
    return r;
  }

  private renamedTask(id: number, p: number): number {
    const t = this.tasks.get(id);
    let r = t.renamed[p] as number;
    if (r < 0) t.renamed[p] = r = this.tasks.id(this.taskKey(t.slot, t.snapshot, t.blocked, t.timers, t.parts, p));
    return r;
  }

  private renamedMsg(id: number, p: number): number {
    const m = this.msgs.get(id);
    let r = m.renamed[p] as number;
    if (r < 0) m.renamed[p] = r = this.msgs.id(messageCode(m.message, this.slotFns[p] as SlotOf));
    return r;
  }

  private renamedNet(id: number, p: number): number {
    const net = this.nets.get(id);
    let r = net.renamed[p] as number;
    if (r < 0) {
      const perm = this.perms[p] as number[];
      if (this.config.reorder) {
        const ids = net.ids.map((m) => this.renamedMsg(m, p)).sort((a, b) => a - b);
        r = this.nets.id(this.netKey(ids, []));
      } else {
        const queues: number[][] = net.queues.map(() => []);
        net.queues.forEach((q, i) => void (queues[(perm[i >> 1] as number) * 2 + (i & 1)] = q.map((m) => this.renamedMsg(m, p))));
        r = this.nets.id(this.netKey([], queues));
      }
      net.renamed[p] = r;
    }
    return r;
  }

  private renamedData(id: number, p: number): number {
    const data = this.datas.get(id);
    let r = data.renamed[p] as number;
    if (r < 0) {
      const perm = this.chanPerm[p] as number[];
      const queues: (readonly number[])[] = data.queues.map(() => []);
      data.queues.forEach((q, k) => void (queues[perm[k] as number] = q));
      data.renamed[p] = r = this.datas.id(queues.map((q) => q.join(',')).join('/'));
    }
    return r;
  }

  private renamedDurable(id: number, p: number): number {
    const d = this.durables.get(id);
    let r = d.renamed[p] as number;
    if (r < 0) d.renamed[p] = r = this.durables.id(this.durableKey(d.store, d.counter, d.crashes, d.savepoints, d.failed, p));
    return r;
  }

  private renamedMonitor(id: number, p: number): number {
    const m = this.monitors.get(id);
    let r = m.renamed[p] as number;
    if (r < 0) m.renamed[p] = r = this.monitors.id(monitorCode(m.monitor, m.violated, this.slotFns[p] as SlotOf));
    return r;
  }

  // ---------------------------------------------------------------- reading states

  obligations(state: Int32Array): number {
    if (!this.fair) return 0;
    const dur = this.durables.get(state[this.posX] as number);
    if (dur.failed) return 0;
    let bits = this.coords.get(state[0] as number).pendingMask;
    if (dur.counter <= this.config.maxIds) bits |= 1 << PROGRESS_BIT;
    return bits;
  }

  describe(state: Int32Array): WorldView {
    const coord = this.coords.get(state[0] as number);
    const c = coord.snapshot.context;
    const dur = this.durables.get(state[this.posX] as number);
    const net = this.nets.get(state[this.posN] as number);
    const ids = this.config.reorder ? net.ids : net.queues.flat();
    const data = this.datas.get(state[this.posD] as number);
    return {
      coordinator: {
        state: coord.snapshot.value,
        pending: [...c.pending.values()].map((p) => ({ checkpointId: p.checkpointId, snapshot: p.request.snapshot, stage: p.stage, acknowledged: p.acks.size, required: p.plan.waitFor.size })),
        completed: c.completed.map((x) => x.checkpointId),
        tasks: Object.fromEntries([...c.tasks.toJSON()].map(([id, r]) => [id, `${r.state}@${r.attempt}`])),
        timers: coord.timers,
        queued: c.queue.length,
        failureCounter: c.failures.counter,
      },
      tasks: this.layout.taskIds.map((taskId, slot) => {
        const t = this.tasks.get(state[1 + slot] as number);
        const v = taskView(t.snapshot);
        return { taskId, attempt: t.attempt, lifecycle: v.lifecycle, barrierHandler: v.barrierHandler, lastStarted: v.lastStartedCheckpointId, pendingAlignment: v.pendingAlignment, blocked: v.blockedChannels, latestCompleted: v.latestCompletedCheckpointId, pendingTransactions: v.pendingTransactions.map((p) => p.checkpointId) };
      }),
      network: ids.map((id) => describeMessage(this.msgs.get(id).message)),
      channels: this.layout.channels.map((ch, k) => ({ from: this.layout.taskIds[ch.from] as string, to: this.layout.taskIds[ch.to] as string, channel: ch.channel, events: (data.queues[k] as number[]).map((e) => describeEvent(this.streams.get(e))) })),
      store: dur.store.map((x) => x.checkpointId),
      nextId: dur.counter,
      crashesLeft: dur.crashes,
      savepointsLeft: dur.savepoints,
      jobFailed: dur.failed,
    };
  }

  /**
   * The canonical keys of every part of a state but the network, joined (for tests that compare
   * two worlds: with and without dead-message collection, with and without symmetry).
   * @param state - a state of this world.
   */
  actorsKey(state: Int32Array): string {
    const identity = this.slotFns[0] as SlotOf;
    const coord = this.coords.get(state[0] as number);
    const parts = [`${coordinatorCode(coord.snapshot, identity)}|${coord.timers.join(',')}`];
    for (let s = 0; s < this.n; s++) {
      const t = this.tasks.get(state[1 + s] as number);
      const chan = (this.chanFns[0] as ChannelOf[])[s] as ChannelOf;
      parts.push(`${s}|${taskCode(t.snapshot, chan)}|${t.blocked}|${t.timers.join(',')}|${t.parts.size}`);
    }
    parts.push(this.datas.keys[state[this.posD] as number] as string, this.durables.keys[state[this.posX] as number] as string, this.monitors.keys[state[this.posM] as number] as string);
    return parts.join('\n##\n');
  }

  statistics(): Record<string, number> {
    return {
      coordinatorStates: this.coords.reached,
      taskStates: this.tasks.reached,
      messages: this.msgs.reached,
      networks: this.nets.reached,
      dataChannelStates: this.datas.reached,
      monitorStates: this.monitors.reached,
      coordinatorTransitions: this.coordResults,
      selfLoopsSkipped: this.selfLoops,
    };
  }
}

/** A readable world state (for traces). */
export interface WorldView {
  readonly coordinator: {
    readonly state: unknown;
    readonly pending: ReadonlyArray<{ checkpointId: number; snapshot: string; stage: string; acknowledged: number; required: number }>;
    readonly completed: readonly number[];
    readonly tasks: Readonly<Record<string, string>>;
    readonly timers: readonly string[];
    readonly queued: number;
    readonly failureCounter: number;
  };
  readonly tasks: ReadonlyArray<{
    taskId: string;
    attempt: number;
    lifecycle: string;
    barrierHandler: string;
    lastStarted: number;
    pendingAlignment: number | null;
    blocked: readonly number[];
    latestCompleted: number;
    pendingTransactions: readonly number[];
  }>;
  readonly network: readonly string[];
  readonly channels: ReadonlyArray<{ from: string; to: string; channel: number; events: readonly string[] }>;
  readonly store: readonly number[];
  readonly nextId: number;
  readonly crashesLeft: number;
  readonly savepointsLeft: number;
  readonly jobFailed: boolean;
}

/**
 * A control message in a few words, e.g. `acknowledgeCheckpoint(2) source#0@0 -> coordinator`.
 * @param m - the message.
 */
export function describeMessage(m: ControlMessage): string {
  const who = `${m.taskId}@${m.attempt}`;
  switch (m.type) {
    case 'triggerCheckpoint':
      return `triggerCheckpoint(${m.checkpointId}, ${m.options.snapshot}) -> ${who}`;
    case 'notifyCheckpointComplete':
      return `notifyCheckpointComplete(${m.checkpointId}) -> ${who}`;
    case 'notifyCheckpointAborted':
      return `notifyCheckpointAborted(${m.checkpointId}, latest ${m.latestCompletedCheckpointId}) -> ${who}`;
    case 'acknowledgeCheckpoint':
      return `acknowledgeCheckpoint(${m.checkpointId}) ${who} -> coordinator`;
    case 'declineCheckpoint':
      return `declineCheckpoint(${m.checkpointId}, ${m.reason}) ${who} -> coordinator`;
    case 'reportCheckpointMetrics':
      return `reportCheckpointMetrics(${m.checkpointId}) ${who} -> coordinator`;
    case 'taskStateChanged':
      return `taskStateChanged(${m.state}) ${who} -> coordinator`;
    case 'heartbeat':
      return `heartbeat ${who} -> coordinator`;
  }
}

/**
 * An in-band event in a few words.
 * @param e - the event.
 */
export function describeEvent(e: StreamEvent): string {
  return e.type === 'barrier' || e.type === 'cancelMarker' ? `${e.type}(${e.checkpointId})` : e.type;
}
