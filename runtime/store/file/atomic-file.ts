/**
 * Crash-safe file writes: the bytes go to a temporary file in the same directory, which is
 * fsynced, then renamed (or hard-linked, to create only if absent) onto its name, and the
 * directory is fsynced. A crash at any instant leaves the old file, or the new one, never a torn
 * one; what a crash leaves behind is a temporary file that {@link removeStaleTemps} deletes.
 * @packageDocumentation
 */
import { link, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_PREFIX = '.tmp.';
let tempSeq = 0;

/**
 * Fsyncs a directory, so that names created, renamed or removed in it are durable.
 * @param dir - the directory.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes `data` to `path` atomically and durably. With `create`, the write succeeds only if
 * `path` does not exist yet (an atomic compare-and-set across processes) and returns false
 * otherwise; with `replace`, it replaces any old file.
 * @param path - the target file.
 * @param data - its new contents.
 * @param mode - `replace` or `create`.
 */
export async function writeAtomic(path: string, data: Uint8Array, mode: 'replace' | 'create'): Promise<boolean> {
  const dir = dirname(path);
  const temp = join(dir, `${TEMP_PREFIX}${process.pid}.${++tempSeq}.${basename(path)}`);
  const fh = await open(temp, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  let created = true;
  if (mode === 'replace') {
    await rename(temp, path);
  } else {
    try {
      await link(temp, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      created = false;
    } finally {
      await unlink(temp);
    }
  }
  await fsyncDir(dir);
  return created;
}

/**
 * Removes `path`; a file already gone is fine.
 * @param path - the file.
 */
export async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Whether process `pid` is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes the temporary files that writers which died left in `dir` (those of live processes,
 * which may be writing right now, are kept). Returns how many it deleted.
 * @param dir - the directory.
 */
export async function removeStaleTemps(dir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir)) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const pid = Number(name.slice(TEMP_PREFIX.length).split('.')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    await removeIfPresent(join(dir, name));
    removed++;
  }
  return removed;
}
