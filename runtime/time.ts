/**
 * Clocks and timers the runtimes are given: the system's, or a manual one that tests and
 * simulations advance by hand (time as an input).
 * @packageDocumentation
 */

/** A source of the current time in milliseconds. */
export interface Clock {
  /** The current time in milliseconds. */
  now(): number;
}

/** Arms and disarms named one-shot timers. Arming a name that is armed replaces it. */
export interface Timers {
  /**
   * Arms timer `name` to call `fire` after `delayMs`.
   * @param name - the timer's name.
   * @param delayMs - the delay.
   * @param fire - what to call.
   */
  set(name: string, delayMs: number, fire: () => void): void;
  /**
   * Disarms timer `name` (nothing when it is not armed).
   * @param name - the timer's name.
   */
  clear(name: string): void;
}

/** The system clock (`Date.now`). */
export const systemClock: Clock = { now: () => Date.now() };

/** Timers on `setTimeout`, unref'd so they never keep the process alive. */
export function systemTimers(): Timers {
  const armed = new Map<string, ReturnType<typeof setTimeout>>();
  return {
    set(name, delayMs, fire) {
      const old = armed.get(name);
      if (old) clearTimeout(old);
      const handle = setTimeout(() => {
        armed.delete(name);
        fire();
      }, delayMs);
      handle.unref?.();
      armed.set(name, handle);
    },
    clear(name) {
      const old = armed.get(name);
      if (old) clearTimeout(old);
      armed.delete(name);
    },
  };
}

/**
 * A clock and timers that move only when told: `advance(ms)` fires due timers in deadline order
 * (ties in arming order), each at its own deadline.
 */
export class ManualTime implements Clock, Timers {
  private current: number;
  private seq = 0;
  private readonly armed = new Map<string, { at: number; seq: number; fire: () => void }>();

  /**
   * Starts the clock.
   * @param start - the initial time in milliseconds.
   */
  constructor(start = 0) {
    this.current = start;
  }

  /** The current time. */
  now(): number {
    return this.current;
  }

  /** {@inheritDoc Timers.set} */
  set(name: string, delayMs: number, fire: () => void): void {
    this.armed.set(name, { at: this.current + Math.max(0, delayMs), seq: this.seq++, fire });
  }

  /** {@inheritDoc Timers.clear} */
  clear(name: string): void {
    this.armed.delete(name);
  }

  /** Names of the armed timers with their deadlines, soonest first. */
  pending(): Array<{ name: string; at: number }> {
    return [...this.armed].sort(([, a], [, b]) => a.at - b.at || a.seq - b.seq).map(([name, t]) => ({ name, at: t.at }));
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way.
   * @param ms - how far.
   */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const next = this.pending()[0];
      if (!next || next.at > end) break;
      const t = this.armed.get(next.name)!;
      this.armed.delete(next.name);
      this.current = Math.max(this.current, t.at);
      t.fire();
    }
    this.current = end;
  }
}
