/**
 * `openFileStore`: the default durable store, in a directory.
 *
 * Layout: `manifest-<n>.json` (epoch, id counter, retained index), `checkpoints/chk-<id>.json`
 * and `snapshots/<task>/chk-<id>.bin`; every file is a checksummed frame written by
 * write-fsync-rename and a directory fsync.
 * @packageDocumentation
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../../spec/index.js';
import { fencedPorts } from '../backend.js';
import type { DurableStoreOptions } from '../options.js';
import { integerOption, resolveStoreOptions } from '../options.js';
import type { DurableState } from '../ports.js';
import { fsyncDir, removeStaleTemps } from './atomic-file.js';
import { FileBackend } from './file-backend.js';
import { FileSnapshots } from './file-snapshots.js';

/** Options of {@link openFileStore}. */
export interface FileStoreOptions extends DurableStoreOptions {
  /**
   * `acquire` (default): opening takes leadership, and `store`/`counter` carry the new epoch.
   * `none`: for reading and inspection; their writes are refused as fenced.
   */
  readonly leadership?: 'acquire' | 'none';
}

/**
 * Opens (creating if missing) the durable store in `dir`: cleans what crashed writers left,
 * loads and checks the retained checkpoints, and by default takes leadership.
 * @param dir - the store directory.
 * @param options - see {@link FileStoreOptions}.
 */
export async function openFileStore(dir: string, options: FileStoreOptions = {}): Promise<DurableState> {
  if (typeof dir !== 'string' || dir.length === 0) throw new ConfigError('dir', `must be a non-empty path, got ${String(dir)}`);
  const resolved = resolveStoreOptions(options, ['leadership']);
  const leadership = options.leadership ?? 'acquire';
  if (leadership !== 'acquire' && leadership !== 'none') throw new ConfigError('leadership', `must be 'acquire' or 'none', got ${String(leadership)}`);
  const checkpointsDir = join(dir, 'checkpoints');
  const snapshotsDir = join(dir, 'snapshots');
  for (const d of [dir, checkpointsDir, snapshotsDir]) await mkdir(d, { recursive: true });
  await fsyncDir(dir);
  await fsyncDir(dirname(dir));
  for (const d of [dir, checkpointsDir]) await removeStaleTemps(d);
  const backend = new FileBackend(dir, resolved.retained);
  await backend.removeOrphans();
  const found = await backend.loadReport();
  const epoch = leadership === 'acquire' ? await backend.acquire() : 0;
  const recovery = { ...found, epoch: Math.max(epoch, found.epoch) };
  return {
    ...fencedPorts(backend, epoch, resolved.idBlockSize),
    snapshots: new FileSnapshots(snapshotsDir, resolved.compression),
    recovery,
    acquireLeadership: async () => fencedPorts(backend, await backend.acquire(), resolved.idBlockSize),
    fenced: (e) => fencedPorts(backend, integerOption('epoch', e, 1), resolved.idBlockSize),
    currentEpoch: () => backend.currentEpoch(),
    close: async () => {},
  };
}
