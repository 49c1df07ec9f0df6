/**
 * Transport-agnostic faults the suite injects around a real transport: every control message sent
 * twice (as an at-least-once redelivery would), and a slow consumer that takes its time with
 * every message (the transport must wait for it: backpressure).
 * @packageDocumentation
 */
import type { Transport } from '../../../adapters/runtime/contract.js';

/**
 * `transport`, sending every message of the control channels twice (the data channel needs
 * exactly-once delivery, so it is left alone).
 * @param transport - the real transport.
 * @param counter - counts the extra copies sent.
 */
export function duplicating(transport: Transport, counter: { duplicates: number }): Transport {
  return {
    kind: transport.kind,
    delivery: transport.delivery,
    subscribe: (at, handler) => transport.subscribe(at, handler),
    send: async (to, bytes) => {
      if (to.channel === 'taskToTask') return transport.send(to, bytes);
      counter.duplicates++;
      await Promise.all([transport.send(to, bytes), transport.send(to, bytes.slice())]);
    },
  };
}

/** What a slow consumer saw. */
export interface SlowStats {
  /** Messages handled. */
  handled: number;
  /** The most handlers of one address running at once. */
  maxConcurrent: number;
}

/**
 * `transport`, whose subscribers take `delayMs` (a timer) per message before handling it.
 * @param transport - the real transport.
 * @param delayMs - the time per message.
 * @param stats - filled while it runs.
 */
export function slowConsumer(transport: Transport, delayMs: number, stats: SlowStats): Transport {
  return {
    kind: transport.kind,
    delivery: transport.delivery,
    send: (to, bytes) => transport.send(to, bytes),
    subscribe: (at, handler) => {
      let running = 0;
      return transport.subscribe(at, async (bytes) => {
        running++;
        stats.maxConcurrent = Math.max(stats.maxConcurrent, running);
        try {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          await handler(bytes);
          stats.handled++;
        } finally {
          running--;
        }
      });
    },
  };
}
