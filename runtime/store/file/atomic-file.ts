/**
 * Crash-safe file writes: the bytes go to a temporary file in the same directory, which is
 * fsynced, then renamed (or hard-linked, to create only if absent) onto its name, and the
 * directory is fsynced. A crash at any instant leaves the old file, or the new one, never a torn
 * one; what a crash leaves behind is a temporary file that {@link removeStaleTemps} deletes.
 * @packageDocumentation
 */
import { close, fsync, link, open, rename, unlink, write } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_PREFIX = '.tmp.';
let tempSeq = 0;

// The callback API, one promise per step rather than per system call: a checkpoint's durable
// writes run on the thread that also moves the records, so their bookkeeping is kept small.
type Done<T> = (error: NodeJS.ErrnoException | null, value: T) => void;
const call = <T = void>(start: (done: Done<T>) => void): Promise<T> => new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));

/** Flushes the open file `fd` to disk and closes it (closing it also when the flush fails). */
function syncAndClose(fd: number, done: Done<void>): void {
  fsync(fd, (syncError) => close(fd, (closeError) => done(syncError ?? closeError, undefined)));
}

/**
 * Fsyncs a directory, so that names created, renamed or removed in it are durable (or a file, so
 * that its contents are).
 * @param dir - the directory (or file).
 */
export function fsyncDir(dir: string): Promise<void> {
  return call<void>((done) => open(dir, 'r', (e, fd) => (e ? done(e, undefined) : syncAndClose(fd, done))));
}

/** Creates `path` (which must not exist), writes `data` to it whole, fsyncs and closes it. */
function createDurably(path: string, data: Uint8Array): Promise<void> {
  return call<void>((done) =>
    open(path, 'wx', (e, fd) => {
      if (e) return done(e, undefined);
      const from = (offset: number): void => {
        if (offset >= data.byteLength) return syncAndClose(fd, done);
        write(fd, data, offset, data.byteLength - offset, null, (we, written) => (we ? close(fd, () => done(we, undefined)) : from(offset + written)));
      };
      from(0);
    }),
  );
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
  await createDurably(temp, data);
  let created = true;
  if (mode === 'replace') {
    await call((done) => rename(temp, path, (e) => done(e, undefined)));
  } else {
    try {
      await call((done) => link(temp, path, (e) => done(e, undefined)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      created = false;
    } finally {
      await call((done) => unlink(temp, (e) => done(e, undefined)));
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
    await call((done) => unlink(path, (e) => done(e, undefined)));
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
