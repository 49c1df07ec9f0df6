/**
 * Steps the pure coordinator machine with xstate's `transition()`, collecting its commands and
 * feeding a {@link ProtocolMonitor}. Optionally answers the ports the way synchronous ports of the
 * runtime do: replies are queued and delivered after the step, in command order.
 * @packageDocumentation
 */
import { commandsOf } from '../../machines/effects.js';
import { initialTransition, transition } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import type { CheckpointingConfig, JobTopology, TaskId } from '../../spec/index.js';
import { ProtocolMonitor, resolveConfig, taskIdsOf } from '../../spec/index.js';
import { coordinatorMachine, observationsOf } from '../../machines/coordinator/index.js';
import type { CompletedCheckpoint, CoordinatorCommand, CoordinatorEvent, TaskRecord } from '../../machines/coordinator/index.js';
import { SIMPLE_JOB, watchMonitor } from './coordinator-fixture.js';

/** The machine's snapshot type. */
export type CoordinatorSnapshot = SnapshotFrom<typeof coordinatorMachine>;

/** What a harness starts from. */
export interface MachineHarnessOptions {
  /** The job (default the simple job). */
  readonly topology?: JobTopology;
  /** Checkpointing options. */
  readonly config?: Partial<CheckpointingConfig>;
  /** Store contents. */
  readonly completed?: readonly CompletedCheckpoint[];
  /** Initial clock. */
  readonly now?: number;
  /** Report every task running at attempt 0 (default true). */
  readonly running?: boolean;
  /** Answer allocateId / storeCheckpoint / finalizeSavepoint / continueBatch like synchronous ports (default true). */
  readonly autoReply?: boolean;
  /** The first id the simulated counter hands out (default 1). */
  readonly firstId?: number;
}

/** The pure machine with a command log and a monitor. */
export class MachineHarness {
  /** The current snapshot. */
  snapshot: CoordinatorSnapshot;
  /** Every command emitted, in order. */
  readonly commands: CoordinatorCommand[] = [];
  /** The monitor. */
  readonly monitor: ProtocolMonitor = watchMonitor(new ProtocolMonitor());
  /** The job's task ids. */
  readonly taskIds: readonly TaskId[];
  /** The job id. */
  readonly jobId: string;
  private readonly config: CheckpointingConfig;
  private readonly autoReply: boolean;
  private nextId: number;

  /** @param options - see {@link MachineHarnessOptions}. */
  constructor(options: MachineHarnessOptions = {}) {
    const topology = options.topology ?? SIMPLE_JOB;
    this.config = resolveConfig(options.config ?? {});
    this.autoReply = options.autoReply ?? true;
    this.nextId = options.firstId ?? 1;
    this.taskIds = taskIdsOf(topology);
    this.jobId = topology.jobId;
    const [snapshot, actions] = initialTransition(coordinatorMachine, {
      topology,
      config: this.config,
      now: options.now ?? 0,
      ...(options.completed ? { completed: options.completed } : {}),
    });
    this.snapshot = snapshot;
    this.record(commandsOf<CoordinatorCommand>(actions));
    if (options.running ?? true) {
      for (const taskId of this.taskIds) this.send({ type: 'taskStateChanged', jobId: this.jobId, taskId, attempt: 0, state: 'running' });
    }
  }

  /** The context. */
  get context(): CoordinatorSnapshot['context'] {
    return this.snapshot.context;
  }

  /** A task's record. */
  task(taskId: TaskId): TaskRecord | undefined {
    return this.snapshot.context.tasks.get(taskId);
  }

  private record(commands: CoordinatorCommand[]): void {
    for (const c of commands) {
      this.commands.push(c);
      for (const o of observationsOf(c, this.config)) this.monitor.observe(o);
    }
  }

  /**
   * Delivers one event (and, with auto-replies, every port reply it causes).
   * @param event - the event.
   * @returns the commands of this event and of the replies, in order.
   */
  send(event: CoordinatorEvent): CoordinatorCommand[] {
    const queue: CoordinatorEvent[] = [event];
    const produced: CoordinatorCommand[] = [];
    const continuations: CoordinatorEvent[] = [];
    while (queue.length > 0 || continuations.length > 0) {
      const next = (queue.shift() ?? continuations.shift()) as CoordinatorEvent;
      const [snapshot, actions] = transition(coordinatorMachine, this.snapshot, next);
      this.snapshot = snapshot;
      const commands = commandsOf<CoordinatorCommand>(actions);
      this.record(commands);
      produced.push(...commands);
      if (!this.autoReply) continue;
      for (const c of commands) {
        switch (c.kind) {
          case 'allocateId': {
            const checkpointId = this.nextId++;
            this.monitor.observe({ kind: 'idAllocated', checkpointId });
            queue.push({ type: 'counter.allocated', seq: c.seq, checkpointId });
            break;
          }
          case 'storeCheckpoint':
            this.monitor.observe({ kind: 'stored', checkpointId: c.checkpoint.checkpointId });
            queue.push({ type: 'finalize.succeeded', checkpointId: c.checkpoint.checkpointId });
            break;
          case 'finalizeSavepoint':
            queue.push({ type: 'finalize.succeeded', checkpointId: c.checkpoint.checkpointId });
            break;
          case 'continueBatch':
            continuations.push({ type: 'acknowledgeBatch', acks: c.acks });
            break;
          default:
            break;
        }
      }
    }
    return produced;
  }

  /**
   * Observes an acknowledgement delivery (what the runtime does) and delivers it.
   * @param event - the acknowledgement.
   */
  ack(event: Extract<CoordinatorEvent, { type: 'acknowledgeCheckpoint' }>): CoordinatorCommand[] {
    if (event.jobId === this.jobId) this.monitor.observe({ kind: 'ackDelivered', checkpointId: event.checkpointId, taskId: event.taskId, attempt: event.attempt });
    return this.send(event);
  }

  /**
   * Observes the deliveries and delivers acknowledgements as one batch.
   * @param acks - the acknowledgements.
   */
  ackBatch(acks: Extract<CoordinatorEvent, { type: 'acknowledgeCheckpoint' }>[]): CoordinatorCommand[] {
    for (const a of acks) if (a.jobId === this.jobId) this.monitor.observe({ kind: 'ackDelivered', checkpointId: a.checkpointId, taskId: a.taskId, attempt: a.attempt });
    return this.send({ type: 'acknowledgeBatch', acks });
  }
}
