/**
 * A transactional two-phase-commit sink that writes files, like Flink's file sink: the open
 * transaction appends its records to an in-progress file (in chunks); pre-commit (on snapshot)
 * appends the rest and renames it to a pending file; commit (on checkpoint completion) renames
 * the pending file into `committed/`, atomically. Recover-and-commit is idempotent (a committed
 * file stays; a pending one is renamed); abort deletes the open transaction's in-progress file.
 * Only `committed/` is output.
 *
 * Durability: with `fsync`, pending files and their directory are flushed to disk by
 * {@link FileSink.sync}, which the sink task's snapshot runs in its asynchronous part, before the
 * task acknowledges: a checkpoint completes only when its transactions are durable.
 * @packageDocumentation
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir } from '../runtime/store/index.js';
import type { TwoPhaseCommitSink } from '../runtime/task/ports.js';
import type { TransactionId } from '../machines/task/index.js';

/**
 * A transaction id as a file name (`sink#0/a1/txn-4` becomes `sink-0_a1_txn-4`).
 * @param transactionId - the id.
 */
export function transactionFileName(transactionId: TransactionId): string {
  return `${transactionId.replace(/[#/\\:]/g, (c) => (c === '#' ? '-' : '_'))}.txt`;
}

/** Characters an open transaction buffers before it appends them to its in-progress file. */
const CHUNK_CHARS = 64 * 1024;

/** An open transaction: its in-progress file and what is not appended yet. */
interface OpenTransaction {
  readonly path: string;
  lines: string[];
  chars: number;
}

/** A two-phase-commit sink over one directory (shared by the attempts of one sink task). */
export class FileSink implements TwoPhaseCommitSink {
  private readonly inProgressDir: string;
  private readonly pendingDir: string;
  private readonly committedDir: string;
  private readonly open = new Map<TransactionId, OpenTransaction>();
  private current: OpenTransaction | null = null;
  private unsynced: string[] = [];

  /**
   * Opens (creating) the sink's directory.
   * @param dir - the sink task's directory.
   * @param fsync - whether pending files are flushed to disk before the snapshot acknowledges.
   */
  constructor(
    readonly dir: string,
    private readonly fsync: boolean,
  ) {
    this.inProgressDir = join(dir, 'in-progress');
    this.pendingDir = join(dir, 'pending');
    this.committedDir = join(dir, 'committed');
    for (const d of [this.inProgressDir, this.pendingDir, this.committedDir]) mkdirSync(d, { recursive: true });
  }

  /**
   * Adds a line to the open transaction.
   * @param line - the line, with its newline.
   * @throws when no transaction is open.
   */
  write(line: string): void {
    const t = this.current;
    if (t === null) throw new Error(`no open transaction in ${this.dir}`);
    t.lines.push(line);
    t.chars += line.length;
    if (t.chars >= CHUNK_CHARS) flush(t);
  }

  /**
   * Opens a transaction; later records go into it.
   * @param transactionId - its id (unique per task).
   */
  beginTransaction(transactionId: TransactionId): void {
    const name = transactionFileName(transactionId);
    if (this.open.has(transactionId) || [this.inProgressDir, this.pendingDir, this.committedDir].some((d) => existsSync(join(d, name)))) {
      throw new Error(`transaction ${transactionId} already exists`);
    }
    this.current = { path: join(this.inProgressDir, name), lines: [], chars: 0 };
    appendFileSync(this.current.path, '');
    this.open.set(transactionId, this.current);
  }

  /**
   * Pre-commits the transaction: appends the rest of its records and renames its in-progress
   * file to a pending one (flushed to disk by `sync` with fsync).
   * @param transactionId - the transaction.
   */
  preCommit(transactionId: TransactionId): void {
    const t = this.open.get(transactionId);
    if (t === undefined) throw new Error(`transaction ${transactionId} is not open`);
    flush(t);
    const pending = join(this.pendingDir, transactionFileName(transactionId));
    renameSync(t.path, pending);
    this.open.delete(transactionId);
    if (this.current === t) this.current = null;
    if (this.fsync) this.unsynced.push(pending);
  }

  /**
   * Commits a pre-committed transaction: its pending file is renamed into `committed/`.
   * @param transactionId - the transaction.
   */
  commit(transactionId: TransactionId): void {
    const name = transactionFileName(transactionId);
    if (!existsSync(join(this.pendingDir, name))) throw new Error(`transaction ${transactionId} is not pre-committed`);
    renameSync(join(this.pendingDir, name), join(this.committedDir, name));
  }

  /**
   * Aborts the open transaction: its in-progress file is deleted.
   * @param transactionId - the transaction.
   */
  abort(transactionId: TransactionId): void {
    const t = this.open.get(transactionId);
    this.open.delete(transactionId);
    if (t !== undefined && this.current === t) this.current = null;
    rmSync(join(this.inProgressDir, transactionFileName(transactionId)), { force: true });
  }

  /**
   * On restore: commits a pre-committed transaction unless it is committed already (idempotent).
   * @param transactionId - the transaction.
   * @throws when neither its pending nor its committed file exists.
   */
  recoverAndCommit(transactionId: TransactionId): void {
    const name = transactionFileName(transactionId);
    if (existsSync(join(this.committedDir, name))) return;
    if (!existsSync(join(this.pendingDir, name))) throw new Error(`transaction ${transactionId} was neither pre-committed nor committed: its records are lost`);
    renameSync(join(this.pendingDir, name), join(this.committedDir, name));
  }

  /**
   * On restore: aborts the transaction that was open in the restored snapshot (its in-progress
   * or pending file, left by the failed attempt, is deleted).
   * @param transactionId - the transaction.
   */
  recoverAndAbort(transactionId: TransactionId): void {
    const name = transactionFileName(transactionId);
    if (existsSync(join(this.committedDir, name))) throw new Error(`transaction ${transactionId} was committed`);
    // A later checkpoint of the failed attempt may have pre-committed it; that checkpoint did not complete.
    rmSync(join(this.pendingDir, name), { force: true });
    this.abort(transactionId);
  }

  /**
   * Flushes every pending file pre-committed since the last call, and their directory, to disk.
   * Nothing to do without `fsync`.
   */
  async sync(): Promise<void> {
    if (this.unsynced.length === 0) return;
    const paths = this.unsynced;
    this.unsynced = [];
    // fsyncDir opens a path read-only and flushes it: a file's content, or a directory's names.
    await Promise.all(paths.map((p) => fsyncDir(p)));
    await fsyncDir(this.pendingDir);
  }
}

/** Appends what an open transaction buffered to its in-progress file. */
function flush(t: OpenTransaction): void {
  if (t.lines.length === 0) return;
  appendFileSync(t.path, t.lines.join(''));
  t.lines = [];
  t.chars = 0;
}

/**
 * Every committed line of every sink under `root` (one directory per sink task).
 * @param root - the directory holding the sinks' directories.
 */
export function* committedLines(root: string): Generator<string> {
  if (!existsSync(root)) return;
  for (const sink of readdirSync(root).sort()) {
    const dir = join(root, sink, 'committed');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      const text = readFileSync(join(dir, file), 'utf8');
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        yield text.slice(from, nl);
        from = nl + 1;
      }
    }
  }
}
