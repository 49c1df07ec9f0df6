/**
 * The one place that turns an opened backend into a {@link DurableState}: the report of what
 * opening found, leadership taken (or not), and the ports bound to the epoch.
 * @packageDocumentation
 */
import type { EpochBackend } from './backend.js';
import { fencedPorts } from './backend.js';
import type { LeaseBackend } from './lease-backend.js';
import type { ResolvedStoreOptions } from './options.js';
import { integerOption } from './options.js';
import type { DurableState, StateSnapshotStore } from './ports.js';

/**
 * Loads, takes leadership if asked, and assembles the handle.
 * @param backend - the opened backend.
 * @param snapshots - its state storage.
 * @param options - the resolved options.
 * @param close - releases the backend's resources.
 */
export async function openDurable(backend: EpochBackend & LeaseBackend, snapshots: StateSnapshotStore, options: ResolvedStoreOptions, close: () => Promise<void>): Promise<DurableState> {
  const found = await backend.loadReport();
  const epoch = options.leadership === 'acquire' ? await backend.acquire() : 0;
  const bind = (e: number) => fencedPorts(backend, e, options.idBlockSize);
  return {
    ...bind(epoch),
    snapshots,
    recovery: { ...found, epoch: Math.max(epoch, found.epoch) },
    acquireLeadership: async () => bind(await backend.acquire()),
    fenced: (e) => bind(integerOption('epoch', e, 1)),
    currentEpoch: () => backend.currentEpoch(),
    lease: backend,
    close,
  };
}
