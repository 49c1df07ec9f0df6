/**
 * Replays a trace against the real runtime actors: `createCoordinator` and `createTask` with
 * in-memory ports, a control network and data channels under the replay's control, timers fired
 * by name, and a {@link ProtocolMonitor} fed by their observations. Each step is the trace's
 * action; after each, the actors' states are compared with the states the checker recorded, so a
 * replay either shows the same run (and the same violation) or says where it diverged.
 *
 * The ports behave as the world assumes: synchronous store, id counter (silent beyond the bound)
 * and snapshot port (inline handles that carry a sink's persisted state); a restore redeploys
 * every task as a new attempt, and (unless the configuration routes them through the network)
 * the new attempts' reports reach the coordinator at once.
 * @packageDocumentation
 */
import type { InspectionEvent } from 'xstate';
import type { CheckpointId, ControlMessage, Observation, StreamEvent, TaskId, TaskToCoordinatorMessage, Violation } from '../../spec/index.js';
import { ProtocolMonitor } from '../../spec/index.js';
import type { CompletedCheckpoint } from '../../machines/coordinator/index.js';
import { taskView } from '../../machines/task/index.js';
import type { TaskRestore } from '../../machines/task/index.js';
import type { Coordinator } from '../../runtime/coordinator/create-coordinator.js';
import { createCoordinator } from '../../runtime/coordinator/create-coordinator.js';
import { InMemoryCheckpointStore } from '../../runtime/coordinator/memory-store.js';
import type { CheckpointIdCounter } from '../../runtime/coordinator/ports.js';
import type { Task } from '../../runtime/task/create-task.js';
import { createTask } from '../../runtime/task/create-task.js';
import type { TwoPhaseCommitSink } from '../../runtime/task/ports.js';
import type { Timers } from '../../runtime/time.js';
import type { WorldConfig } from './config.js';
import { coordinatorConfigOf, JOB_ID, layoutOf, NOW, topologyOf } from './config.js';
import { handleKeyOf, messageCode, sinkStateOfHandle } from './encode.js';
import { describeAction, describeChanges } from './format.js';
import type { Trace } from './run.js';
import type { ActionLabel, WorldView } from './world.js';
import { describeEvent, describeMessage } from './world.js';

/** One replayed step. */
export interface ReplayStep {
  /** 1-based step number. */
  readonly step: number;
  /** What happened, in words. */
  readonly action: string;
  /** What changed in the real actors. */
  readonly changes: readonly string[];
  /** Violations the monitor reported at this step. */
  readonly violations: readonly Violation[];
  /** `sometimes` properties first reached at this step. */
  readonly reached: readonly string[];
}

/** The outcome of a replay. */
export interface ReplayResult {
  /** The steps replayed. */
  readonly steps: readonly ReplayStep[];
  /** Where the real actors stopped matching the trace, or null. */
  readonly diverged: { readonly step: number; readonly message: string } | null;
  /** Whether the replay shows what the trace shows (the violation at the same step, the witness, the loop). */
  readonly reproduced: boolean;
  /** Every violation seen, with its step. */
  readonly violations: ReadonlyArray<Violation & { readonly step: number }>;
}

/** Timers fired by name, on demand. */
class ManualTimers implements Timers {
  readonly armed = new Map<string, () => void>();
  set(name: string, _delayMs: number, fire: () => void): void {
    this.armed.set(name, fire);
  }
  clear(name: string): void {
    this.armed.delete(name);
  }
  fire(name: string): boolean {
    const f = this.armed.get(name);
    if (!f) return false;
    this.armed.delete(name);
    f();
    return true;
  }
}

/** The id counter of the world: 1, 2, ... up to the bound; beyond it, it never answers. */
class BoundedCounter implements CheckpointIdCounter {
  next = 1;
  constructor(private readonly max: number) {}
  getAndIncrement(): number | Promise<number> {
    if (this.next > this.max) return new Promise<number>(() => {});
    return this.next++;
  }
}

/** A two-phase-commit participant that accepts everything (the external system is not modelled). */
const PERMISSIVE_SINK: TwoPhaseCommitSink = {
  beginTransaction: () => {},
  preCommit: () => {},
  commit: () => {},
  abort: () => {},
  recoverAndCommit: () => {},
  recoverAndAbort: () => {},
};

const clock = { now: () => NOW };
const canonicalMessage = (m: ControlMessage) => messageCode(m, () => 0) + `|${m.taskId}`;

/** The real actors, wired like the checker's world. */
class RuntimeWorld {
  readonly layout;
  readonly monitor = new ProtocolMonitor();
  readonly store = new InMemoryCheckpointStore();
  readonly counter: BoundedCounter;
  readonly coordinatorTimers = new ManualTimers();
  readonly taskTimers = new ManualTimers();
  readonly network: ControlMessage[] = [];
  readonly channels: StreamEvent[][];
  readonly blocked: boolean[][];
  tasks: Task[] = [];
  coordinator!: Coordinator;
  jobFailed = false;
  private detach: (() => void) | null = null;
  private restore: { checkpoint: CompletedCheckpoint | null; tasks: readonly TaskId[] } | null = null;
  private deploying: TaskToCoordinatorMessage[] | null = null;
  private stepViolations: Violation[] = [];

  constructor(
    readonly config: WorldConfig,
    private readonly inspect?: (event: InspectionEvent) => void,
  ) {
    this.layout = layoutOf(topologyOf(config));
    this.counter = new BoundedCounter(config.maxIds);
    this.channels = this.layout.channels.map(() => []);
    this.blocked = this.layout.taskIds.map((_, s) => Array.from({ length: this.layout.inputs[s] as number }, () => false));
  }

  observe = (o: Observation): void => {
    this.stepViolations.push(...this.monitor.observe(o));
  };

  takeViolations(): Violation[] {
    const v = this.stepViolations;
    this.stepViolations = [];
    return v;
  }

  async startCoordinator(): Promise<void> {
    this.detach?.();
    for (const name of [...this.coordinatorTimers.armed.keys()]) this.coordinatorTimers.clear(name);
    this.coordinator = await createCoordinator({
      topology: this.layout.topology,
      config: coordinatorConfigOf(this.config),
      transport: { send: (m) => void this.network.push(m) },
      store: this.store,
      counter: this.counter,
      clock,
      timers: this.coordinatorTimers,
      random: () => 0,
      onRestore: (r) => void (this.restore = { checkpoint: r.checkpoint, tasks: r.tasks }),
      onJobFailure: () => void (this.jobFailed = true),
      ...(this.inspect ? { inspect: this.inspect } : {}),
    });
    this.detach = this.coordinator.onObservation(this.observe);
  }

  deploy(slot: number, attempt: number, checkpoint: CompletedCheckpoint | null): void {
    const taskId = this.layout.taskIds[slot] as string;
    this.tasks[slot]?.stop();
    const handle = checkpoint ? (checkpoint.taskStates.get(taskId) ?? null) : null;
    const restore: TaskRestore | null = checkpoint ? { checkpointId: checkpoint.checkpointId, state: handle, transactions: handle ? sinkStateOfHandle(handle.key) : null } : null;
    const sink = this.layout.isSink[slot] === true;
    const task = createTask({
      task: { jobId: JOB_ID, taskId, attempt, inputChannels: this.layout.inputs[slot] as number, twoPhaseCommitSink: sink, restore },
      toCoordinator: { send: (m) => void (this.deploying ?? this.network).push(m) },
      downstream: { broadcast: (e) => this.layout.outputs[slot]?.forEach((k) => this.channels[k]?.push(e)) },
      inputs: { block: (c) => void ((this.blocked[slot] as boolean[])[c] = true), unblock: (c) => void ((this.blocked[slot] as boolean[])[c] = false) },
      snapshots: { sync: (req) => ({ key: handleKeyOf(taskId, req.checkpointId, req.sinkState), sizeBytes: 1 }) },
      ...(sink ? { sink: PERMISSIVE_SINK } : {}),
      clock,
      timers: this.taskTimers,
      ...(this.inspect ? { inspect: this.inspect } : {}),
    });
    task.onObservation(this.observe);
    this.tasks[slot] = task;
    task.start();
  }

  /** Runs a restore the coordinator asked for: every task redeployed, their reports delivered. */
  settle(): void {
    while (this.restore) {
      const r = this.restore;
      this.restore = null;
      const reports: TaskToCoordinatorMessage[] = [];
      if (!this.config.asyncReports) this.deploying = reports;
      try {
        for (const taskId of r.tasks) {
          const slot = this.layout.slotOf.get(taskId) as number;
          this.deploy(slot, (this.tasks[slot]?.config.attempt ?? -1) + 1, r.checkpoint);
        }
      } finally {
        this.deploying = null;
      }
      this.channels.forEach((c) => (c.length = 0));
      this.blocked.forEach((b) => b.fill(false));
      for (const m of reports) this.coordinator.receive(m);
    }
  }

  async init(): Promise<void> {
    await this.startCoordinator();
    const startup: TaskToCoordinatorMessage[] = [];
    this.deploying = startup;
    for (let slot = 0; slot < this.layout.taskIds.length; slot++) this.deploy(slot, 0, null);
    this.deploying = null;
    for (const m of startup) this.coordinator.receive(m);
    this.coordinator.startScheduler();
  }

  private take(message: ControlMessage, remove: boolean): ControlMessage {
    const key = canonicalMessage(message);
    const i = this.network.findIndex((m) => canonicalMessage(m) === key);
    if (i < 0) throw new Error(`${describeMessage(message)} is not in the network`);
    const m = this.network[i] as ControlMessage;
    if (remove) this.network.splice(i, 1);
    return m;
  }

  private deliver(m: ControlMessage): void {
    if (m.type === 'acknowledgeCheckpoint' || m.type === 'declineCheckpoint' || m.type === 'reportCheckpointMetrics' || m.type === 'taskStateChanged') this.coordinator.receive(m);
    else this.tasks[this.layout.slotOf.get(m.taskId) as number]?.receive(m);
  }

  async apply(a: ActionLabel): Promise<void> {
    switch (a.kind) {
      case 'deliver':
        this.deliver(this.take(a.message, !a.duplicate));
        break;
      case 'drop':
        this.take(a.message, true);
        break;
      case 'data': {
        const slot = this.layout.slotOf.get(a.to) as number;
        const k = (this.layout.channelAt[slot] as number[])[a.channel] as number;
        const queue = this.channels[k] as StreamEvent[];
        const head = queue[0];
        if (!head || describeEvent(head) !== describeEvent(a.event)) throw new Error(`channel ${a.from} -> ${a.to}[${a.channel}] does not start with ${describeEvent(a.event)}`);
        if ((this.blocked[slot] as boolean[])[a.channel]) throw new Error(`channel ${a.from} -> ${a.to}[${a.channel}] is blocked`);
        queue.shift();
        this.tasks[slot]?.receiveStream(a.channel, head);
        break;
      }
      case 'timer':
        if (a.actor === 'coordinator') {
          if (!this.coordinatorTimers.fire(a.timer)) throw new Error(`coordinator timer ${a.timer} is not armed`);
        } else {
          const slot = this.layout.slotOf.get(a.actor) as number;
          const name = `task/${a.actor}/${this.tasks[slot]?.config.attempt}/${a.timer}`;
          if (!this.taskTimers.fire(name)) throw new Error(`timer ${a.timer} of ${a.actor} is not armed`);
        }
        break;
      case 'savepoint':
        void this.coordinator.triggerSavepoint();
        break;
      case 'crash':
        if (a.actor === 'coordinator') {
          this.observe({ kind: 'coordinatorRestarted' });
          await this.startCoordinator();
          // As the world: the new coordinator restores and starts its scheduler; the redeployment follows.
          this.coordinator.restore('global');
          this.coordinator.startScheduler();
        } else {
          const slot = this.layout.slotOf.get(a.actor) as number;
          this.tasks[slot]?.fail('crashed');
          this.coordinator.abortPending('JOB_FAILOVER_REGION');
          this.coordinator.restore('global');
        }
        break;
    }
    this.settle();
  }

  view(): Omit<WorldView, 'network'> {
    const s = this.coordinator.actor.getSnapshot();
    const c = s.context;
    return {
      coordinator: {
        state: s.value,
        pending: [...c.pending.values()].map((p) => ({ checkpointId: p.checkpointId, snapshot: p.request.snapshot, stage: p.stage, acknowledged: p.acks.size, required: p.plan.waitFor.size })),
        completed: c.completed.map((x) => x.checkpointId),
        tasks: Object.fromEntries([...c.tasks.toJSON()].map(([id, r]) => [id, `${r.state}@${r.attempt}`])),
        timers: [...this.coordinatorTimers.armed.keys()].sort(),
        queued: c.queue.length,
        failureCounter: c.failures.counter,
      },
      tasks: this.tasks.map((t) => {
        const v = taskView(t.snapshot());
        return { taskId: t.config.taskId, attempt: t.config.attempt, lifecycle: v.lifecycle, barrierHandler: v.barrierHandler, lastStarted: v.lastStartedCheckpointId, pendingAlignment: v.pendingAlignment, blocked: v.blockedChannels, latestCompleted: v.latestCompletedCheckpointId, pendingTransactions: v.pendingTransactions.map((p) => p.checkpointId) };
      }),
      channels: this.layout.channels.map((ch, k) => ({ from: this.layout.taskIds[ch.from] as string, to: this.layout.taskIds[ch.to] as string, channel: ch.channel, events: (this.channels[k] as StreamEvent[]).map(describeEvent) })),
      store: this.store.load().map((x) => x.checkpointId),
      nextId: this.counter.next,
      crashesLeft: 0,
      savepointsLeft: 0,
      jobFailed: this.jobFailed,
    };
  }
}

/** The parts of a state both sides must agree on (fields the checker's keys leave out are not compared). */
function comparable(v: Omit<WorldView, 'network'>): string {
  return JSON.stringify({
    coordinator: { ...v.coordinator },
    tasks: v.tasks.map((t) => ({ ...t, latestCompleted: undefined })),
    channels: v.channels,
    store: v.store,
    nextId: v.nextId,
    jobFailed: v.jobFailed,
  });
}

/** Options of {@link replayTrace}. */
export interface ReplayOptions {
  /** An XState inspection observer for the coordinator and every task attempt (e.g. `runtime/inspect.ts`). */
  readonly inspect?: (event: InspectionEvent) => void;
}

/**
 * Replays a trace against the real runtime actors.
 * @param trace - the trace (from `snapwright check --trace-out`).
 * @param onStep - called after each step.
 * @param options - inspection.
 */
export async function replayTrace(trace: Trace, onStep?: (step: ReplayStep) => void, options: ReplayOptions = {}): Promise<ReplayResult> {
  const world = new RuntimeWorld(trace.configuration, options.inspect);
  await world.init();
  const steps: ReplayStep[] = [];
  const violations: Array<Violation & { step: number }> = [];
  let diverged: ReplayResult['diverged'] = null;
  const initial = world.takeViolations();
  violations.push(...initial.map((v) => ({ ...v, step: 0 })));
  if (comparable(world.view()) !== comparable(trace.initial)) diverged = { step: 0, message: 'the initial states differ' };
  let before: WorldView = { ...world.view(), network: world.network.map(describeMessage) };
  let loopView: string | null = trace.loopStart === 0 ? comparable(world.view()) : null;
  const reachedBefore = new Set<string>();
  for (let i = 0; i < trace.steps.length && !diverged; i++) {
    const expected = trace.steps[i] as Trace['steps'][number];
    try {
      await world.apply(expected.action);
    } catch (e) {
      diverged = { step: i + 1, message: e instanceof Error ? e.message : String(e) };
      break;
    }
    const found = world.takeViolations();
    violations.push(...found.map((v) => ({ ...v, step: i + 1 })));
    const reached = world.monitor.reachedProperties().filter((p) => !reachedBefore.has(p));
    reached.forEach((p) => reachedBefore.add(p));
    const view = world.view();
    const after: WorldView = { ...view, network: world.network.map(describeMessage) };
    const step: ReplayStep = { step: i + 1, action: describeAction(expected.action), changes: describeChanges(before, after), violations: found, reached };
    steps.push(step);
    onStep?.(step);
    before = after;
    if (comparable(view) !== comparable(expected.state)) {
      diverged = { step: i + 1, message: `the real actors reached a different state than the checker recorded:\n  real:    ${comparable(view)}\n  checker: ${comparable(expected.state)}` };
    }
    if (trace.loopStart === i + 1) loopView = comparable(view);
  }
  let reproduced = false;
  if (!diverged) {
    const last = steps.length;
    if (trace.kind === 'always') reproduced = violations.some((v) => v.property === trace.property && v.step === last);
    else if (trace.kind === 'sometimes') reproduced = steps[last - 1]?.reached.includes(trace.property) === true;
    else reproduced = loopView === null || loopView === comparable(world.view());
  }
  return { steps, diverged, reproduced, violations };
}

/** Re-exported for the CLI. */
export type { CheckpointId };
