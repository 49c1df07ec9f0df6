/**
 * Wires the runtimes (`createCoordinator`, `createTask`) to the generated bindings of any
 * transport: every arrival is decoded and validated by the binding, dropped when its idempotency
 * key was seen ({@link DedupWindow}), and handed to the runtime. Bad input is reported as a typed
 * {@link Rejection}; malformed input and messages that cannot come from a legitimate peer (another
 * job, an unknown task) are also thrown back to the transport as a `RejectedInputError`, so a
 * transport that can answer its sender does. Protocol rejections that are normal under
 * at-least-once delivery (a late acknowledgement, a stale attempt) are reported only.
 * @packageDocumentation
 */
import type { CoordinatorControlBinding, TaskControlBinding, TaskDataBinding } from '../../generated/bindings/endpoints.gen.js';
import type { StreamEvent } from '../../generated/messages.gen.js';
import type { Rejection, RejectionCode } from '../../spec/errors.js';
import { RejectedInputError } from '../../spec/errors.js';
import type { Coordinator, ReceiveResult } from '../../runtime/coordinator/create-coordinator.js';
import type { Task } from '../../runtime/task/create-task.js';
import type { TaskInputs, TaskOutputs } from '../../runtime/task/ports.js';
import type { Unsubscribe } from '../runtime/contract.js';
import { DedupWindow, idempotencyKeyOf } from './dedup.js';

/** Rejections a legitimate peer never causes: thrown back to the sender's transport. */
const SENDER_ERRORS: ReadonlySet<RejectionCode> = new Set<RejectionCode>(['malformed', 'wrong-job', 'unknown-task']);

/** Options of {@link serveCoordinator} and {@link serveTask}. */
export interface ServeOptions {
  /** The redelivery window (default: a new one of 65,536 keys). */
  readonly dedup?: DedupWindow;
  /** Called with every rejected arrival (malformed bytes, or the runtime said no). */
  readonly onRejected?: (rejection: Rejection) => void;
  /** Called with every arrival dropped as a redelivery. */
  readonly onRedelivered?: (key: string) => void;
}

/**
 * Hands one valid message to the runtime unless it is a redelivery; the key is remembered only
 * when the runtime took the message, so a message rejected once is judged again when redelivered.
 */
function deliverOnce(message: { readonly type: string }, receive: () => ReceiveResult, dedup: DedupWindow, options: ServeOptions): void {
  const key = idempotencyKeyOf(message);
  if (key !== null && dedup.has(key)) {
    options.onRedelivered?.(key);
    return;
  }
  const result = receive();
  if (result.ok) {
    if (key !== null) dedup.add(key);
    return;
  }
  reject(result.rejection, options);
}

function reject(rejection: Rejection, options: ServeOptions): void {
  options.onRejected?.(rejection);
  if (SENDER_ERRORS.has(rejection.code)) throw new RejectedInputError(rejection);
}

/**
 * Feeds a coordinator with its control channel: create the coordinator with
 * `transport: binding` (the binding sends its messages), then call this to receive.
 * @param coordinator - the running coordinator.
 * @param binding - its control binding (e.g. `createHttpCoordinatorControlBinding(transport, { jobId })`).
 * @param options - dedup window and listeners.
 * @returns a function that stops receiving.
 */
export function serveCoordinator(coordinator: Coordinator, binding: CoordinatorControlBinding, options: ServeOptions = {}): Unsubscribe {
  const dedup = options.dedup ?? new DedupWindow();
  const take = (m: { readonly type: string }) => deliverOnce(m, () => coordinator.receive(m), dedup, options);
  return binding.subscribe({
    acknowledgeCheckpoint: take,
    declineCheckpoint: take,
    reportCheckpointMetrics: take,
    taskStateChanged: take,
    heartbeat: take,
    rejected: (rejection) => reject(rejection, options),
  });
}

/**
 * Gates for a task's input channels: `inputs` goes to `createTask`, and the data handlers of
 * {@link serveTask} wait while the task keeps a channel blocked (aligned barriers), so a blocked
 * channel delivers nothing and its transport sees the wait as backpressure.
 */
export class InputGates {
  private readonly blocked: Array<{ promise: Promise<void>; open: () => void } | null>;

  /**
   * Creates open gates.
   * @param channels - the task's input channels.
   */
  constructor(channels: number) {
    this.blocked = new Array<null>(channels).fill(null);
  }

  /** The port `createTask` takes as `inputs`. */
  readonly inputs: TaskInputs = {
    block: (channel) => {
      if (this.blocked[channel]) return;
      let open!: () => void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      this.blocked[channel] = { promise, open };
    },
    unblock: (channel) => {
      const gate = this.blocked[channel];
      this.blocked[channel] = null;
      gate?.open();
    },
  };

  /**
   * Resolves when `channel` is open (null when it is open now).
   * @param channel - the input channel.
   */
  wait(channel: number): Promise<void> | null {
    return this.blocked[channel]?.promise ?? null;
  }
}

/** The data side of a task for {@link serveTask}. */
export interface TaskDataWiring {
  /** The task's data binding. */
  readonly binding: TaskDataBinding;
  /** The upstream task of every input channel, by channel index. */
  readonly upstream: readonly string[];
  /** The gates whose `inputs` the task was created with. */
  readonly gates: InputGates;
}

/**
 * Feeds a task attempt with its control channel and, when given, its input channels.
 * @param task - the task (started or not; input before `start()` is rejected by the task).
 * @param control - its control binding; the task was created with `toCoordinator: control`.
 * @param data - its data binding, the upstream task per channel, and its input gates.
 * @param options - dedup window and listeners.
 * @returns a function that stops receiving.
 */
export function serveTask(task: Task, control: TaskControlBinding, data: TaskDataWiring | null, options: ServeOptions = {}): Unsubscribe {
  const dedup = options.dedup ?? new DedupWindow();
  const take = (m: { readonly type: string }) => deliverOnce(m, () => task.receive(m), dedup, options);
  const stops = [
    control.subscribe({
      triggerCheckpoint: take,
      notifyCheckpointComplete: take,
      notifyCheckpointAborted: take,
      rejected: (rejection) => reject(rejection, options),
    }),
  ];
  data?.upstream.forEach((from, channel) => {
    const stream = (event: StreamEvent): void | Promise<void> => {
      const deliver = () => {
        const result = task.receiveStream(channel, event);
        if (!result.ok) reject(result.rejection, options);
      };
      const closed = data.gates.wait(channel);
      return closed ? closed.then(deliver) : deliver();
    };
    stops.push(
      data.binding.subscribe(from, {
        barrier: stream,
        cancelMarker: stream,
        endOfPartition: stream,
        announcement: stream,
        rejected: (rejection) => reject(rejection, options),
      }),
    );
  });
  return () => stops.forEach((stop) => stop());
}

/**
 * The output port of a task whose downstream tasks are reached through `binding`: every broadcast
 * event is sent to each of them, in order per channel (the data binding needs an ordered transport).
 * @param binding - the task's data binding.
 * @param downstream - the downstream task ids.
 * @param onError - called when a send fails for good.
 */
export function broadcastOver(binding: TaskDataBinding, downstream: readonly string[], onError: (error: unknown) => void = () => {}): TaskOutputs {
  return {
    broadcast: (event) => {
      for (const to of downstream) binding.send(to, event).catch(onError);
    },
  };
}
