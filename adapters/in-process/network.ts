/**
 * The in-process transport: the embedded default. Messages go through the same path as over a
 * network (the bindings encode to bytes; the receiver's binding decodes and validates), through a
 * FIFO queue per address, delivered asynchronously (never inside the sender's step) and one at a
 * time: the next message for an address waits until its handler settled, so a slow consumer slows
 * its senders instead of growing without bound in flight.
 *
 * Delivery: `ordered-exactly-once` (FIFO per address, nothing lost or duplicated while the
 * process lives). A message with no subscriber is held until one subscribes.
 * @packageDocumentation
 */
import { IN_PROCESS_DELIVERY } from '../declared-delivery.js';
import { RejectedInputError } from '../../spec/errors.js';
import { ConfigError } from '../../spec/errors.js';
import type { ChannelAddress, DeliveryGuarantee, Transport, TransportEvent, TransportKind, Unsubscribe } from '../runtime/contract.js';
import { TransportError } from '../shared/errors.js';
import { ConnectionEvents } from '../shared/events.js';

type Handler = (bytes: Uint8Array) => void | Promise<void>;

interface Delivery {
  readonly bytes: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/** Options of an {@link InProcessNetwork}. */
export interface InProcessOptions {
  /** The largest message, in bytes (default 1 MiB); a larger send rejects with `too-large`. */
  readonly maxMessageBytes?: number;
  /** `backpressure.on` when this many messages wait for one address (default 10,000). */
  readonly highWater?: number;
}

class AddressQueue {
  items: Delivery[] = [];
  head = 0;
  running = false;
  pressured = false;
  handlers: Handler[] = [];
}

/**
 * The shared medium of in-process transports: the participants of one process create their
 * transports from the same network.
 */
export class InProcessNetwork {
  /** The largest message, in bytes. */
  readonly maxMessageBytes: number;
  private readonly highWater: number;
  private readonly queues = new Map<string, AddressQueue>();
  private readonly events = new ConnectionEvents();

  /**
   * Creates an empty network.
   * @param options - size limit and water mark.
   * @throws ConfigError naming the option.
   */
  constructor(options: InProcessOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? 1024 * 1024;
    this.highWater = options.highWater ?? 10_000;
    if (!Number.isSafeInteger(this.maxMessageBytes) || this.maxMessageBytes < 1) throw new ConfigError('maxMessageBytes', `must be a positive integer, got ${String(options.maxMessageBytes)}`);
    if (!Number.isSafeInteger(this.highWater) || this.highWater < 1) throw new ConfigError('highWater', `must be a positive integer, got ${String(options.highWater)}`);
  }

  /** A transport on this network (participants may share one or have their own). */
  transport(): InProcessTransport {
    return new InProcessTransport(this);
  }

  /**
   * Listens to backpressure events of every address.
   * @param listener - called per event.
   */
  onEvent(listener: (event: TransportEvent) => void): Unsubscribe {
    return this.events.on(listener);
  }

  private queue(address: string): AddressQueue {
    let q = this.queues.get(address);
    if (!q) this.queues.set(address, (q = new AddressQueue()));
    return q;
  }

  /** @internal */
  enqueue(address: string, bytes: Uint8Array): Promise<void> {
    if (bytes.byteLength > this.maxMessageBytes) {
      return Promise.reject(new TransportError('too-large', `a message of ${bytes.byteLength} bytes exceeds maxMessageBytes ${this.maxMessageBytes}`, { status: 413 }));
    }
    const q = this.queue(address);
    return new Promise<void>((resolve, reject) => {
      q.items.push({ bytes, resolve, reject });
      if (!q.pressured && q.items.length - q.head >= this.highWater) {
        q.pressured = true;
        this.events.emit({ type: 'backpressure.on', address, waiting: q.items.length - q.head });
      }
      this.kick(address, q);
    });
  }

  /** @internal */
  subscribe(address: string, handler: Handler): Unsubscribe {
    const q = this.queue(address);
    q.handlers.push(handler);
    this.kick(address, q);
    return () => {
      const i = q.handlers.indexOf(handler);
      if (i >= 0) q.handlers.splice(i, 1);
    };
  }

  private kick(address: string, q: AddressQueue): void {
    if (q.running || q.handlers.length === 0 || q.head === q.items.length) return;
    q.running = true;
    queueMicrotask(() => void this.drain(address, q));
  }

  private async drain(address: string, q: AddressQueue): Promise<void> {
    while (q.head < q.items.length && q.handlers.length > 0) {
      const d = q.items[q.head] as Delivery;
      q.items[q.head++] = undefined as unknown as Delivery;
      if (q.head === q.items.length) {
        q.items = [];
        q.head = 0;
      }
      if (q.pressured && q.items.length - q.head <= this.highWater >> 1) {
        q.pressured = false;
        this.events.emit({ type: 'backpressure.off', address, waiting: q.items.length - q.head });
      }
      try {
        for (const h of q.handlers) {
          const r = h(d.bytes);
          if (r instanceof Promise) await r;
        }
        d.resolve();
      } catch (e) {
        d.reject(e instanceof RejectedInputError ? new TransportError('rejected', e.message, { rejection: e.rejection }) : e);
      }
    }
    q.running = false;
    if (q.head > 0 && q.head === q.items.length) {
      q.items = [];
      q.head = 0;
    }
    this.kick(address, q);
  }
}

/** One participant's handle on an {@link InProcessNetwork}. */
export class InProcessTransport implements Transport {
  /** Always `in-process`. */
  readonly kind: TransportKind = 'in-process';
  /** FIFO per address, nothing lost or duplicated. */
  readonly delivery: DeliveryGuarantee = IN_PROCESS_DELIVERY;
  private closed = false;
  private readonly subscriptions = new Set<Unsubscribe>();

  /**
   * Use {@link InProcessNetwork.transport}.
   * @param network - the shared medium.
   */
  constructor(readonly network: InProcessNetwork) {}

  /** {@inheritDoc Transport.send} */
  send(to: ChannelAddress, bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('closed', 'the transport was closed'));
    return this.network.enqueue(to.address, bytes);
  }

  /** {@inheritDoc Transport.subscribe} */
  subscribe(at: ChannelAddress, handler: Handler): Unsubscribe {
    if (this.closed) throw new TransportError('closed', 'the transport was closed');
    const stop = this.network.subscribe(at.address, handler);
    const once = () => {
      this.subscriptions.delete(once);
      stop();
    };
    this.subscriptions.add(once);
    return once;
  }

  /** {@inheritDoc Transport.onEvent} */
  onEvent(listener: (event: TransportEvent) => void): Unsubscribe {
    return this.network.onEvent(listener);
  }

  /** {@inheritDoc Transport.close} */
  close(): Promise<void> {
    this.closed = true;
    for (const stop of [...this.subscriptions]) stop();
    return Promise.resolve();
  }
}

/**
 * A transport on a new private network: the simplest embedded setup (every participant of the
 * process then shares this one transport).
 * @param options - size limit and water mark.
 */
export function createInProcessTransport(options: InProcessOptions = {}): InProcessTransport {
  return new InProcessNetwork(options).transport();
}
