/**
 * Time for a job run: the system clock with real timers (the command line, benchmarks), or a
 * virtual clock that moves only when the run lets time pass (simulations, the fault campaign),
 * so a run replays exactly from its seed.
 * @packageDocumentation
 */
import type { Clock, Timers } from '../runtime/time.js';
import { ManualTime, systemClock, systemTimers } from '../runtime/time.js';

/** A clock, timers, and a way to let time pass. */
export interface JobTime extends Clock, Timers {
  /** Whether time is virtual (moves only in {@link JobTime.pass}). */
  readonly virtual: boolean;
  /**
   * Lets `ms` pass: advances virtual time (firing due timers), or waits (0: yields to the event
   * loop once, so timers, I/O and HTTP requests run).
   * @param ms - milliseconds.
   */
  pass(ms: number): Promise<void>;
}

/** Real time: `Date.now`, `setTimeout`, waiting. */
export function realTime(): JobTime {
  const timers = systemTimers();
  return {
    virtual: false,
    now: () => systemClock.now(),
    set: (name, delayMs, fire) => timers.set(name, delayMs, fire),
    clear: (name) => timers.clear(name),
    pass: (ms) => new Promise<void>((resolve) => (ms <= 0 ? setImmediate(resolve) : setTimeout(resolve, ms))),
  };
}

/** Virtual time from 0. */
export class VirtualTime extends ManualTime implements JobTime {
  /** Always true. */
  readonly virtual = true;

  /** {@inheritDoc JobTime.pass} */
  pass(ms: number): Promise<void> {
    this.advance(ms);
    return Promise.resolve();
  }
}

/**
 * Timers whose names carry a prefix, so two holders (a crashed coordinator and its successor)
 * never disarm each other's timers.
 * @param timers - the timers.
 * @param prefix - the prefix.
 */
export function prefixedTimers(timers: Timers, prefix: string): Timers {
  return { set: (name, delayMs, fire) => timers.set(prefix + name, delayMs, fire), clear: (name) => timers.clear(prefix + name) };
}
