/**
 * The typed errors of durable stores. A write from a deposed leader is refused with
 * {@link FencedWriteError} and changes nothing.
 * @packageDocumentation
 */

/** The write operations a leader epoch guards. */
export type FencedOperation = 'add' | 'allocate' | 'check';

/**
 * A write carried an epoch that is not the store's current leader epoch: the writer was deposed
 * (a newer leader acquired a higher epoch), or the epoch was never handed out. Nothing changed.
 */
export class FencedWriteError extends Error {
  /** Always `'fenced'`, for callers that switch on codes. */
  readonly code = 'fenced';
  /** The operation that was refused. */
  readonly operation: FencedOperation;
  /** The epoch the writer carried. */
  readonly writerEpoch: number;
  /** The store's current epoch when the write was refused. */
  readonly currentEpoch: number;

  /**
   * Creates the error.
   * @param operation - the refused operation.
   * @param writerEpoch - the writer's epoch.
   * @param currentEpoch - the store's current epoch.
   */
  constructor(operation: FencedOperation, writerEpoch: number, currentEpoch: number) {
    const why = writerEpoch < currentEpoch ? 'the writer was deposed' : 'that epoch was never acquired';
    super(`${operation} refused: writer epoch ${writerEpoch}, current leader epoch ${currentEpoch} (${why})`);
    this.name = 'FencedWriteError';
    this.operation = operation;
    this.writerEpoch = writerEpoch;
    this.currentEpoch = currentEpoch;
  }
}

/**
 * Throws {@link FencedWriteError} unless `writerEpoch` is the current epoch (and at least 1).
 * @param operation - the write being checked.
 * @param writerEpoch - the writer's epoch.
 * @param currentEpoch - the store's current epoch.
 */
export function assertEpoch(operation: FencedOperation, writerEpoch: number, currentEpoch: number): void {
  if (writerEpoch < 1 || writerEpoch !== currentEpoch) throw new FencedWriteError(operation, writerEpoch, currentEpoch);
}

/** A stored state payload failed its checksum (or could not be decoded) when read back. */
export class CorruptStateError extends Error {
  /** The state handle's key. */
  readonly key: string;

  /**
   * Creates the error.
   * @param key - the handle's key.
   * @param reason - what is wrong.
   */
  constructor(key: string, reason: string) {
    super(`state ${key} is corrupt: ${reason}`);
    this.name = 'CorruptStateError';
    this.key = key;
  }
}
