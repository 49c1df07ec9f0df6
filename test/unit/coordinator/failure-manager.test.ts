/**
 * The failure manager (CheckpointFailureManagerTest), as a pure reducer.
 */
import { describe, expect, it } from 'vitest';
import type { CheckpointFailureReason } from '../../../spec/index.js';
import { CHECKPOINT_FAILURE_REASONS, isCountedFailure } from '../../../spec/index.js';
import type { FailureCounter, FailureReport } from '../../../machines/coordinator/index.js';
import { handleFailure, handleSuccess, INITIAL_FAILURE_COUNTER } from '../../../machines/coordinator/index.js';

const report = (checkpointId: number, reason: CheckpointFailureReason = 'CHECKPOINT_EXPIRED', over: Partial<FailureReport> = {}): FailureReport => ({
  checkpointId,
  reason,
  snapshot: 'checkpoint',
  taskLevel: false,
  ...over,
});

/** Feeds failures in order; returns the final state and which ones failed the job. */
function run(tolerable: number, failures: FailureReport[], start: FailureCounter = INITIAL_FAILURE_COUNTER) {
  let state = start;
  const failed: number[] = [];
  const counted: number[] = [];
  failures.forEach((f, i) => {
    const d = handleFailure(state, f, tolerable);
    if (d.failJob) failed.push(i);
    if (d.counted) counted.push(i);
    state = d.state;
  });
  return { state, failed, counted };
}

describe('handleFailure', () => {
  it('counts exactly the counted reasons', () => {
    for (const reason of CHECKPOINT_FAILURE_REASONS) {
      const d = handleFailure(INITIAL_FAILURE_COUNTER, report(1, reason), 10);
      expect(d.counted, reason).toBe(isCountedFailure(reason));
    }
    expect(CHECKPOINT_FAILURE_REASONS.filter(isCountedFailure)).toEqual(['IO_EXCEPTION', 'CHECKPOINT_ASYNC_EXCEPTION', 'CHECKPOINT_EXPIRED', 'CHECKPOINT_DECLINED', 'FINALIZE_CHECKPOINT_FAILURE']);
  });

  it('counts a checkpoint id once', () => {
    const r = run(10, [report(1), report(1, 'CHECKPOINT_DECLINED', { taskLevel: true }), report(2)]);
    expect(r.counted).toEqual([0, 2]);
    expect(r.state.counter).toBe(2);
  });

  it('always counts failures without an id', () => {
    const r = run(10, [report(-1, 'IO_EXCEPTION'), report(-1, 'IO_EXCEPTION')]);
    expect(r.state.counter).toBe(2);
    expect(r.state.countedIds).toEqual([]);
  });

  it('ignores ids at or below the last success', () => {
    const start = handleSuccess(INITIAL_FAILURE_COUNTER, 5);
    const r = run(0, [report(4), report(5), report(6)], start);
    expect(r.counted).toEqual([2]);
    expect(r.failed).toEqual([2]);
  });

  it('fails the job when the counter exceeds the tolerance, then starts over', () => {
    const r = run(2, [report(1), report(2), report(3), report(4)]);
    expect(r.failed).toEqual([2]);
    expect(r.state).toMatchObject({ counter: 1, countedIds: [4] });
  });

  it('fails the job on the first counted failure with tolerance 0', () => {
    expect(run(0, [report(1)]).failed).toEqual([0]);
  });

  it('never counts with an unlimited tolerance', () => {
    const r = run(Infinity, Array.from({ length: 50 }, (_, i) => report(i + 1)));
    expect(r.counted).toEqual([]);
    expect(r.state).toBe(INITIAL_FAILURE_COUNTER);
  });

  it('never counts a savepoint failure on the coordinator side, sync or not', () => {
    const r = run(0, [report(1, 'CHECKPOINT_EXPIRED', { snapshot: 'savepoint' }), report(2, 'IO_EXCEPTION', { snapshot: 'sync-savepoint' })]);
    expect(r.counted).toEqual([]);
    expect(r.failed).toEqual([]);
  });

  it('fails the job at once for a task failing a sync savepoint, without counting', () => {
    const d = handleFailure(INITIAL_FAILURE_COUNTER, report(1, 'CHECKPOINT_DECLINED_TASK_NOT_READY', { snapshot: 'sync-savepoint', taskLevel: true }), Infinity);
    expect(d).toEqual({ state: INITIAL_FAILURE_COUNTER, counted: false, failJob: true });
  });

  it('does not count a task failing a plain savepoint', () => {
    const d = handleFailure(INITIAL_FAILURE_COUNTER, report(1, 'CHECKPOINT_DECLINED', { snapshot: 'savepoint', taskLevel: true }), 0);
    expect(d).toEqual({ state: INITIAL_FAILURE_COUNTER, counted: false, failJob: false });
  });
});

describe('handleSuccess', () => {
  it('resets the counter for an id newer than the last success only', () => {
    const failing = run(10, [report(7), report(8)], handleSuccess(INITIAL_FAILURE_COUNTER, 5)).state;
    expect(failing).toEqual({ counter: 2, countedIds: [7, 8], lastSucceeded: 5 });
    expect(handleSuccess(failing, 4)).toBe(failing);
    expect(handleSuccess(failing, 5)).toBe(failing);
    // A success resets even when newer ids failed (Flink's handleCheckpointSuccess).
    expect(handleSuccess(failing, 6)).toEqual({ counter: 0, countedIds: [], lastSucceeded: 6 });
  });
});
