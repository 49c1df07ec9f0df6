/**
 * Drives a real `createCoordinator` runtime with scripted ports along a model path: each machine
 * event becomes the runtime call, or the port answer, that makes the runtime's actor process
 * exactly that event.
 *
 * | machine event | runtime |
 * | --- | --- |
 * | task messages | `receive` / `receiveBatch` |
 * | `request.*`, `scheduler.*`, `restore`, `abortPending`, `shutdown` | the API call of the same name |
 * | `clock.tick` forward | set the clock, then a message from another job (rejected, no change): the runtime ticks before delivering it |
 * | `timer.fired` | fire the armed timer |
 * | `counter.*`, `hook.*`, `finalize.*`, `trigger.failed` | answer the port call waiting for it |
 * | anything else (no port waits for it, a clock going back) | sent to the runtime's actor (`direct`) |
 * @packageDocumentation
 */
import type { AnyMachineSnapshot, EventObject, InspectionEvent } from 'xstate';
import type { StateHandle } from '../../../spec/index.js';
import type { CompletedCheckpoint, CoordinatorEvent } from '../../../machines/coordinator/index.js';
import type { Coordinator } from '../../../runtime/coordinator/create-coordinator.js';
import { createCoordinator } from '../../../runtime/coordinator/create-coordinator.js';
import type { CoordinatorModelConfig } from './coordinator-model.js';
import { HOOK, NUDGE, OTHER_JOB, runningTasks, T0 } from './coordinator-model.js';
import { transitionKey } from './coverage.js';
import type { Processed, Route, RuntimeDriver } from './lockstep.js';
import { coordinatorTimerName } from '../../../machines/coordinator/index.js';
import { Deferreds, ioError, ScriptedClock, ScriptedTimers, settle } from './scripted-ports.js';

const timerName = (e: Extract<CoordinatorEvent, { type: 'timer.fired' }>) => coordinatorTimerName(e.timer);

/** A coordinator runtime with scripted ports, driven by machine events. */
export class CoordinatorDriver implements RuntimeDriver<CoordinatorEvent> {
  /** Transition keys the runtime's actor took. */
  readonly transitions = new Set<string>();
  private readonly processed: Processed[] = [];
  private readonly requestIds = new Map<string, string>();
  private nextRequest = 1;
  private random = 0;
  private coordinatorRef: Coordinator | null = null;
  private initial: AnyMachineSnapshot | null = null;
  private readonly clock = new ScriptedClock(T0);
  private readonly timers = new ScriptedTimers();
  private readonly ids = new Deferreds<number>();
  private readonly hook = new Deferreds<StateHandle | null>();
  private readonly finalize = new Deferreds<void>();
  private readonly sends = new Deferreds<void>();
  private readonly allocations: number[] = [];

  private constructor() {}

  /**
   * Starts a coordinator for `model`.
   * @param model - the model.
   */
  static async start(model: CoordinatorModelConfig): Promise<CoordinatorDriver> {
    const d = new CoordinatorDriver();
    const c = await createCoordinator({
      topology: model.topology,
      config: model.options,
      transport: { send: (m) => (m.type === 'triggerCheckpoint' ? d.sends.wait(`${m.checkpointId}/${m.taskId}`) : undefined) },
      store: { load: () => [], add: (checkpoint: CompletedCheckpoint) => d.finalize.wait(String(checkpoint.checkpointId)) },
      writeSavepoint: (checkpoint) => d.finalize.wait(String(checkpoint.checkpointId)),
      counter: { getAndIncrement: () => d.ids.wait(String(d.allocations.shift())) },
      clock: d.clock,
      timers: d.timers,
      random: () => d.random,
      ...(model.hooks ? { hooks: { [HOOK]: { trigger: (checkpointId: number) => d.hook.wait(String(checkpointId)) } } } : {}),
      ...(model.running ? { tasks: runningTasks(model) } : {}),
      inspect: (e: InspectionEvent) => d.inspect(e),
    });
    c.onCommand((command) => {
      if (command.kind === 'allocateId') d.allocations.push(command.seq);
    });
    d.coordinatorRef = c;
    return d;
  }

  private inspect(e: InspectionEvent): void {
    if (e.type === '@xstate.snapshot') {
      const snapshot = e.snapshot as AnyMachineSnapshot;
      this.initial ??= snapshot;
      this.processed.push({ event: e.event, snapshot });
    }
    if (e.type === '@xstate.microstep') for (const t of e._transitions) this.transitions.add(transitionKey(t));
  }

  private get c(): Coordinator {
    return this.coordinatorRef as Coordinator;
  }

  /** {@inheritDoc RuntimeDriver.initialSnapshot} */
  initialSnapshot(): AnyMachineSnapshot {
    return this.initial as AnyMachineSnapshot;
  }

  /** {@inheritDoc RuntimeDriver.deliver} */
  async deliver(e: CoordinatorEvent): Promise<Route> {
    const route = this.route(e);
    await settle();
    return route;
  }

  private direct(e: CoordinatorEvent): Route {
    this.c.actor.send(e);
    return 'direct';
  }

  private route(e: CoordinatorEvent): Route {
    const c = this.c;
    switch (e.type) {
      case 'clock.tick':
        if (e.now <= this.clock.current) return this.direct(e);
        this.clock.current = e.now;
        c.receive(NUDGE);
        return 'api';
      case 'acknowledgeCheckpoint':
      case 'declineCheckpoint':
      case 'reportCheckpointMetrics':
      case 'taskStateChanged':
      case 'heartbeat':
        c.receive(e);
        return 'api';
      case 'acknowledgeBatch':
        c.receiveBatch(e.acks);
        return 'api';
      case 'request.checkpoint':
        this.requestIds.set(`request-${this.nextRequest++}`, e.requestId);
        void c.triggerCheckpoint(e.checkpointType);
        return 'api';
      case 'request.savepoint':
        this.requestIds.set(`request-${this.nextRequest++}`, e.requestId);
        void c.triggerSavepoint(e.syncMode);
        return 'api';
      case 'scheduler.start':
        this.random = e.random;
        c.startScheduler();
        return 'api';
      case 'scheduler.stop':
        c.stopScheduler();
        return 'api';
      case 'restore':
        c.restore(e.scope, e.tasks);
        return 'api';
      case 'abortPending':
        c.abortPending(e.reason);
        return 'api';
      case 'shutdown':
        c.shutdown();
        return 'api';
      case 'timer.fired':
        if (!this.timers.isArmed(timerName(e))) return this.direct(e);
        this.timers.fire(timerName(e));
        return 'port';
      case 'counter.allocated':
        if (!this.ids.has(String(e.seq))) return this.direct(e);
        this.ids.resolve(String(e.seq), e.checkpointId);
        return 'port';
      case 'counter.failed':
        if (!this.ids.has(String(e.seq))) return this.direct(e);
        this.ids.reject(String(e.seq), e.reason === 'IO_EXCEPTION' ? ioError() : new Error('counter failed'));
        return 'port';
      case 'hook.acknowledged':
        if (e.hook !== HOOK || !this.hook.has(String(e.checkpointId))) return this.direct(e);
        this.hook.resolve(String(e.checkpointId), e.state);
        return 'port';
      case 'hook.failed':
        if (e.hook !== HOOK || !this.hook.has(String(e.checkpointId))) return this.direct(e);
        this.hook.reject(String(e.checkpointId), new Error('hook failed'));
        return 'port';
      case 'trigger.failed':
        if (!this.sends.has(`${e.checkpointId}/${e.taskId}`)) return this.direct(e);
        this.sends.reject(`${e.checkpointId}/${e.taskId}`, new Error('task gone'));
        return 'port';
      case 'finalize.succeeded':
        if (!this.finalize.has(String(e.checkpointId))) return this.direct(e);
        this.finalize.resolve(String(e.checkpointId), undefined);
        return 'port';
      case 'finalize.failed':
        if (!this.finalize.has(String(e.checkpointId))) return this.direct(e);
        this.finalize.reject(String(e.checkpointId), new Error('store failed'));
        return 'port';
    }
  }

  /** {@inheritDoc RuntimeDriver.isSynchronousReply} */
  isSynchronousReply(): boolean {
    // Every port of this driver answers asynchronously, when the path says so.
    return false;
  }

  /** {@inheritDoc RuntimeDriver.drain} */
  drain(): Processed[] {
    return this.processed.splice(0);
  }

  /** {@inheritDoc RuntimeDriver.isNoOp} */
  isNoOp(event: EventObject): boolean {
    return event.type === 'acknowledgeCheckpoint' && (event as { jobId?: string }).jobId === OTHER_JOB;
  }

  /** {@inheritDoc RuntimeDriver.normalize} */
  normalize(text: string): string {
    return text.replace(/"request-(\d+)"/g, (m, n: string) => {
      const id = this.requestIds.get(`request-${n}`);
      return id === undefined ? m : JSON.stringify(id);
    });
  }

  /** {@inheritDoc RuntimeDriver.stop} */
  stop(): void {
    this.c.shutdown();
  }
}
