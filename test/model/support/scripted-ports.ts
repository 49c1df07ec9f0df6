/**
 * Ports whose every answer the test gives by hand, keyed by what they answer: model-based tests
 * turn a machine event that is a port's reply (an id, a hook's state, a store write, a failed
 * send, a timer) into exactly that answer of the real runtime's port.
 * @packageDocumentation
 */
import type { Clock, Timers } from '../../../runtime/time.js';

/** Promises waiting for an answer, by key. */
export class Deferreds<T> {
  private readonly waiting = new Map<string, { resolve: (v: T) => void; reject: (e: unknown) => void }>();

  /**
   * A promise answered later through {@link Deferreds.resolve} or {@link Deferreds.reject}.
   * @param key - what it waits for.
   */
  wait(key: string): Promise<T> {
    return new Promise<T>((resolve, reject) => this.waiting.set(key, { resolve, reject }));
  }

  /**
   * Whether something waits under `key`.
   * @param key - the key.
   */
  has(key: string): boolean {
    return this.waiting.has(key);
  }

  /**
   * Answers the promise waiting under `key`.
   * @param key - the key.
   * @param value - the answer.
   */
  resolve(key: string, value: T): void {
    const w = this.waiting.get(key);
    if (!w) throw new Error(`nothing waits for ${key}`);
    this.waiting.delete(key);
    w.resolve(value);
  }

  /**
   * Fails the promise waiting under `key`.
   * @param key - the key.
   * @param error - the failure.
   */
  reject(key: string, error: unknown): void {
    const w = this.waiting.get(key);
    if (!w) throw new Error(`nothing waits for ${key}`);
    this.waiting.delete(key);
    w.reject(error);
  }

  /** The keys waiting. */
  keys(): string[] {
    return [...this.waiting.keys()];
  }
}

/** A clock the test sets. */
export class ScriptedClock implements Clock {
  /** @param current - the time. */
  constructor(public current: number) {}

  /** {@inheritDoc Clock.now} */
  now(): number {
    return this.current;
  }
}

/** Timers that fire only when the test fires them by name. */
export class ScriptedTimers implements Timers {
  private readonly armed = new Map<string, () => void>();

  /** {@inheritDoc Timers.set} */
  set(name: string, _delayMs: number, fire: () => void): void {
    this.armed.set(name, fire);
  }

  /** {@inheritDoc Timers.clear} */
  clear(name: string): void {
    this.armed.delete(name);
  }

  /**
   * Whether timer `name` is armed.
   * @param name - the timer.
   */
  isArmed(name: string): boolean {
    return this.armed.has(name);
  }

  /**
   * Fires timer `name` (it is disarmed first, as a one-shot timer is).
   * @param name - the timer.
   */
  fire(name: string): void {
    const fire = this.armed.get(name);
    if (!fire) throw new Error(`timer ${name} is not armed`);
    this.armed.delete(name);
    fire();
  }
}

/** An I/O error as the runtimes recognise it (an error with a string `code`). */
export function ioError(message = 'disk unavailable'): Error {
  return Object.assign(new Error(message), { code: 'EIO' });
}

/** Lets every settled promise's callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) await Promise.resolve();
}
