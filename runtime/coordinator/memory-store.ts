/**
 * In-memory store and id counter, for tests and embedded use where durability is not needed.
 * Both survive a coordinator restart as long as the same objects are passed to the new one.
 * @packageDocumentation
 */
import type { CheckpointId } from '../../spec/index.js';
import type { CompletedCheckpoint } from '../../machines/coordinator/index.js';
import type { CheckpointIdCounter, CompletedCheckpointStore } from './ports.js';

/** A completed-checkpoint store in memory. Set `failNextAdd` to make the next add fail. */
export class InMemoryCheckpointStore implements CompletedCheckpointStore {
  private readonly entries: CompletedCheckpoint[] = [];
  /** When true, the next `add` fails (and clears the flag). */
  failNextAdd = false;

  /**
   * Creates a store.
   * @param initial - checkpoints to start with, oldest first.
   */
  constructor(initial: readonly CompletedCheckpoint[] = []) {
    this.entries.push(...initial);
  }

  /** {@inheritDoc CompletedCheckpointStore.load} */
  load(): readonly CompletedCheckpoint[] {
    return [...this.entries];
  }

  /** {@inheritDoc CompletedCheckpointStore.add} */
  add(checkpoint: CompletedCheckpoint, subsumed: readonly CheckpointId[]): void {
    if (this.failNextAdd) {
      this.failNextAdd = false;
      throw new Error('store add failed');
    }
    this.entries.push(checkpoint);
    const gone = new Set(subsumed);
    for (let i = this.entries.length - 1; i >= 0; i--) if (gone.has(this.entries[i]!.checkpointId)) this.entries.splice(i, 1);
  }

  /** The newest checkpoint, or null. */
  latest(): CompletedCheckpoint | null {
    return this.entries[this.entries.length - 1] ?? null;
  }
}

/** An id counter in memory: `getAndIncrement` returns 1, 2, 3, ... Set `failNext` to fail once. */
export class InMemoryIdCounter implements CheckpointIdCounter {
  private next: number;
  /** When true, the next call fails with an I/O error (and clears the flag). */
  failNext = false;

  /**
   * Creates a counter.
   * @param start - the first id to hand out (default 1).
   */
  constructor(start = 1) {
    this.next = start;
  }

  /** {@inheritDoc CheckpointIdCounter.getAndIncrement} */
  getAndIncrement(): number {
    if (this.failNext) {
      this.failNext = false;
      throw Object.assign(new Error('id counter unavailable'), { code: 'EIO' });
    }
    return this.next++;
  }

  /** The next id to hand out. */
  get(): number {
    return this.next;
  }

  /**
   * Makes `count` the next id.
   * @param count - the next id.
   */
  setCount(count: number): void {
    this.next = count;
  }
}
