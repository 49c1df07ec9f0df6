/**
 * Small tools the broker transport tests share: probe messages on a data address, a gate that
 * holds a handler, and waiting for a condition.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { decodeStreamEvent, encodeStreamEvent } from '../../../generated/codecs.gen.js';

/** A job id unique to one test (a random suffix, so broker resources never collide). */
export const uniqueJobId = (name: string): string => `${name}-${randomBytes(4).toString('hex')}`;

/**
 * A probe message: a cancel marker carrying `n` as its checkpoint id.
 * @param n - the probe number (at least 1).
 */
export const probe = (n: number): Uint8Array => encodeStreamEvent({ type: 'cancelMarker', checkpointId: n });

/**
 * The number of a probe message, or null for anything else.
 * @param bytes - a delivered message.
 */
export function probeNumber(bytes: Uint8Array): number | null {
  const d = decodeStreamEvent(bytes);
  return d.ok && d.value.type === 'cancelMarker' ? d.value.checkpointId : null;
}

/** A gate a handler waits at until the test opens it. */
export class Gate {
  private opened!: () => void;
  /** Resolves when opened. */
  readonly passed = new Promise<void>((resolve) => (this.opened = resolve));
  /** Opens the gate. */
  open(): void {
    this.opened();
  }
}

/**
 * Waits until `condition` holds (checked every 20 ms); fails naming `what` after `ms`.
 * @param condition - the condition (may be async).
 * @param what - what is awaited.
 * @param ms - how long at most.
 */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** 1, 2, ..., n. */
export const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
