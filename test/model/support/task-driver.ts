/**
 * Drives a real `createTask` runtime with scripted ports along a model path: each machine event
 * becomes the runtime call, or the port answer, that makes the runtime's actor process exactly
 * that event. The clock is set to the event's `now` first (the runtime stamps events with it).
 *
 * | machine event | runtime |
 * | --- | --- |
 * | coordinator messages | `receive` |
 * | `stream.*` | `receiveStream` / `receiveStreamBatch` |
 * | `task.start`, `task.endOfInput`, `task.fail`, `task.cancel` | `start`, `endOfInput`, `fail`, `cancel` |
 * | `task.initialized` | the restore port's promise resolves |
 * | `snapshot.syncFailed` | right after the event that started the snapshot: the runtime reports it itself, in the same call (the port throws); later: `direct` |
 * | `snapshot.asyncCompleted` / `asyncFailed` | the asynchronous part's promise settles |
 * | `timer.fired` | the armed timer fires |
 * | anything the API and ports cannot produce (malformed events, stale answers, input before the attempt started) | sent to the runtime's actor (`direct`) |
 * @packageDocumentation
 */
import type { AnyMachineSnapshot, EventObject, InspectionEvent } from 'xstate';
import type { StateHandle } from '../../../spec/index.js';
import type { TaskEvent } from '../../../machines/task/index.js';
import type { Task } from '../../../runtime/task/create-task.js';
import { createTask } from '../../../runtime/task/create-task.js';
import type { AsyncSnapshotPart } from '../../../runtime/task/ports.js';
import { transitionKey } from './coverage.js';
import type { Processed, Route, RuntimeDriver } from './lockstep.js';
import { Deferreds, ScriptedClock, ScriptedTimers, settle } from './scripted-ports.js';
import type { TaskModelConfig } from './task-model.js';
import { NOW, SYNC_FAILURE } from './task-model.js';

const isTime = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** A task runtime with scripted ports, driven by machine events. */
export class TaskDriver implements RuntimeDriver<TaskEvent> {
  /** Transition keys the runtime's actor took. */
  readonly transitions = new Set<string>();
  private readonly processed: Processed[] = [];
  private readonly clock = new ScriptedClock(NOW);
  private readonly timers = new ScriptedTimers();
  private readonly restore = new Deferreds<void>();
  private readonly async = new Deferreds<StateHandle | null>();
  /** The checkpoint whose synchronous part the port fails next (-1: none). */
  private failSyncOf = -1;
  private readonly task: Task;
  private readonly initial: AnyMachineSnapshot;
  private readonly prefix: string;
  /** Whether the attempt was started through `start()` (else the API refuses every input). */
  private started = false;
  /** Whether the actor was started without `start()`, to deliver input to a deploying attempt. */
  private raw = false;

  /** @param model - the model. */
  constructor(model: TaskModelConfig) {
    const input = model.input;
    this.prefix = `task/${input.taskId}/${input.attempt}/`;
    this.task = createTask({
      task: input,
      toCoordinator: { send: () => {} },
      downstream: { broadcast: () => {} },
      inputs: { block: () => {}, unblock: () => {} },
      snapshots: {
        restore: () => this.restore.wait('restore'),
        sync: (request): AsyncSnapshotPart => {
          if (request.checkpointId === this.failSyncOf) {
            this.failSyncOf = -1;
            throw new Error(SYNC_FAILURE);
          }
          return () => this.async.wait(String(request.checkpointId));
        },
      },
      ...(input.twoPhaseCommitSink
        ? { sink: { beginTransaction() {}, preCommit() {}, commit() {}, abort() {}, recoverAndCommit() {}, recoverAndAbort() {} } }
        : {}),
      clock: this.clock,
      timers: this.timers,
      inspect: (e: InspectionEvent) => this.inspect(e),
    });
    this.initial = this.task.actor.getSnapshot() as AnyMachineSnapshot;
  }

  private inspect(e: InspectionEvent): void {
    if (e.type === '@xstate.snapshot') this.processed.push({ event: e.event, snapshot: e.snapshot as AnyMachineSnapshot });
    if (e.type === '@xstate.microstep') for (const t of e._transitions) this.transitions.add(transitionKey(t));
  }

  /** {@inheritDoc RuntimeDriver.initialSnapshot} */
  initialSnapshot(): AnyMachineSnapshot {
    return this.initial;
  }

  /** {@inheritDoc RuntimeDriver.deliver} */
  async deliver(e: TaskEvent, following: readonly TaskEvent[]): Promise<Route> {
    const next = following[0];
    this.failSyncOf = next?.type === 'snapshot.syncFailed' ? next.checkpointId : -1;
    if (isTime(e.now)) this.clock.current = e.now;
    const route = this.route(e);
    await settle();
    // Unused (the event started no snapshot): the failure report then goes to the actor directly.
    this.failSyncOf = -1;
    return route;
  }

  private direct(e: TaskEvent): Route {
    if (!this.started && !this.raw) {
      // Input reaches a deploying attempt only once its actor runs; `start()` would also start it.
      this.raw = true;
      this.task.actor.start();
    }
    this.task.actor.send(e);
    return 'direct';
  }

  private route(e: TaskEvent): Route {
    const t = this.task;
    if (!isTime(e.now)) return this.direct(e);
    switch (e.type) {
      case 'task.initialized':
        if (!this.restore.has('restore')) return this.direct(e);
        this.restore.resolve('restore', undefined);
        return 'port';
      case 'snapshot.asyncCompleted':
        if (!this.async.has(String(e.checkpointId))) return this.direct(e);
        this.async.resolve(String(e.checkpointId), e.state);
        return 'port';
      case 'snapshot.asyncFailed':
        if (!this.async.has(String(e.checkpointId)) || typeof e.message !== 'string') return this.direct(e);
        this.async.reject(String(e.checkpointId), new Error(e.message));
        return 'port';
      case 'timer.fired':
        if (typeof e.timer !== 'string' || !this.timers.isArmed(this.prefix + e.timer)) return this.direct(e);
        this.timers.fire(this.prefix + e.timer);
        return 'port';
      case 'snapshot.syncFailed':
        // Answered by the runtime in the call that started the snapshot; here only stale ones.
        return this.direct(e);
      default:
        break;
    }
    // The API refuses everything before `start()`: input to a deploying attempt goes to its actor.
    if (!this.started && (this.raw || e.type !== 'task.start')) return this.direct(e);
    switch (e.type) {
      case 'task.start':
        this.started = true;
        t.start();
        return 'api';
      case 'task.endOfInput':
        t.endOfInput();
        return 'api';
      case 'task.fail':
        if (typeof e.message !== 'string') return this.direct(e);
        t.fail(e.message);
        return 'api';
      case 'task.cancel':
        t.cancel();
        return 'api';
      case 'triggerCheckpoint':
      case 'notifyCheckpointComplete':
      case 'notifyCheckpointAborted': {
        if (!this.started) return this.direct(e);
        const { now: _now, ...message } = e;
        t.receive(message);
        return 'api';
      }
      case 'stream.barrier':
      case 'stream.cancelMarker':
      case 'stream.endOfPartition':
      case 'stream.announcement': {
        if (!this.started) return this.direct(e);
        const event = e.type === 'stream.barrier' ? e.barrier : e.type === 'stream.cancelMarker' ? e.marker : e.type === 'stream.announcement' ? e.announcement : { type: 'endOfPartition' };
        t.receiveStream(e.channel, event);
        return 'api';
      }
      case 'stream.batch': {
        const channels = e.events.map((i) => i.channel);
        const n = t.config.inputChannels;
        // The runtime checks a batch before the machine sees it: one it rejects as a whole, or
        // splits, the machine can only get directly.
        if (!this.started || new Set(channels).size !== channels.length || channels.some((c) => c < 0 || c >= n) || e.events.length === 0) return this.direct(e);
        t.receiveStreamBatch(e.events);
        return 'api';
      }
      default:
        return this.direct(e);
    }
  }

  /** {@inheritDoc RuntimeDriver.isSynchronousReply} */
  isSynchronousReply(event: TaskEvent): boolean {
    return event.type === 'snapshot.syncFailed';
  }

  /** {@inheritDoc RuntimeDriver.drain} */
  drain(): Processed[] {
    return this.processed.splice(0);
  }

  /** {@inheritDoc RuntimeDriver.isNoOp} */
  isNoOp(_event: EventObject): boolean {
    return false;
  }

  /** {@inheritDoc RuntimeDriver.normalize} */
  normalize(text: string): string {
    return text;
  }

  /** {@inheritDoc RuntimeDriver.stop} */
  stop(): void {
    this.task.stop();
  }
}
