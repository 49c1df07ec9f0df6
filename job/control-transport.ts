/**
 * The control link between the coordinator and the tasks, as a port. The job never calls the
 * coordinator or a task directly: every control message goes through a {@link ControlTransport},
 * and the run delivers what arrived with `deliver`. The in-process transport here is a FIFO queue;
 * the fault injector wraps any transport; a remote transport (HTTP, a broker) fills the same port
 * by queueing what it receives.
 * @packageDocumentation
 */
import type { CoordinatorToTaskMessage, TaskToCoordinatorMessage } from '../spec/index.js';

/** Where delivered control messages go. */
export interface ControlEndpoints {
  /**
   * A message arrived at a task (the one it names).
   * @param message - the message.
   */
  toTask(message: CoordinatorToTaskMessage): void;
  /**
   * A message arrived at the coordinator.
   * @param message - the message.
   */
  toCoordinator(message: TaskToCoordinatorMessage): void;
}

/** A message on the control link, with its direction. */
export type ControlEnvelope = { readonly to: 'task'; readonly message: CoordinatorToTaskMessage } | { readonly to: 'coordinator'; readonly message: TaskToCoordinatorMessage };

/** Carries control messages between the coordinator and the tasks. */
export interface ControlTransport {
  /**
   * Sends a message; it arrives at a later `deliver` (or never, on a lossy link).
   * @param envelope - the message and its direction.
   */
  send(envelope: ControlEnvelope): void;
  /**
   * Delivers up to `max` arrived messages, in arrival order.
   * @param endpoints - where they go.
   * @param max - the most to deliver.
   * @returns how many were delivered.
   */
  deliver(endpoints: ControlEndpoints, max: number): number;
  /** Messages sent and not yet delivered or dropped. */
  readonly inFlight: number;
}

/** The in-process control link: one FIFO queue. */
export class InProcessTransport implements ControlTransport {
  private queue: ControlEnvelope[] = [];
  private head = 0;

  /** {@inheritDoc ControlTransport.inFlight} */
  get inFlight(): number {
    return this.queue.length - this.head;
  }

  /** {@inheritDoc ControlTransport.send} */
  send(envelope: ControlEnvelope): void {
    this.queue.push(envelope);
  }

  /** {@inheritDoc ControlTransport.deliver} */
  deliver(endpoints: ControlEndpoints, max: number): number {
    let n = 0;
    while (n < max && this.head < this.queue.length) {
      const e = this.queue[this.head++] as ControlEnvelope;
      n++;
      if (e.to === 'task') endpoints.toTask(e.message);
      else endpoints.toCoordinator(e.message);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    return n;
  }
}
