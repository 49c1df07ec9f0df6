/**
 * Asynchronous ports whose replies a test releases by hand, to hold the coordinator between two
 * stages of the trigger pipeline or of finalization.
 * @packageDocumentation
 */
import type { CheckpointId, StateHandle } from '../../spec/index.js';
import type { CompletedCheckpoint } from '../../machines/coordinator/index.js';
import type { CheckpointHook, CheckpointIdCounter, CompletedCheckpointStore } from '../../runtime/coordinator/ports.js';
import { flush } from './coordinator-fixture.js';

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** An I/O error as the runtime recognises it (an error with a string `code`). */
export function ioError(message = 'disk unavailable'): Error {
  return Object.assign(new Error(message), { code: 'EIO' });
}

/** An id counter whose answers wait until {@link DeferredCounter.release} or {@link DeferredCounter.fail}. */
export class DeferredCounter implements CheckpointIdCounter {
  private next = 1;
  private readonly waiting: Waiter<number>[] = [];

  /** How many allocations wait. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** {@inheritDoc CheckpointIdCounter.getAndIncrement} */
  getAndIncrement(): Promise<number> {
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Answers the oldest waiting allocation with the next id, and lets the reply through. */
  async release(): Promise<number> {
    const w = this.waiting.shift();
    if (!w) throw new Error('no allocation is waiting');
    const id = this.next++;
    w.resolve(id);
    await flush();
    return id;
  }

  /**
   * Fails the oldest waiting allocation.
   * @param error - the error (default: an I/O error).
   */
  async fail(error: unknown = ioError()): Promise<void> {
    const w = this.waiting.shift();
    if (!w) throw new Error('no allocation is waiting');
    w.reject(error);
    await flush();
  }
}

/** A store whose adds wait until {@link DeferredStore.release} or {@link DeferredStore.fail}. */
export class DeferredStore implements CompletedCheckpointStore {
  /** What the store holds, oldest first. */
  readonly entries: CompletedCheckpoint[] = [];
  private readonly waiting: Array<Waiter<void> & { checkpoint: CompletedCheckpoint; subsumed: readonly CheckpointId[] }> = [];

  /** How many adds wait. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** {@inheritDoc CompletedCheckpointStore.load} */
  load(): readonly CompletedCheckpoint[] {
    return [...this.entries];
  }

  /** {@inheritDoc CompletedCheckpointStore.add} */
  add(checkpoint: CompletedCheckpoint, subsumed: readonly CheckpointId[]): Promise<void> {
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject, checkpoint, subsumed }));
  }

  /** Completes the oldest waiting add. */
  async release(): Promise<void> {
    const w = this.waiting.shift();
    if (!w) throw new Error('no add is waiting');
    this.entries.push(w.checkpoint);
    for (let i = this.entries.length - 1; i >= 0; i--) if (w.subsumed.includes(this.entries[i]!.checkpointId)) this.entries.splice(i, 1);
    w.resolve();
    await flush();
  }

  /** Fails the oldest waiting add. */
  async fail(): Promise<void> {
    const w = this.waiting.shift();
    if (!w) throw new Error('no add is waiting');
    w.reject(new Error('store unavailable'));
    await flush();
  }
}

/** A hook whose snapshots wait until released; records every call. */
export class DeferredHook implements CheckpointHook {
  /** Every call, in order, as text (e.g. `trigger 1`, `notify 1 complete`, `restore 1 h@1`). */
  readonly calls: string[] = [];
  private readonly waiting = new Map<CheckpointId, Waiter<StateHandle | null>>();

  /** @param name - the hook's name (used in state keys). */
  constructor(readonly name: string) {}

  /** {@inheritDoc CheckpointHook.trigger} */
  trigger(checkpointId: CheckpointId): Promise<StateHandle | null> {
    this.calls.push(`trigger ${checkpointId}`);
    return new Promise((resolve, reject) => this.waiting.set(checkpointId, { resolve, reject }));
  }

  /** {@inheritDoc CheckpointHook.notify} */
  notify(checkpointId: CheckpointId, outcome: 'complete' | 'aborted'): void {
    this.calls.push(`notify ${checkpointId} ${outcome}`);
  }

  /** {@inheritDoc CheckpointHook.restore} */
  restore(checkpointId: number, state: StateHandle | null): void {
    this.calls.push(`restore ${checkpointId} ${state ? state.key : 'null'}`);
  }

  /**
   * Answers the snapshot of `checkpointId` with a state `<name>@<id>`.
   * @param checkpointId - the checkpoint.
   */
  async release(checkpointId: CheckpointId): Promise<void> {
    const w = this.waiting.get(checkpointId);
    if (!w) throw new Error(`hook ${this.name} was not triggered for ${checkpointId}`);
    this.waiting.delete(checkpointId);
    w.resolve({ key: `${this.name}@${checkpointId}`, sizeBytes: 1 });
    await flush();
  }

  /**
   * Fails the snapshot of `checkpointId`.
   * @param checkpointId - the checkpoint.
   */
  async fail(checkpointId: CheckpointId): Promise<void> {
    const w = this.waiting.get(checkpointId);
    if (!w) throw new Error(`hook ${this.name} was not triggered for ${checkpointId}`);
    this.waiting.delete(checkpointId);
    w.reject(new Error('hook failed'));
    await flush();
  }
}

/** A synchronous hook that records every call and snapshots `<name>@<id>`. */
export class RecordingHook implements CheckpointHook {
  /** Every call, in order, as text. */
  readonly calls: string[] = [];

  /**
   * @param name - the hook's name.
   * @param log - a shared log to append `hook <name> <id>` to on trigger (to check ordering).
   * @param failing - throw on trigger.
   */
  constructor(
    readonly name: string,
    private readonly log: string[] = [],
    private readonly failing = false,
  ) {}

  /** {@inheritDoc CheckpointHook.trigger} */
  trigger(checkpointId: CheckpointId): StateHandle | null {
    this.calls.push(`trigger ${checkpointId}`);
    this.log.push(`hook ${this.name} ${checkpointId}`);
    if (this.failing) throw new Error('hook failed');
    return { key: `${this.name}@${checkpointId}`, sizeBytes: 1 };
  }

  /** {@inheritDoc CheckpointHook.notify} */
  notify(checkpointId: CheckpointId, outcome: 'complete' | 'aborted'): void {
    this.calls.push(`notify ${checkpointId} ${outcome}`);
  }

  /** {@inheritDoc CheckpointHook.restore} */
  restore(checkpointId: number, state: StateHandle | null): void {
    this.calls.push(`restore ${checkpointId} ${state ? state.key : 'null'}`);
  }
}
