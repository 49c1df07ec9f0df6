/**
 * `openFileStore`: the default durable store, in a directory.
 *
 * Layout: `manifest-<n>.json` (epoch, id counter, retained index, and the small retained
 * checkpoints themselves), `checkpoints/chk-<id>.json` (larger checkpoints) and
 * `snapshots/<task>/chk-<id>.bin`; every file is a checksummed frame written by
 * write-fsync-rename and a directory fsync.
 * @packageDocumentation
 */
import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../../spec/index.js';
import type { DurableStoreOptions } from '../options.js';
import { integerOption, resolveStoreOptions } from '../options.js';
import { openDurable } from '../open-durable.js';
import type { DurableState } from '../ports.js';
import { fsyncDir, removeStaleTemps } from './atomic-file.js';
import { FileBackend } from './file-backend.js';
import { FileSnapshots } from './file-snapshots.js';

/** Options of {@link openFileStore}. */
export type FileStoreOptions = DurableStoreOptions & {
  /**
   * A checkpoint whose encoded metadata is at most this many bytes is kept in the manifest that
   * retains it rather than in a file of its own (default 64 KiB; 0: always a file). It then costs
   * one durable write instead of two (the checkpoint file and its directory are not written and
   * fsynced), as Flink keeps small state in the metadata (`state.storage.fs.memory-threshold`).
   */
  readonly inlineCheckpointBytes?: number;
};

/** Default of {@link FileStoreOptions.inlineCheckpointBytes}. */
const INLINE_CHECKPOINT_BYTES = 64 * 1024;

/**
 * Opens (creating if missing) the durable store in `dir`: cleans what crashed writers left,
 * loads and checks the retained checkpoints, and by default takes leadership.
 * @param dir - the store directory.
 * @param options - see {@link FileStoreOptions}.
 */
export async function openFileStore(dir: string, options: FileStoreOptions = {}): Promise<DurableState> {
  if (typeof dir !== 'string' || dir.length === 0) throw new ConfigError('dir', `must be a non-empty path, got ${String(dir)}`);
  const resolved = resolveStoreOptions(options, ['inlineCheckpointBytes']);
  const inlineBytes = integerOption('inlineCheckpointBytes', options.inlineCheckpointBytes ?? INLINE_CHECKPOINT_BYTES, 0);
  const checkpointsDir = join(dir, 'checkpoints');
  const snapshotsDir = join(dir, 'snapshots');
  for (const d of [dir, checkpointsDir, snapshotsDir]) await mkdir(d, { recursive: true });
  await fsyncDir(dir);
  await fsyncDir(dirname(dir));
  const taskDirs = (await readdir(snapshotsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(snapshotsDir, e.name));
  for (const d of [dir, checkpointsDir, ...taskDirs]) await removeStaleTemps(d);
  const backend = new FileBackend(dir, resolved.retained, inlineBytes);
  await backend.removeOrphans();
  return openDurable(backend, new FileSnapshots(snapshotsDir, resolved.compression), resolved, async () => {});
}
