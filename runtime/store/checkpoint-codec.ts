/**
 * A completed checkpoint as JSON text and back. Decoding checks the shape and reports a bad
 * document as a value, so a store can skip it and fall back to an older checkpoint.
 * @packageDocumentation
 */
import type { SnapshotKind, StateHandle, TaskId } from '../../spec/index.js';
import type { CompletedCheckpoint, TaskStates } from '../../machines/coordinator/index.js';

const KINDS: readonly SnapshotKind[] = ['checkpoint', 'full', 'savepoint', 'sync-savepoint'];

/** Task states read back from a store: a frozen map with the {@link TaskStates} interface. */
class StoredTaskStates implements TaskStates {
  private readonly map: ReadonlyMap<TaskId, StateHandle | null>;

  constructor(entries: ReadonlyArray<readonly [TaskId, StateHandle | null]>) {
    this.map = new Map(entries);
  }

  get size(): number {
    return this.map.size;
  }

  get(taskId: TaskId): StateHandle | null | undefined {
    return this.map.get(taskId);
  }

  forEach(fn: (state: StateHandle | null, taskId: TaskId) => void): void {
    this.map.forEach(fn);
  }

  toJSON(): Array<[TaskId, StateHandle | null]> {
    return [...this.map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/**
 * Task states from `[taskId, handle]` entries.
 * @param entries - the entries.
 */
export function taskStatesOf(entries: ReadonlyArray<readonly [TaskId, StateHandle | null]>): TaskStates {
  return new StoredTaskStates(entries);
}

/**
 * The checkpoint as JSON text (task states sorted by task id).
 * @param checkpoint - the checkpoint.
 */
export function encodeCheckpoint(checkpoint: CompletedCheckpoint): string {
  const { checkpointId, snapshot, timestamp, completedAt, discardOnSubsume, taskStates, hookStates } = checkpoint;
  return JSON.stringify({ checkpointId, snapshot, timestamp, completedAt, discardOnSubsume, taskStates: taskStates.toJSON(), hookStates });
}

const isHandle = (h: unknown): h is StateHandle | null =>
  h === null ||
  (typeof h === 'object' &&
    typeof (h as StateHandle).key === 'string' &&
    typeof (h as StateHandle).sizeBytes === 'number' &&
    ((h as StateHandle).inline === undefined || typeof (h as StateHandle).inline === 'string'));

/**
 * Decodes a checkpoint, or returns null when the text is not a well-formed one.
 * @param text - JSON text written by {@link encodeCheckpoint}.
 */
export function decodeCheckpoint(text: string): CompletedCheckpoint | null {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const { checkpointId, snapshot, timestamp, completedAt, discardOnSubsume, taskStates, hookStates } = doc;
  if (!Number.isInteger(checkpointId) || !KINDS.includes(snapshot as SnapshotKind)) return null;
  if (typeof timestamp !== 'number' || typeof completedAt !== 'number' || typeof discardOnSubsume !== 'boolean') return null;
  if (!Array.isArray(taskStates) || !taskStates.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && isHandle(e[1]))) return null;
  if (typeof hookStates !== 'object' || hookStates === null || !Object.values(hookStates).every(isHandle)) return null;
  return {
    checkpointId: checkpointId as number,
    snapshot: snapshot as SnapshotKind,
    timestamp,
    completedAt,
    discardOnSubsume,
    taskStates: taskStatesOf(taskStates as Array<[TaskId, StateHandle | null]>),
    hookStates: hookStates as Record<string, StateHandle | null>,
  };
}
