/**
 * A set of listeners of one kind of value, shared by the runtimes' `onCommand` and
 * `onObservation`.
 * @packageDocumentation
 */

/** Listeners of values of type `T`. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  /** How many listen. */
  get size(): number {
    return this.set.size;
  }

  /**
   * Adds a listener.
   * @param listener - called with every emitted value.
   * @returns a function that removes it.
   */
  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => void this.set.delete(listener);
  }

  /**
   * Calls every listener with `value` (nothing to do when none listens).
   * @param value - the value.
   */
  emit(value: T): void {
    if (this.set.size > 0) for (const l of this.set) l(value);
  }
}
