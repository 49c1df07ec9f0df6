/**
 * The coordinator's storage, behind one small function: the durable file store
 * (`openFileStore` of `runtime/store`) in a directory, or memory for simulations. A restarted
 * coordinator reopens it as a new process would: the file store is read back from disk and its
 * leader epoch fences off the crashed coordinator; memory hands back the same objects. A
 * coordinator that campaigns for the store's lease opens it with {@link openStandbyStorage}.
 * @packageDocumentation
 */
import type { CheckpointIdCounter, CompletedCheckpointStore } from '../runtime/coordinator/ports.js';
import { InMemoryCheckpointStore, InMemoryIdCounter } from '../runtime/coordinator/memory-store.js';
import type { LeaseBackend } from '../runtime/store/index.js';
import { openFileStore } from '../runtime/store/index.js';

/** The coordinator's store and id counter. */
export interface CoordinatorStorage {
  /** Completed checkpoints. */
  readonly store: CompletedCheckpointStore;
  /** Checkpoint ids. */
  readonly counter: CheckpointIdCounter;
  /** The leader epoch this opening acquired (stamped on the coordinator's messages; tasks fence older ones). */
  readonly epoch: number;
  /** Whether it survives the process (false: in memory). */
  readonly durable: boolean;
  /** Closes it and opens it again, as a restarted coordinator finds it. */
  reopen(): Promise<CoordinatorStorage>;
  /** Releases it. */
  close(): Promise<void>;
}

/** Ids the durable counter reserves per write (unused ones are skipped after a restart). */
const ID_BLOCK = 64;

/**
 * Opens the coordinator's storage.
 * @param dir - the durable store's directory, or null for memory.
 * @param retained - completed checkpoints to retain.
 */
export async function openCoordinatorStorage(dir: string | null, retained: number): Promise<CoordinatorStorage> {
  if (dir === null) return inMemory(new InMemoryCheckpointStore(), new InMemoryIdCounter(), 1);
  const opened = await openFileStore(dir, { retained, idBlockSize: ID_BLOCK });
  return {
    store: opened.store,
    counter: opened.counter,
    epoch: opened.epoch,
    durable: true,
    async reopen() {
      await opened.close();
      return openCoordinatorStorage(dir, retained);
    },
    close: () => opened.close(),
  };
}

/** The durable storage opened without taking leadership, for a coordinator that campaigns for its lease. */
export interface StandbyStorage {
  /** The store's leader lease. */
  readonly lease: LeaseBackend;
  /**
   * The storage bound to the epoch won (reopening it takes a new epoch without a lease, as a
   * restarted coordinator would).
   * @param epoch - the epoch the campaign won.
   */
  lead(epoch: number): CoordinatorStorage;
  /** Releases it. */
  close(): Promise<void>;
}

/**
 * Opens the durable storage in `dir` without taking leadership.
 * @param dir - the store's directory.
 * @param retained - completed checkpoints to retain.
 */
export async function openStandbyStorage(dir: string, retained: number): Promise<StandbyStorage> {
  const opened = await openFileStore(dir, { retained, idBlockSize: ID_BLOCK, leadership: 'none' });
  return {
    lease: opened.lease,
    lead(epoch) {
      const ports = opened.fenced(epoch);
      return {
        store: ports.store,
        counter: ports.counter,
        epoch,
        durable: true,
        async reopen() {
          await opened.close();
          return openCoordinatorStorage(dir, retained);
        },
        close: () => opened.close(),
      };
    },
    close: () => opened.close(),
  };
}

/** Memory storage; reopening keeps the store and counter and takes the next epoch. */
function inMemory(store: InMemoryCheckpointStore, counter: InMemoryIdCounter, epoch: number): CoordinatorStorage {
  return {
    store,
    counter,
    epoch,
    durable: false,
    reopen: () => Promise.resolve(inMemory(store, counter, epoch + 1)),
    close: () => Promise.resolve(),
  };
}
