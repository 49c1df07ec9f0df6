/**
 * The running job: one coordinator (`createCoordinator`) and one {@link TaskRunner} per task,
 * joined by FIFO data channels and by a {@link ControlTransport} for control messages. The run
 * drives it in rounds: deliver control messages, then let sources read and tasks consume.
 *
 * Failures recover as Flink's global failover does: pending checkpoints abort, and every task is
 * redeployed as a new attempt restored from the latest completed checkpoint (channels start empty;
 * sources replay from their restored offsets; sinks recover-and-commit). A killed coordinator
 * sends nothing more; a new one opens the durable store again and restores the job the same way.
 * @packageDocumentation
 */
import type { InspectionEvent } from 'xstate';
import { join } from 'node:path';
import type { CheckpointId, CheckpointingConfig, JobTopology, Observation, TaskId, TaskToCoordinatorMessage } from '../spec/index.js';
import type { ProtocolMonitor } from '../spec/index.js';
import type { CompletedCheckpoint } from '../machines/index.js';
import { createCoordinator } from '../runtime/coordinator/create-coordinator.js';
import type { Coordinator } from '../runtime/coordinator/create-coordinator.js';
import type { ControlEndpoints, ControlTransport } from './control-transport.js';
import type { CoordinatorStorage } from './coordinator-storage.js';
import { DataChannel } from './data-channel.js';
import { FileSink } from './file-sink.js';
import type { InputLog } from './input-log.js';
import type { JobTime } from './job-time.js';
import { prefixedTimers } from './job-time.js';
import { wiringOf } from '../runtime/harness/local-job.js';
import type { Wiring } from '../runtime/harness/local-job.js';
import { roleOf } from './pipeline.js';
import type { TaskStateStore } from './task-state-store.js';
import type { JobRecord } from './task-runner.js';
import { TaskRunner } from './task-runner.js';

/** What the engine is built from. */
export interface EngineOptions {
  /** The job's topology (see `pipelineTopology`). */
  readonly topology: JobTopology;
  /** Tasks per vertex. */
  readonly parallelism: number;
  /** Checkpointing options of the coordinator. */
  readonly config: Partial<CheckpointingConfig>;
  /** The input. */
  readonly log: InputLog;
  /** Sink output goes under `<dir>/sink/<task>`. */
  readonly dir: string;
  /** Time. */
  readonly time: JobTime;
  /** The control link. */
  readonly transport: ControlTransport;
  /** The coordinator's store and counter. */
  readonly storage: CoordinatorStorage;
  /** Task snapshots. */
  readonly states: TaskStateStore;
  /** Whether sinks fsync and snapshots are written asynchronously. */
  readonly fsync: boolean;
  /** Back-pressure bound of a data channel, in items. */
  readonly capacity: number;
  /** Watches every observation. */
  readonly monitor: ProtocolMonitor;
  /** Uniform numbers in [0, 1) for the coordinators' first periodic delay (seeded). */
  readonly random: () => number;
  /** Called with each coordinator (the first, and each one after a coordinator kill). */
  readonly onCoordinator: (coordinator: Coordinator) => void;
  /** An XState inspection observer for the coordinator and every task attempt (`run --inspect`). */
  readonly inspect?: (event: InspectionEvent) => void;
}

/** A running job. Create it with {@link JobEngine.start}. */
export class JobEngine {
  /** The current attempt of every task. */
  readonly runners = new Map<TaskId, TaskRunner>();
  /** Recoveries so far (task kills, job failures, coordinator kills). */
  recoveries = 0;
  private readonly wiring: Wiring;
  private readonly sinks = new Map<TaskId, FileSink>();
  private readonly sources: TaskRunner[] = [];
  private readonly others: TaskRunner[] = [];
  private readonly sinkCommitted = new Map<TaskId, CheckpointId>();
  private readonly atEnd = new Map<CheckpointId, Set<TaskId>>();
  private readonly covering = new Set<CheckpointId>();
  private coordinatorRef: Coordinator | null = null;
  private storage: CoordinatorStorage;
  private incarnation = 0;
  private attempt = -1;
  private restoreRequest: CompletedCheckpoint | null | undefined = undefined;
  private jobFailed = false;
  private finalRequested = false;
  private finalRetryAt = 0;
  private firstCovering: CheckpointId | null = null;
  private readonly endpoints: ControlEndpoints;
  private acks: TaskToCoordinatorMessage[] = [];
  private readonly sourceCount: number;

  private constructor(private readonly o: EngineOptions) {
    this.wiring = wiringOf(o.topology);
    this.storage = o.storage;
    this.sourceCount = this.wiring.taskIds.filter((id) => roleOf(id, o.parallelism).kind === 'source').length;
    for (const id of this.wiring.taskIds) {
      if (roleOf(id, o.parallelism).kind === 'sink') this.sinks.set(id, new FileSink(join(o.dir, 'sink', id.replace('#', '-')), o.fsync));
    }
    this.endpoints = {
      toTask: (m) => void this.runners.get(m.taskId)?.task.receive(m),
      // Acknowledgements that arrive together reach the coordinator as one batch (one step of its
      // machine, equivalent to one by one); anything else first hands over the acknowledgements
      // before it, so the coordinator sees every message in arrival order.
      toCoordinator: (m) => {
        if (m.type === 'acknowledgeCheckpoint') this.acks.push(m);
        else {
          this.flushAcks();
          this.coordinator.receive(m);
        }
      },
    };
  }

  /**
   * Creates the coordinator, deploys every task (attempt 0) and starts periodic checkpoints.
   * @param options - the job.
   */
  static async start(options: EngineOptions): Promise<JobEngine> {
    const engine = new JobEngine(options);
    await engine.newCoordinator();
    engine.deploy(null);
    if (options.config.interval !== null && options.config.interval !== undefined) engine.coordinator.startScheduler();
    return engine;
  }

  /** The current coordinator. */
  get coordinator(): Coordinator {
    return this.coordinatorRef as Coordinator;
  }

  /** Every task id. */
  get taskIds(): readonly TaskId[] {
    return this.wiring.taskIds;
  }

  private async newCoordinator(): Promise<void> {
    const incarnation = ++this.incarnation;
    const alive = () => this.incarnation === incarnation;
    const c = await createCoordinator({
      topology: this.o.topology,
      config: this.o.config,
      transport: { send: (message) => void (alive() && this.o.transport.send({ to: 'task', message })) },
      store: this.storage.store,
      counter: this.storage.counter,
      leaderEpoch: this.storage.epoch,
      clock: this.o.time,
      random: this.o.random,
      timers: prefixedTimers(this.o.time, `coordinator-${incarnation}/`),
      discardState: (handles) => void (alive() && this.o.states.discard(handles)),
      onRestore: (r) => void (alive() && (this.restoreRequest = r.checkpoint)),
      onJobFailure: () => void (alive() && (this.jobFailed = true)),
      ...(this.o.inspect ? { inspect: this.o.inspect } : {}),
    });
    c.onObservation((o) => alive() && this.o.monitor.observe(o));
    c.onCommand((command) => {
      if (alive() && command.kind === 'checkpointCompleted' && this.covering.has(command.checkpointId)) {
        this.firstCovering = Math.min(this.firstCovering ?? Infinity, command.checkpointId);
      }
    });
    this.coordinatorRef = c;
    this.o.onCoordinator(c);
  }

  /** Builds fresh channels and starts a new attempt of every task, restored from `checkpoint`. */
  private deploy(checkpoint: CompletedCheckpoint | null): void {
    this.attempt++;
    const inputs = new Map<TaskId, Array<DataChannel<JobRecord>>>();
    const outputs = new Map<TaskId, Array<DataChannel<JobRecord>>>(this.wiring.taskIds.map((id) => [id, []]));
    for (const id of this.wiring.taskIds) inputs.set(id, (this.wiring.upstream.get(id) ?? []).map((from) => new DataChannel<JobRecord>(from)));
    for (const [from, targets] of this.wiring.outputs) {
      for (const [to, channel] of targets) outputs.get(from)?.push(inputs.get(to)?.[channel] as DataChannel<JobRecord>);
    }
    this.sources.length = 0;
    this.others.length = 0;
    for (const taskId of this.wiring.taskIds) {
      const role = roleOf(taskId, this.o.parallelism);
      const runner = new TaskRunner({
        jobId: this.o.topology.jobId,
        taskId,
        attempt: this.attempt,
        role,
        inputs: inputs.get(taskId) ?? [],
        outputs: outputs.get(taskId) ?? [],
        capacity: this.o.capacity,
        transport: this.o.transport,
        states: this.o.states,
        log: this.o.log,
        sink: this.sinks.get(taskId) ?? null,
        restore: checkpoint,
        time: this.o.time,
        asyncSnapshots: this.o.fsync,
        onSourceSnapshot: (id, exhausted) => this.sourceSnapshot(taskId, id, exhausted),
        onObservation: (o) => this.taskObservation(o),
        ...(this.o.inspect ? { inspect: this.o.inspect } : {}),
      });
      this.runners.set(taskId, runner);
      (role.kind === 'source' ? this.sources : this.others).push(runner);
    }
    for (const runner of this.runners.values()) runner.start();
  }

  private sourceSnapshot(taskId: TaskId, checkpointId: CheckpointId, exhausted: boolean): void {
    if (!exhausted) return;
    const at = this.atEnd.get(checkpointId) ?? new Set<TaskId>();
    at.add(taskId);
    this.atEnd.set(checkpointId, at);
    if (at.size === this.sourceCount) this.covering.add(checkpointId);
  }

  private taskObservation(o: Observation): void {
    this.o.monitor.observe(o);
    if (o.kind === 'committed') this.sinkCommitted.set(o.taskId, Math.max(this.sinkCommitted.get(o.taskId) ?? 0, o.checkpointId));
  }

  /**
   * Delivers up to `max` control messages, then carries out a restore the coordinator asked for
   * or a failover after a job failure.
   * @param max - the most to deliver.
   * @returns how many were delivered.
   */
  deliverControl(max: number): number {
    const n = this.o.transport.deliver(this.endpoints, max);
    this.flushAcks();
    if (this.jobFailed) {
      this.jobFailed = false;
      this.failover();
    }
    this.applyRestore();
    return n;
  }

  /** Hands the acknowledgements delivered so far to the coordinator, in one batch. */
  private flushAcks(): void {
    if (this.acks.length === 0) return;
    const acks = this.acks;
    this.acks = [];
    if (acks.length === 1) this.coordinator.receive(acks[0]);
    else this.coordinator.receiveBatch(acks);
  }

  private applyRestore(): void {
    if (this.restoreRequest === undefined) return;
    const checkpoint = this.restoreRequest;
    this.restoreRequest = undefined;
    for (const runner of this.runners.values()) runner.stop();
    this.recoveries++;
    this.deploy(checkpoint);
  }

  /** Aborts pending checkpoints and restores every task from the latest completed checkpoint. */
  private failover(): void {
    this.coordinator.abortPending('JOB_FAILOVER_REGION');
    this.coordinator.restore('global');
    this.applyRestore();
  }

  /**
   * Sources read up to `sourceBatch` records each; then every other task consumes, until nothing
   * moves or `budget` items were handled.
   * @param sourceBatch - records per source.
   * @param budget - the most items to consume.
   * @returns items read and consumed.
   */
  flow(sourceBatch: number, budget: number): number {
    let work = 0;
    for (const s of this.sources) work += s.produce(sourceBatch);
    let moved = 1;
    let consumed = 0;
    // Each task gets its share per pass, so downstream tasks are never starved by upstream ones.
    const share = Math.max(1, Math.ceil(budget / Math.max(1, this.others.length)));
    while (moved > 0 && consumed < budget) {
      moved = 0;
      for (const t of this.others) moved += t.consume(share);
      consumed += moved;
    }
    return work + consumed;
  }

  /**
   * Kills a task: it fails, and the job fails over.
   * @param taskId - the task.
   */
  killTask(taskId: TaskId): void {
    this.runners.get(taskId)?.task.fail('killed by fault injection');
    this.failover();
  }

  /**
   * Kills the coordinator: it sends nothing more; a new one opens the store again, restores
   * every task from the latest completed checkpoint and resumes periodic checkpoints.
   */
  async killCoordinator(): Promise<void> {
    const old = this.coordinator;
    this.incarnation++;
    old.shutdown();
    this.o.monitor.observe({ kind: 'coordinatorRestarted' });
    this.storage = await this.storage.reopen();
    await this.newCoordinator();
    this.coordinator.restore('global');
    this.applyRestore();
    if (this.o.config.interval !== null && this.o.config.interval !== undefined) this.coordinator.startScheduler();
  }

  /** Records read by the sources (replays included), over the input's size. */
  progress(): number {
    let read = 0;
    for (const s of this.sources) read += s.position;
    return read / this.o.log.size;
  }

  /** Whether every source read its partition to the end. */
  get exhausted(): boolean {
    return this.sources.every((s) => s.exhausted);
  }

  /** Whether every source read its partition to the end and every channel is empty. */
  get drained(): boolean {
    if (!this.exhausted) return false;
    for (const r of this.runners.values()) if (!r.idle) return false;
    return true;
  }

  /**
   * Whether the job is done: a checkpoint taken after every source reached its end completed,
   * and every sink committed up to it.
   */
  get finished(): boolean {
    const f = this.firstCovering;
    if (f === null) return false;
    for (const id of this.sinks.keys()) if ((this.sinkCommitted.get(id) ?? 0) < f) return false;
    return true;
  }

  /**
   * Once the input is read, asks for checkpoints one at a time until the job is finished; after
   * one that did not complete (tasks still deploying, a lost message), waits `retryMs` first.
   * @param retryMs - the pause after a request that did not complete.
   */
  requestFinalCheckpoint(retryMs: number): void {
    if (this.finalRequested || this.o.time.now() < this.finalRetryAt || !this.exhausted || this.finished) return;
    this.finalRequested = true;
    void this.coordinator.triggerCheckpoint().then((outcome) => {
      this.finalRequested = false;
      if (outcome.status !== 'completed') this.finalRetryAt = this.o.time.now() + retryMs;
    });
  }

  /** The checkpoint pending with some but not all acknowledgements, or null. */
  interruptedCheckpoint(): number | null {
    return this.coordinator.state().pending.find((p) => p.acknowledged > 0 && p.acknowledged < p.required)?.checkpointId ?? null;
  }

  /** Whether the coordinator is writing a completed checkpoint to its store. */
  storing(): boolean {
    return this.coordinator.state().pending.some((p) => p.stage === 'finalizing');
  }

  /** Stream events the tasks rejected (none on a correct run). */
  rejections(): number {
    let n = 0;
    for (const r of this.runners.values()) n += r.rejections;
    return n;
  }

  /** Bytes of task snapshots written so far, before compression. */
  stateBytesWritten(): number {
    return this.o.states.bytesWritten;
  }

  /** Bytes stored for the task snapshots so far, after compression. */
  stateBytesStored(): number {
    return this.o.states.bytesStored;
  }

  /** Stops every task and the coordinator, and closes the store. */
  async stop(): Promise<void> {
    for (const runner of this.runners.values()) runner.task.stop();
    this.coordinator.shutdown();
    await this.storage.close();
  }
}
