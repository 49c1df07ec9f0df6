/**
 * Behaviour of the coordinator's pure helpers that the scenario tests left unpinned, found by
 * mutation testing: timer names read back, the observations of abort notices and counted failures,
 * a fresh coordinator's empty store, retention keeping the newest checkpoint behind a newer
 * savepoint, and queue priority by age.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../spec/index.js';
import { addAndSubsume, comparePriority, coordinatorTimerName, coordinatorTimerOf, initialContext, observationsOf } from '../../machines/coordinator/index.js';
import type { CompletedCheckpoint, CoordinatorTimer, TriggerRequest } from '../../machines/coordinator/index.js';
import { PersistentMap } from '../../machines/_internals/persistent-map.js';
import { SIMPLE_JOB } from '../support/coordinator-fixture.js';

describe('coordinator timer names', () => {
  it('read back as the timer they name', () => {
    const timers: CoordinatorTimer[] = [{ kind: 'periodic' }, { kind: 'heartbeat' }, { kind: 'timeout', checkpointId: 42 }];
    for (const t of timers) expect(coordinatorTimerOf(coordinatorTimerName(t))).toEqual(t);
    expect(coordinatorTimerOf('timeout/7')).toEqual({ kind: 'timeout', checkpointId: 7 });
    expect(coordinatorTimerOf('periodic')).toEqual({ kind: 'periodic' });
    expect(coordinatorTimerOf('heartbeat')).toEqual({ kind: 'heartbeat' });
  });
});

describe('observations of commands', () => {
  const config = resolveConfig({ tolerableFailures: 3 });

  it('an abort notice is observed as an aborted notification', () => {
    expect(observationsOf({ kind: 'notifyAborted', checkpointId: 5, timestamp: 0, latestCompletedCheckpointId: 4, recipients: [] }, config)).toEqual([
      { kind: 'notified', checkpointId: 5, outcome: 'aborted' },
    ]);
  });

  it('a counted failure is observed with the tolerable bound of the configuration', () => {
    expect(observationsOf({ kind: 'failureCounted', checkpointId: 6, reason: 'CHECKPOINT_DECLINED', counter: 2, failedJob: false }, config)).toEqual([
      { kind: 'failureCounted', checkpointId: 6, reason: 'CHECKPOINT_DECLINED', counter: 2, tolerable: 3, failedJob: false },
    ]);
  });

  it('commands the protocol properties do not judge stand for no observation', () => {
    expect(observationsOf({ kind: 'startTimer', timer: { kind: 'periodic' }, delayMs: 10 }, config)).toEqual([]);
    expect(observationsOf({ kind: 'allocateId', seq: 1 }, config)).toEqual([]);
  });
});

describe('a fresh coordinator', () => {
  it('starts with an empty store when none is given', () => {
    const ctx = initialContext({ topology: SIMPLE_JOB, config: resolveConfig({}) });
    expect(ctx.completed).toEqual([]);
    expect(ctx.failures.lastSucceeded).toBe(0);
  });
});

const entry = (checkpointId: number, snapshot: CompletedCheckpoint['snapshot']): CompletedCheckpoint => ({
  checkpointId,
  snapshot,
  timestamp: checkpointId,
  completedAt: checkpointId,
  discardOnSubsume: snapshot === 'checkpoint',
  taskStates: PersistentMap.empty(),
  hookStates: {},
});

describe('retention', () => {
  it('keeps the newest checkpoint when a savepoint completes after it, even over capacity', () => {
    const r = addAndSubsume([entry(1, 'checkpoint')], entry(2, 'savepoint'), 1);
    expect(r.retained.map((c) => c.checkpointId)).toEqual([1, 2]);
    expect(r.subsumed).toEqual([]);
  });
});

describe('queue priority', () => {
  const request = (seq: number, createdAt: number): TriggerRequest => ({ seq, requestId: `r${seq}`, snapshot: 'checkpoint', forced: false, periodic: false, createdAt });

  it('puts the older of two requests of the same kind first, whatever their submission order', () => {
    expect(comparePriority(request(2, 10), request(1, 20))).toBeLessThan(0);
    expect(comparePriority(request(1, 20), request(2, 10))).toBeGreaterThan(0);
  });
});
