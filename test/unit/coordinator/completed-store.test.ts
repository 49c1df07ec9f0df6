/**
 * The store's subsumption rule (CheckpointSubsumeHelperTest, StandaloneCompletedCheckpointStoreTest).
 */
import { describe, expect, it } from 'vitest';
import type { SnapshotKind } from '../../../spec/index.js';
import { PersistentMap } from '../../../machines/_internals/persistent-map.js';
import type { CompletedCheckpoint } from '../../../machines/coordinator/index.js';
import { addAndSubsume, lastSubsumedId } from '../../../machines/coordinator/index.js';

const cc = (checkpointId: number, snapshot: SnapshotKind = 'checkpoint', discardOnSubsume = snapshot === 'checkpoint' || snapshot === 'full'): CompletedCheckpoint => ({
  checkpointId,
  snapshot,
  timestamp: checkpointId,
  completedAt: checkpointId,
  discardOnSubsume,
  taskStates: PersistentMap.empty(),
  hookStates: {},
});

const ids = (cs: readonly CompletedCheckpoint[]) => cs.map((c) => c.checkpointId);

describe('addAndSubsume', () => {
  it('keeps the newest `capacity` checkpoints', () => {
    const r1 = addAndSubsume([cc(1)], cc(2), 1);
    expect([ids(r1.retained), ids(r1.subsumed)]).toEqual([[2], [1]]);
    const r3 = addAndSubsume([cc(1), cc(2), cc(3)], cc(4), 3);
    expect([ids(r3.retained), ids(r3.subsumed)]).toEqual([[2, 3, 4], [1]]);
    const room = addAndSubsume([cc(1)], cc(2), 3);
    expect([ids(room.retained), ids(room.subsumed)]).toEqual([[1, 2], []]);
  });

  it('removes savepoint entries, even in the middle, to make room', () => {
    const r = addAndSubsume([cc(1, 'savepoint'), cc(2), cc(3, 'savepoint')], cc(4), 2);
    expect([ids(r.retained), ids(r.subsumed)]).toEqual([[3, 4], [1, 2]]);
  });

  it('never removes the newest non-savepoint checkpoint behind a newest savepoint', () => {
    const r = addAndSubsume([cc(1), cc(2)], cc(3, 'savepoint'), 1);
    expect([ids(r.retained), ids(r.subsumed)]).toEqual([[2, 3], [1]]);
  });

  it('removes anything older when the newest entry is a sync savepoint', () => {
    const r = addAndSubsume([cc(1), cc(2)], cc(3, 'sync-savepoint'), 1);
    expect([ids(r.retained), ids(r.subsumed)]).toEqual([[3], [1, 2]]);
  });

  it('never removes the newest entry', () => {
    const r = addAndSubsume([], cc(1, 'savepoint'), 1);
    expect([ids(r.retained), ids(r.subsumed)]).toEqual([[1], []]);
  });
});

describe('lastSubsumedId', () => {
  it('is the newest subsumed checkpoint when its state is discarded on subsumption, else -1', () => {
    expect(lastSubsumedId([])).toBe(-1);
    expect(lastSubsumedId([cc(1), cc(2)])).toBe(2);
    expect(lastSubsumedId([cc(1), cc(2, 'savepoint')])).toBe(-1);
  });
});
