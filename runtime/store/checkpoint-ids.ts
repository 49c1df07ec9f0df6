/**
 * The store's guard on checkpoint ids: a store only accepts ids its counter handed out, once.
 * @packageDocumentation
 */
import type { CheckpointId } from '../../spec/index.js';

/**
 * A checkpoint that names an id the counter never handed out, or one already retained: a caller
 * bug, refused before anything is written.
 */
export class CheckpointIdError extends Error {
  /**
   * Creates the error.
   * @param checkpointId - the id.
   * @param why - what is wrong with it.
   */
  constructor(
    readonly checkpointId: CheckpointId,
    why: string,
  ) {
    super(`checkpoint ${checkpointId} refused: ${why}`);
    this.name = 'CheckpointIdError';
  }
}

/**
 * Checks that `checkpoint` may be added to a store whose next id is `nextId`.
 * @param checkpointId - the new checkpoint's id.
 * @param nextId - the counter's high-water mark.
 * @param retained - ids retained now.
 */
export function assertNewId(checkpointId: CheckpointId, nextId: CheckpointId, retained: readonly CheckpointId[]): void {
  if (checkpointId >= nextId) throw new CheckpointIdError(checkpointId, `the id counter has not handed it out (next id ${nextId})`);
  if (retained.includes(checkpointId)) throw new CheckpointIdError(checkpointId, 'it is already stored');
}
