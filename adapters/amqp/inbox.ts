/**
 * The receiving side every broker transport shares: deliveries of one address are handed to the
 * subscriber one at a time, in arrival order, and a delivery whose idempotency key was handled
 * already is dropped. The transport acknowledges each delivery to its broker once the inbox
 * settled it, never earlier (so a crash loses nothing) and never later (so no broker delivery stays
 * open across a checkpoint).
 * @packageDocumentation
 */
import { RejectedInputError } from '../../spec/errors.js';
import { DedupWindow, idempotencyKey } from './idempotency.js';

/**
 * What became of one delivery:
 * - `handled`: the handler took it (returned, or its promise settled);
 * - `duplicate`: its idempotency key was handled already; the handler never saw it;
 * - `rejected`: the handler threw a `RejectedInputError`: the message changed nothing;
 * - `failed`: the handler threw something else; the message was handed over all the same.
 * @public
 */
export type InboxOutcome = 'handled' | 'duplicate' | 'rejected' | 'failed';

/**
 * One address's inbox: sequential, ordered, deduplicated hand-over to the subscriber's handler.
 * @public
 */
export class OrderedInbox {
  private tail: Promise<void> = Promise.resolve();
  private readonly window: DedupWindow;

  /**
   * Creates the inbox of one subscription.
   * @param handler - the subscriber (the generated binding's decoder and handlers).
   * @param dedupWindow - how many idempotency keys to remember.
   * @param onHandlerError - told about a handler that threw something other than a rejection.
   */
  constructor(
    private readonly handler: (bytes: Uint8Array) => void | Promise<void>,
    dedupWindow: number,
    private readonly onHandlerError: (error: unknown) => void,
  ) {
    this.window = new DedupWindow(dedupWindow);
  }

  /**
   * Queues one delivery behind the ones already queued.
   * @param bytes - the message.
   * @param settle - called once, in arrival order, with what became of it.
   */
  push(bytes: Uint8Array, settle: (outcome: InboxOutcome) => void): void {
    this.tail = this.tail.then(() => this.run(bytes)).then(settle);
  }

  /** Resolves once everything queued so far is settled. */
  idle(): Promise<void> {
    return this.tail;
  }

  private async run(bytes: Uint8Array): Promise<InboxOutcome> {
    const key = idempotencyKey(bytes);
    if (key !== null && this.window.has(key)) return 'duplicate';
    if (key !== null) this.window.add(key);
    try {
      await this.handler(bytes);
      return 'handled';
    } catch (error) {
      if (error instanceof RejectedInputError) return 'rejected';
      this.onHandlerError(error);
      return 'failed';
    }
  }
}
