/**
 * The job's {@link ControlTransport} port of a task process, filled by the task's generated
 * control binding: what the attempt sends to the coordinator goes out through the binding (over
 * HTTP, RabbitMQ or NATS), and what arrives is handed straight to the attempt by `serveTask`
 * (which drops redeliveries by idempotency key), so `deliver` has nothing to do.
 * @packageDocumentation
 */
import type { TaskControlBinding } from '../../generated/bindings/endpoints.gen.js';
import type { ControlEndpoints, ControlEnvelope, ControlTransport } from '../control-transport.js';

/** A task process's control link over a generated binding. */
export class BindingControlTransport implements ControlTransport {
  private sending = 0;

  /**
   * @param binding - the task's control binding.
   * @param onError - a message could not be sent (the transport gave up; the protocol copes with a lost message).
   */
  constructor(
    private readonly binding: TaskControlBinding,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Messages handed to the binding and not yet taken by the transport. */
  get inFlight(): number {
    return this.sending;
  }

  /**
   * Sends a message of the attempt to the coordinator (a task sends nothing else).
   * @param envelope - the message.
   */
  send(envelope: ControlEnvelope): void {
    if (envelope.to !== 'coordinator') throw new TypeError('a task process sends control messages to the coordinator only');
    this.sending++;
    this.binding.send(envelope.message).then(
      () => void this.sending--,
      (error: unknown) => {
        this.sending--;
        this.onError(error);
      },
    );
  }

  /**
   * Nothing to deliver: `serveTask` hands arrivals to the attempt as they come.
   * @param _endpoints - unused.
   * @param _max - unused.
   */
  deliver(_endpoints: ControlEndpoints, _max: number): number {
    return 0;
  }
}
