/**
 * A transactional two-phase-commit sink that writes files (like Flink's file sink): the open
 * transaction buffers its records; pre-commit (on snapshot) writes them to a pending file;
 * commit (on checkpoint completion) renames the pending file into `committed/`, atomically.
 * Recover-and-commit is idempotent (a committed file stays; a pending one is renamed); abort
 * drops the open transaction. Only `committed/` is output.
 *
 * Durability: with `fsync`, pending files are written and flushed to disk by
 * {@link FileSink.sync}, which the sink task's snapshot runs in its asynchronous part, before the
 * task acknowledges: a checkpoint completes only when its transactions are durable.
 * @packageDocumentation
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../runtime/store/index.js';
import type { TwoPhaseCommitSink } from '../runtime/task/ports.js';
import type { TransactionId } from '../machines/task/index.js';

/**
 * A transaction id as a file name (`sink#0/a1/txn-4` becomes `sink-0_a1_txn-4`).
 * @param transactionId - the id.
 */
export function transactionFileName(transactionId: TransactionId): string {
  return `${transactionId.replace(/[#/\\:]/g, (c) => (c === '#' ? '-' : '_'))}.txt`;
}

/** A two-phase-commit sink over one directory (shared by the attempts of one sink task). */
export class FileSink implements TwoPhaseCommitSink {
  private readonly pendingDir: string;
  private readonly committedDir: string;
  private readonly buffers = new Map<TransactionId, string[]>();
  private current: string[] | null = null;
  private unwritten: Array<{ readonly path: string; readonly lines: string[] }> = [];

  /**
   * Opens (creating) the sink's directory.
   * @param dir - the sink task's directory.
   * @param fsync - whether pending files are flushed to disk before the snapshot acknowledges.
   */
  constructor(
    readonly dir: string,
    private readonly fsync: boolean,
  ) {
    this.pendingDir = join(dir, 'pending');
    this.committedDir = join(dir, 'committed');
    mkdirSync(this.pendingDir, { recursive: true });
    mkdirSync(this.committedDir, { recursive: true });
  }

  /**
   * Adds a line to the open transaction.
   * @param line - the line, with its newline.
   * @throws when no transaction is open.
   */
  write(line: string): void {
    if (this.current === null) throw new Error(`no open transaction in ${this.dir}`);
    this.current.push(line);
  }

  /**
   * Opens a transaction; later records go into it.
   * @param transactionId - its id (unique per task).
   */
  beginTransaction(transactionId: TransactionId): void {
    const name = transactionFileName(transactionId);
    if (this.buffers.has(transactionId) || existsSync(join(this.pendingDir, name)) || existsSync(join(this.committedDir, name))) {
      throw new Error(`transaction ${transactionId} already exists`);
    }
    this.current = [];
    this.buffers.set(transactionId, this.current);
  }

  /**
   * Pre-commits the transaction: its records go to a pending file (written now, or by `sync`).
   * @param transactionId - the transaction.
   */
  preCommit(transactionId: TransactionId): void {
    const lines = this.buffers.get(transactionId);
    if (lines === undefined) throw new Error(`transaction ${transactionId} is not open`);
    const path = join(this.pendingDir, transactionFileName(transactionId));
    this.buffers.delete(transactionId);
    if (this.current === lines) this.current = null;
    // With fsync the file is written (off the main thread) and flushed by `sync`, which the
    // snapshot's asynchronous part awaits before the task acknowledges; nothing commits before.
    if (this.fsync) this.unwritten.push({ path, lines });
    else writeFileSync(path, lines.join(''));
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
   * Drops the open transaction's records.
   * @param transactionId - the transaction.
   */
  abort(transactionId: TransactionId): void {
    const lines = this.buffers.get(transactionId);
    this.buffers.delete(transactionId);
    if (lines !== undefined && this.current === lines) this.current = null;
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
   * On restore: aborts the transaction that was open in the restored snapshot.
   * @param transactionId - the transaction.
   */
  recoverAndAbort(transactionId: TransactionId): void {
    const name = transactionFileName(transactionId);
    if (existsSync(join(this.committedDir, name))) throw new Error(`transaction ${transactionId} was committed`);
    rmSync(join(this.pendingDir, name), { force: true });
    this.abort(transactionId);
  }

  /**
   * Writes and flushes to disk every pending file pre-committed since the last call, then the
   * directory. Nothing to do without `fsync` (pre-commit wrote the file at once).
   */
  async sync(): Promise<void> {
    if (this.unwritten.length === 0) return;
    const files = this.unwritten;
    this.unwritten = [];
    // Each file is written to a temporary name, flushed, renamed, and its directory flushed.
    await Promise.all(files.map((f) => writeAtomic(f.path, Buffer.from(f.lines.join('')), 'replace')));
  }
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
