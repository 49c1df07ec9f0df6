/**
 * The epoch-carrying operations a durable backend (files, PostgreSQL) implements, and the one
 * place that turns them into the coordinator's ports bound to an epoch.
 * @packageDocumentation
 */
import type { CheckpointId } from '../../spec/index.js';
import type { CompletedCheckpoint } from '../../machines/coordinator/index.js';
import type { FencedPorts, LoadReport } from './ports.js';
import { SerialQueue } from './serial-queue.js';

/** What a backend does; every write checks the epoch atomically with its effect. */
export interface EpochBackend {
  /** Reads the retained checkpoints and reports what it skipped. */
  loadReport(): Promise<LoadReport>;
  /**
   * Adds a checkpoint and removes what retention says, if `epoch` is current.
   * @param epoch - the writer's epoch.
   * @param checkpoint - the checkpoint.
   * @param subsumed - ids the coordinator named as subsumed.
   */
  add(epoch: number, checkpoint: CompletedCheckpoint, subsumed: readonly CheckpointId[]): Promise<void>;
  /**
   * Reserves `count` ids durably, if `epoch` is current; resolves with the first.
   * @param epoch - the writer's epoch.
   * @param count - how many.
   */
  reserveIds(epoch: number, count: number): Promise<number>;
  /**
   * Rejects with `FencedWriteError` unless `epoch` is current.
   * @param epoch - the epoch.
   */
  checkEpoch(epoch: number): Promise<void>;
  /** Durably increments the epoch and resolves with the new one. */
  acquire(): Promise<number>;
  /** The current epoch. */
  currentEpoch(): Promise<number>;
}

/**
 * The coordinator's store and id counter bound to `epoch`. The counter reserves `idBlockSize`
 * ids per durable write and hands them out one by one, each after checking the epoch.
 * @param backend - the backend.
 * @param epoch - the epoch.
 * @param idBlockSize - ids per reservation.
 */
export function fencedPorts(backend: EpochBackend, epoch: number, idBlockSize: number): FencedPorts {
  const queue = new SerialQueue();
  let next = 0;
  let end = 0;
  const allocate = async (): Promise<number> => {
    if (next < end) {
      await backend.checkEpoch(epoch);
      return next++;
    }
    const first = await backend.reserveIds(epoch, idBlockSize);
    next = first + 1;
    end = first + idBlockSize;
    return first;
  };
  return {
    epoch,
    store: {
      load: async () => (await backend.loadReport()).checkpoints,
      loadReport: () => backend.loadReport(),
      add: (checkpoint, subsumed) => backend.add(epoch, checkpoint, subsumed),
    },
    counter: { getAndIncrement: () => queue.run(allocate) },
  };
}
