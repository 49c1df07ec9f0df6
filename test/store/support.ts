/**
 * Fixtures for the durable-store tests: temporary directories and completed checkpoints whose
 * contents follow from their id, so a test can tell a valid checkpoint from a torn one.
 * @packageDocumentation
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { SnapshotKind, StateHandle, TaskId } from '../../spec/index.js';
import type { CompletedCheckpoint } from '../../machines/coordinator/index.js';
import { taskStatesOf } from '../../runtime/store/index.js';

const dirs: string[] = [];

/** Removes every directory {@link tempDir} made, after each test. */
export function useTempDirs(): void {
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
}

/** A new empty temporary directory (removed after the test by {@link useTempDirs}). */
export async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'snapwright-store-'));
  dirs.push(d);
  return d;
}

/**
 * A completed checkpoint whose every field is a function of its id and `tasks`.
 * @param checkpointId - its id.
 * @param snapshot - its kind.
 * @param tasks - how many tasks it has.
 */
export function checkpointOf(checkpointId: number, snapshot: SnapshotKind = 'checkpoint', tasks = 3): CompletedCheckpoint {
  const entries: Array<[TaskId, StateHandle | null]> = [];
  for (let i = 0; i < tasks; i++) entries.push([`task#${i}`, i % 3 === 2 ? null : { key: `task#${i}/chk-${checkpointId}`, sizeBytes: checkpointId * 10 + i }]);
  return {
    checkpointId,
    snapshot,
    timestamp: 1000 * checkpointId,
    completedAt: 1000 * checkpointId + 7,
    discardOnSubsume: snapshot !== 'savepoint' && snapshot !== 'sync-savepoint',
    taskStates: taskStatesOf(entries),
    hookStates: { hook: { key: `hook/chk-${checkpointId}`, sizeBytes: 1 } },
  };
}

/**
 * A checkpoint as plain JSON data, to compare what was stored with what was read back.
 * @param c - the checkpoint.
 */
export function plain(c: CompletedCheckpoint): unknown {
  return JSON.parse(JSON.stringify(c));
}

/**
 * The ids of checkpoints, in order.
 * @param cs - the checkpoints.
 */
export const idsOf = (cs: readonly CompletedCheckpoint[]): number[] => cs.map((c) => c.checkpointId);
