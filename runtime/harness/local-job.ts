/**
 * An in-process job: one coordinator and a graph of tasks (sources, tasks with several inputs,
 * two-phase-commit sinks at the leaves) connected by in-memory FIFO data channels that honour
 * blocking, and a control queue between the coordinator and the tasks. Deterministic: `run()`
 * delivers control messages first, then data round-robin over the channels, until nothing moves.
 * Time is a {@link ManualTime} advanced by the caller.
 * @packageDocumentation
 */
import type { InspectionEvent } from 'xstate';
import type {
  CheckpointingConfig,
  JobTopology,
  Observation,
  StreamEvent,
  TaskId,
} from '../../spec/index.js';
import { describeMessage, ProtocolMonitor, taskIdsOf, upstreamTasksOf } from '../../spec/index.js';
import type { CompletedCheckpoint } from '../../machines/coordinator/index.js';
import type { CheckpointOutcome, Coordinator } from '../coordinator/create-coordinator.js';
import { createCoordinator } from '../coordinator/create-coordinator.js';
import { createTask } from '../task/create-task.js';
import type { Task } from '../task/create-task.js';
import { InMemorySink, InMemorySnapshots } from '../task/in-memory.js';
import { ManualTime } from '../time.js';

/** One line of what happened, for people (the demo prints these). */
export interface TraceEntry {
  /** `control` (coordinator and tasks), `data` (between tasks), `commit` (a sink), `job` (the harness). */
  readonly kind: 'control' | 'data' | 'commit' | 'job';
  /** Who sent or did it. */
  readonly from: string;
  /** Who received it ('' when nobody). */
  readonly to: string;
  /** What, e.g. `triggerCheckpoint(1)` or `barrier(1) on channel 0`. */
  readonly text: string;
}

/** Options of {@link LocalJob.create}. */
export interface LocalJobOptions {
  /** The job; leaf vertices become two-phase-commit sinks. */
  readonly topology: JobTopology;
  /** Checkpointing options. */
  readonly config?: Partial<CheckpointingConfig>;
  /** The clock and timers (default: a manual clock at 0). */
  readonly time?: ManualTime;
  /** Called for every delivered message and every commit. */
  readonly onTrace?: (entry: TraceEntry) => void;
  /** An XState inspection observer for the coordinator and every task attempt (see `runtime/inspect.ts`). */
  readonly inspect?: (event: InspectionEvent) => void;
}

interface Channel {
  readonly from: TaskId;
  readonly queue: StreamEvent[];
  blocked: boolean;
}


const describeEvent = (e: StreamEvent): string => (e.type === 'barrier' || e.type === 'cancelMarker' ? `${e.type}(${e.checkpointId})` : e.type);

/** The data channels of a topology: each task's input channels and where each task sends. */
export interface Wiring {
  /** Every task, vertex by vertex. */
  readonly taskIds: readonly TaskId[];
  /** Input channel `c` of task `t` comes from `upstream.get(t)[c]`. */
  readonly upstream: ReadonlyMap<TaskId, readonly TaskId[]>;
  /** Task `t` sends into channel `c` of task `d` for each `[d, c]` of `outputs.get(t)`, in downstream subtask order. */
  readonly outputs: ReadonlyMap<TaskId, ReadonlyArray<readonly [TaskId, number]>>;
}

/**
 * The data channels of a topology (shared by this harness and the main job).
 * @param topology - the job.
 */
export function wiringOf(topology: JobTopology): Wiring {
  const taskIds = taskIdsOf(topology);
  const upstream = new Map<TaskId, TaskId[]>();
  const outputs = new Map<TaskId, Array<[TaskId, number]>>(taskIds.map((id) => [id, []]));
  for (const vertex of topology.vertices) {
    for (let i = 0; i < vertex.parallelism; i++) {
      const id = `${vertex.id}#${i}`;
      const ups = upstreamTasksOf(topology, vertex.id, i);
      upstream.set(id, ups);
      ups.forEach((up, channel) => outputs.get(up)?.push([id, channel]));
    }
  }
  return { taskIds, upstream, outputs };
}

/** A running in-process job. Create it with {@link LocalJob.create}. */
export class LocalJob {
  /** Watches every observation of the coordinator and the tasks. */
  readonly monitor = new ProtocolMonitor();
  /** The clock and timers. */
  readonly time: ManualTime;
  /** The current attempt of every task. */
  readonly tasks = new Map<TaskId, Task>();
  /** The external system of every sink task (it survives task restarts). */
  readonly sinks = new Map<TaskId, InMemorySink>();
  /** Each task's snapshot storage (survives restarts, like a checkpoint directory). */
  readonly snapshots = new Map<TaskId, InMemorySnapshots>();
  /** The checkpoints restored so far, in order (-1 for "none"). */
  readonly restored: number[] = [];
  private readonly channels = new Map<TaskId, Channel[]>();
  private readonly outputs: Wiring['outputs'];
  private readonly upstream: Wiring['upstream'];
  private readonly attempts = new Map<TaskId, number>();
  private readonly control: Array<() => void> = [];
  private readonly taskIds: readonly TaskId[];
  private readonly sinkIds: ReadonlySet<TaskId>;
  private coordinatorRef: Coordinator | null = null;
  private cursor = 0;

  private constructor(
    private readonly options: LocalJobOptions,
    time: ManualTime,
  ) {
    this.time = time;
    const { topology } = options;
    const wiring = wiringOf(topology);
    this.taskIds = wiring.taskIds;
    this.upstream = wiring.upstream;
    this.outputs = wiring.outputs;
    const consumed = new Set(topology.vertices.flatMap((v) => v.inputs.map((i) => i.from)));
    this.sinkIds = new Set(this.taskIds.filter((id) => !consumed.has(id.slice(0, id.lastIndexOf('#')))));
    for (const id of this.taskIds) {
      this.snapshots.set(id, new InMemorySnapshots(id));
      if (this.sinkIds.has(id)) this.sinks.set(id, new InMemorySink());
    }
  }

  /**
   * Creates the coordinator and deploys every task (attempt 0), then runs until quiet.
   * @param options - the job.
   */
  static async create(options: LocalJobOptions): Promise<LocalJob> {
    const job = new LocalJob(options, options.time ?? new ManualTime(0));
    job.coordinatorRef = await createCoordinator({
      topology: options.topology,
      config: options.config ?? {},
      clock: job.time,
      timers: job.time,
      transport: {
        send: (m) =>
          void job.control.push(() => {
            job.trace({ kind: 'control', from: 'coordinator', to: m.taskId, text: describeMessage(m) });
            job.tasks.get(m.taskId)?.receive(m);
          }),
      },
      // Redeploying starts actors: never inside the coordinator's own step.
      onRestore: (r) => void job.control.push(() => job.redeploy(r.checkpoint, r.tasks)),
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    job.coordinator.onObservation(job.observe);
    for (const id of job.taskIds) job.deploy(id, 0, null);
    job.run();
    return job;
  }

  /** The coordinator. */
  get coordinator(): Coordinator {
    return this.coordinatorRef as Coordinator;
  }

  /** Every task id, vertex by vertex. */
  get taskIdList(): readonly TaskId[] {
    return this.taskIds;
  }

  private observe = (o: Observation): void => {
    this.monitor.observe(o);
  };

  private trace(entry: TraceEntry): void {
    this.options.onTrace?.(entry);
  }

  private deploy(taskId: TaskId, attempt: number, checkpoint: CompletedCheckpoint | null): void {
    this.attempts.set(taskId, attempt);
    const upstream = this.upstream.get(taskId) ?? [];
    this.channels.set(taskId, upstream.map((from) => ({ from, queue: [], blocked: false })));
    const snapshots = this.snapshots.get(taskId)!;
    const sink = this.sinks.get(taskId);
    const restore = checkpoint ? snapshots.restoreOf(checkpoint.checkpointId, checkpoint.taskStates.get(taskId) ?? null) : null;
    const task = createTask({
      task: { jobId: this.options.topology.jobId, taskId, attempt, inputChannels: upstream.length, twoPhaseCommitSink: sink !== undefined, restore },
      toCoordinator: {
        send: (m) =>
          void this.control.push(() => {
            this.trace({ kind: 'control', from: taskId, to: 'coordinator', text: describeMessage(m) });
            this.coordinator.receive(m);
          }),
      },
      downstream: {
        broadcast: (e) => {
          for (const [to, channel] of this.outputs.get(taskId)!) {
            if (this.attempts.get(to) !== undefined) this.channels.get(to)![channel]!.queue.push(e);
          }
        },
      },
      inputs: {
        block: (channel) => void (this.channels.get(taskId)![channel]!.blocked = true),
        unblock: (channel) => void (this.channels.get(taskId)![channel]!.blocked = false),
      },
      snapshots,
      ...(sink ? { sink } : {}),
      clock: this.time,
      timers: this.time,
      ...(this.options.inspect ? { inspect: this.options.inspect } : {}),
    });
    task.onObservation((o) => {
      this.observe(o);
      if (o.kind === 'committed') this.trace({ kind: 'commit', from: taskId, to: '', text: `committed checkpoint ${o.checkpointId}` });
    });
    this.tasks.set(taskId, task);
    task.start();
  }

  /** Redeploys `tasks` as new attempts restored from `checkpoint`: the coordinator's `onRestore`. */
  private redeploy(checkpoint: CompletedCheckpoint | null, tasks: readonly TaskId[]): void {
    this.restored.push(checkpoint ? checkpoint.checkpointId : -1);
    this.trace({ kind: 'job', from: 'coordinator', to: '', text: checkpoint ? `restore ${tasks.length} tasks from checkpoint ${checkpoint.checkpointId}` : `restart ${tasks.length} tasks from scratch` });
    for (const id of tasks) {
      this.tasks.get(id)?.stop();
      this.deploy(id, (this.attempts.get(id) ?? -1) + 1, checkpoint);
    }
  }

  /**
   * Delivers control messages (first) and data events (round-robin over unblocked channels)
   * until nothing moves.
   * @param maxSteps - a bound against livelock.
   * @returns the number of deliveries.
   */
  run(maxSteps = 1_000_000): number {
    const steps = this.deliver(maxSteps);
    if (steps === maxSteps && this.deliver(1) === 1) throw new Error(`the job did not settle within ${maxSteps} deliveries`);
    return steps;
  }

  /**
   * Delivers at most `count` messages or events (control first), e.g. to stop a checkpoint midway.
   * @param count - the most to deliver.
   * @returns how many were delivered (less than `count` when the job went quiet).
   */
  deliver(count: number): number {
    const all = this.taskIds;
    for (let steps = 0; steps < count; steps++) {
      const next = this.control.shift();
      if (next) {
        next();
        continue;
      }
      let delivered = false;
      for (let k = 0; k < all.length && !delivered; k++) {
        const taskId = all[(this.cursor + k) % all.length] as TaskId;
        const channels = this.channels.get(taskId) ?? [];
        for (let ch = 0; ch < channels.length; ch++) {
          const channel = channels[ch] as Channel;
          if (channel.blocked || channel.queue.length === 0) continue;
          const event = channel.queue.shift() as StreamEvent;
          this.trace({ kind: 'data', from: channel.from, to: taskId, text: `${describeEvent(event)} on input ${ch}` });
          this.tasks.get(taskId)?.receiveStream(ch, event);
          delivered = true;
          this.cursor = (this.cursor + k + 1) % all.length;
          break;
        }
      }
      if (!delivered) return steps;
    }
    return count;
  }

  /** Triggers a checkpoint, runs until quiet, and returns its outcome. */
  async checkpoint(): Promise<CheckpointOutcome> {
    const outcome = this.coordinator.triggerCheckpoint();
    this.run();
    return outcome;
  }

  /**
   * Fails one task and fails the job over: pending checkpoints abort, every task is redeployed
   * as a new attempt restored from the latest completed checkpoint.
   * @param taskId - the task that fails.
   */
  failover(taskId: TaskId): void {
    this.trace({ kind: 'job', from: taskId, to: '', text: 'task failed' });
    this.tasks.get(taskId)?.fail('injected failure');
    this.run();
    this.coordinator.abortPending('JOB_FAILOVER_REGION');
    this.coordinator.restore('global');
    this.run();
  }

  /** Every sink's committed transactions' checkpoint ids, by sink task. */
  committedCheckpoints(): Map<TaskId, number[]> {
    return new Map([...this.sinks].map(([id, sink]) => [id, sink.committed.map((c) => c.checkpointId)]));
  }

  /** Shuts the coordinator down and stops every task. */
  stop(): void {
    this.coordinator.shutdown();
    for (const task of this.tasks.values()) task.stop();
  }
}
