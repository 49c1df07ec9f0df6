/**
 * A transport's connection state and its events ({@link TransportEvent}): `transport.lost` once
 * per outage, `transport.restored` at the first success after it.
 * @packageDocumentation
 */
import type { TransportEvent, Unsubscribe } from '../runtime/contract.js';

/** Emits a transport's events and tracks whether its connection is up. */
export class ConnectionEvents {
  private readonly listeners = new Set<(event: TransportEvent) => void>();
  private up = true;

  /** Whether the last attempt to reach a peer succeeded. */
  get connected(): boolean {
    return this.up;
  }

  /**
   * Adds a listener (the `Transport.onEvent` of a transport).
   * @param listener - called with every event.
   */
  on(listener: (event: TransportEvent) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Emits one event to every listener.
   * @param event - the event.
   */
  emit(event: TransportEvent): void {
    for (const l of this.listeners) l(event);
  }

  /**
   * Something failed to reach a peer: emits `transport.lost` when the connection was up.
   * @param reason - what failed.
   */
  lost(reason: string): void {
    if (!this.up) return;
    this.up = false;
    this.emit({ type: 'transport.lost', reason });
  }

  /** A peer was reached: emits `transport.restored` when the connection was down. */
  restored(): void {
    if (this.up) return;
    this.up = true;
    this.emit({ type: 'transport.restored' });
  }
}
