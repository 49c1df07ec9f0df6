/**
 * One attempt of one task: the task machine (`createTask`) wired to its operator, its input
 * channels and its output channels. Records go straight to the operator; stream events go to the
 * machine, whose `block`/`unblock` commands stop and resume an input channel, so a channel blocked
 * during alignment delivers nothing. Snapshots serialize the operator's state (and a sink's
 * transactions) in the synchronous part and write it in the asynchronous part.
 * @packageDocumentation
 */
import type { InspectionEvent } from 'xstate';
import type { CheckpointId, Observation, StateHandle, StreamEvent, TaskId } from '../spec/index.js';
import type { CompletedCheckpoint, SinkSnapshotState, TaskRestore } from '../machines/index.js';
import { createTask } from '../runtime/task/create-task.js';
import type { Task } from '../runtime/task/create-task.js';
import type { AsyncSnapshotPart, SnapshotRequest } from '../runtime/task/ports.js';
import type { ControlTransport } from './control-transport.js';
import type { DataChannel } from './data-channel.js';
import { isStreamEvent } from './data-channel.js';
import type { FileSink } from './file-sink.js';
import type { InputLog, InputRecord } from './input-log.js';
import type { JobTime } from './job-time.js';
import type { KeyedState, OutputRecord } from './keyed-operator.js';
import { KeyedBalance, outputLine } from './keyed-operator.js';
import type { TaskRole } from './pipeline.js';
import type { SourceState } from './source-reader.js';
import { SourceReader } from './source-reader.js';
import type { TaskStateStore } from './task-state-store.js';

/** What travels between tasks. */
export type JobRecord = InputRecord | OutputRecord;

/** A task's snapshot file. */
interface SnapshotContent {
  readonly operator: SourceState | KeyedState | null;
  readonly sink: SinkSnapshotState | null;
}

/** Everything one attempt needs. */
export interface TaskRunnerOptions {
  /** The job. */
  readonly jobId: string;
  /** The task. */
  readonly taskId: TaskId;
  /** The attempt. */
  readonly attempt: number;
  /** What it does. */
  readonly role: TaskRole;
  /** Its input channels, in upstream order. */
  readonly inputs: ReadonlyArray<DataChannel<JobRecord>>;
  /** The channels it sends into, in downstream subtask order. */
  readonly outputs: ReadonlyArray<DataChannel<JobRecord>>;
  /** A source stops reading while one of its outputs holds this many items (back-pressure). */
  readonly capacity: number;
  /** The control link. */
  readonly transport: ControlTransport;
  /** Snapshot files. */
  readonly states: TaskStateStore;
  /** The input log (sources). */
  readonly log: InputLog;
  /** The file sink (sinks). */
  readonly sink: FileSink | null;
  /** The checkpoint to restore, or null. */
  readonly restore: CompletedCheckpoint | null;
  /** Time. */
  readonly time: JobTime;
  /** Whether snapshots are written in the asynchronous part (with fsync) rather than at once. */
  readonly asyncSnapshots: boolean;
  /** A source snapshotted checkpoint `id`, at the end of its partition or not. */
  readonly onSourceSnapshot: (checkpointId: CheckpointId, exhausted: boolean) => void;
  /** The task's observations (commits). */
  readonly onObservation: (o: Observation) => void;
  /** An XState inspection observer for this attempt. */
  readonly inspect?: (event: InspectionEvent) => void;
  /** Milliseconds between heartbeats to the coordinator (default 0: none, as in one process). */
  readonly heartbeatInterval?: number;
}

/** Items taken from one channel before the next channel's turn. */
const CHUNK = 64;

/** One running task attempt. */
export class TaskRunner {
  /** The task machine. */
  readonly task: Task;
  /** Stream events the machine rejected (none on a correct run). */
  rejections = 0;
  private readonly reader: SourceReader | null;
  private readonly keyed: KeyedBalance | null;
  private cursor = 0;

  /**
   * Creates the attempt (restoring the operator's state); `start` runs it.
   * @param o - the attempt and its ports.
   */
  constructor(private readonly o: TaskRunnerOptions) {
    this.reader = o.role.kind === 'source' ? new SourceReader(o.log, o.role.side, o.role.partition) : null;
    this.keyed = o.role.kind === 'keyed' ? new KeyedBalance() : null;
    const restore = this.restored();
    this.task = createTask({
      task: { jobId: o.jobId, taskId: o.taskId, attempt: o.attempt, inputChannels: o.inputs.length, twoPhaseCommitSink: o.role.kind === 'sink', restore, heartbeatInterval: o.heartbeatInterval ?? 0 },
      toCoordinator: { send: (message) => o.transport.send({ to: 'coordinator', message }) },
      downstream: { broadcast: (event) => o.outputs.forEach((c) => c.push(event)) },
      inputs: { block: (ch) => void ((o.inputs[ch] as DataChannel<JobRecord>).blocked = true), unblock: (ch) => void ((o.inputs[ch] as DataChannel<JobRecord>).blocked = false) },
      snapshots: { sync: (request) => this.snapshot(request) },
      ...(o.sink ? { sink: o.sink } : {}),
      clock: o.time,
      timers: o.time,
      ...(o.inspect ? { inspect: o.inspect } : {}),
    });
    this.task.onObservation(o.onObservation);
  }

  /** The source's position in its partition (0 for other tasks). */
  get position(): number {
    return this.reader?.position ?? 0;
  }

  /** Whether this is a source at the end of its partition (false for other tasks). */
  get exhausted(): boolean {
    return this.reader?.exhausted ?? false;
  }

  /** Whether every input channel is empty. */
  get idle(): boolean {
    for (const c of this.o.inputs) if (c.size > 0) return false;
    return true;
  }

  /** Loads the restored checkpoint's state into the operator; returns the task's restore. */
  private restored(): TaskRestore | null {
    const checkpoint = this.o.restore;
    if (checkpoint === null) return null;
    const handle: StateHandle | null = checkpoint.taskStates.get(this.o.taskId) ?? null;
    const content = handle ? (JSON.parse(this.o.states.load(handle)) as SnapshotContent) : null;
    if (content?.operator) {
      if (this.reader) this.reader.restore(content.operator as SourceState);
      else this.keyed?.restore(content.operator as KeyedState);
    }
    return { checkpointId: checkpoint.checkpointId, state: handle, transactions: content?.sink ?? null };
  }

  /** The synchronous part: serialize the state now; write it now or in the asynchronous part. */
  private snapshot(request: SnapshotRequest): AsyncSnapshotPart | StateHandle {
    if (this.reader) this.o.onSourceSnapshot(request.checkpointId, this.reader.exhausted);
    const content: SnapshotContent = { operator: this.reader?.snapshot() ?? this.keyed?.snapshot() ?? null, sink: request.sinkState };
    const text = JSON.stringify(content);
    const save = () => this.o.states.save(this.o.taskId, this.o.attempt, request.checkpointId, text);
    if (!this.o.asyncSnapshots) return save() as StateHandle;
    const sink = this.o.sink;
    return sink ? async () => (await sink.sync(), save()) : save;
  }

  /** Deploys and starts the attempt. */
  start(): void {
    this.task.start();
  }

  /**
   * A source reads up to `max` records into its outputs, partitioned by account, while no output
   * is full.
   * @param max - the most to read.
   * @returns how many it read.
   */
  produce(max: number): number {
    const reader = this.reader;
    if (reader === null) return 0;
    const outputs = this.o.outputs;
    let n = 0;
    while (n < max && !this.full()) {
      const r = reader.next();
      if (r === null) break;
      (outputs[r.key % outputs.length] as DataChannel<JobRecord>).push(r);
      n++;
    }
    return n;
  }

  private full(): boolean {
    for (const c of this.o.outputs) if (c.size >= this.o.capacity) return true;
    return false;
  }

  /**
   * Takes up to `max` items from the input channels, round-robin, skipping blocked channels and
   * stopping while an output is full. A stream event ends its channel's turn; the events taken in
   * one call reach the machine together at the end (`receiveStreamBatch`: one step for a
   * checkpoint's barriers), and nothing behind an event is taken before the machine has it, so
   * alignment sees exactly what it would see event by event.
   * @param max - the most to take.
   * @returns how many it took.
   */
  consume(max: number): number {
    const inputs = this.o.inputs;
    let n = 0;
    let events: Array<{ channel: number; event: StreamEvent }> | null = null;
    channels: for (let k = 0; k < inputs.length && n < max; k++) {
      const ch = (this.cursor + k) % inputs.length;
      const channel = inputs[ch] as DataChannel<JobRecord>;
      for (let i = 0; i < CHUNK && n < max; i++) {
        // Back-pressure: an operator whose output is full takes nothing (barriers wait too).
        if (this.keyed !== null && this.full()) break channels;
        const item = channel.take();
        if (item === undefined) break;
        n++;
        if (isStreamEvent(item)) {
          (events ??= []).push({ channel: ch, event: item });
          break;
        }
        this.process(ch, item);
      }
    }
    if (events !== null) {
      const first = events[0] as { channel: number; event: StreamEvent };
      if (events.length === 1) this.rejections += this.task.receiveStream(first.channel, first.event).ok ? 0 : 1;
      else this.rejections += this.task.receiveStreamBatch(events).length;
    }
    this.cursor = inputs.length > 0 ? (this.cursor + 1) % inputs.length : 0;
    return n;
  }

  private process(channel: number, record: JobRecord): void {
    if (this.keyed) {
      const perInput = (this.o.role as { channelsPerInput: number }).channelsPerInput;
      const out = this.keyed.process(Math.floor(channel / perInput), record as InputRecord);
      const outputs = this.o.outputs;
      (outputs[out.key % outputs.length] as DataChannel<JobRecord>).push(out);
      return;
    }
    this.o.sink?.write(outputLine(record as OutputRecord));
  }

  /** Ends the attempt: cancels it (aborting a sink's open transaction) and stops its actor. */
  stop(): void {
    this.task.cancel();
    this.task.stop();
  }
}
