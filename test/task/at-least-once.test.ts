import { describe, expect, it } from 'vitest';
import { MAX_TRACKED_CHECKPOINTS } from '../../machines/task/index.js';
import { acks, broadcasts, channelOps, declines, OPTIONS, TaskHarness } from './task-harness.js';

const AT_LEAST_ONCE = { alignment: { mode: 'at-least-once', unaligned: false } } as const;
const B = OPTIONS.atLeastOnce;

describe('at-least-once barrier tracking', () => {
  it('never blocks and triggers once every open channel delivered the id', () => {
    const h = new TaskHarness({ inputChannels: 3, ...AT_LEAST_ONCE });
    expect(h.view.barrierHandler).toBe('atLeastOnce.waitingForBarriers');
    expect(h.barrier(0, 1, B)).toEqual([]);
    expect(h.view.barrierHandler).toBe('atLeastOnce.trackingBarriers');
    expect(h.barrier(2, 1, B)).toEqual([]);
    const last = h.barrier(1, 1, B);
    expect(channelOps(last)).toEqual([]);
    expect(broadcasts(last)).toEqual(['barrier:1']);
    expect(acks(last)).toEqual([1]);
    expect(h.view.barrierHandler).toBe('atLeastOnce.waitingForBarriers');
  });

  it('tracks several ids at once', () => {
    const h = new TaskHarness({ inputChannels: 2, ...AT_LEAST_ONCE });
    h.barrier(0, 1, B);
    h.barrier(0, 2, B);
    h.barrier(0, 3, B);
    expect(h.view.trackedCheckpoints).toEqual([1, 2, 3]);
    expect(acks(h.barrier(1, 1, B))).toEqual([1]);
    expect(h.view.trackedCheckpoints).toEqual([2, 3]);
    expect(acks(h.barrier(1, 2, B))).toEqual([2]);
    expect(acks(h.barrier(1, 3, B))).toEqual([3]);
    expect(h.view.barrierHandler).toBe('atLeastOnce.waitingForBarriers');
  });

  it('a completed id drops every older tracked id (declined as subsumed), and their late barriers are obsolete', () => {
    const h = new TaskHarness({ inputChannels: 2, ...AT_LEAST_ONCE });
    h.barrier(0, 1, B);
    h.barrier(0, 2, B);
    h.barrier(1, 3, B);
    const out = h.barrier(0, 3, B);
    expect(declines(out)).toEqual([
      [1, 'CHECKPOINT_DECLINED_SUBSUMED'],
      [2, 'CHECKPOINT_DECLINED_SUBSUMED'],
    ]);
    expect(acks(out)).toEqual([3]);
    expect(h.view.trackedCheckpoints).toEqual([]);
    expect(h.barrier(1, 1, B)).toEqual([]);
    expect(h.barrier(1, 2, B)).toEqual([]);
  });

  it('a cancel marker aborts the id (and older ones); its remaining barriers trigger nothing', () => {
    const h = new TaskHarness({ inputChannels: 3, ...AT_LEAST_ONCE });
    h.barrier(0, 1, B);
    h.barrier(0, 2, B);
    const out = h.cancelMarker(1, 2);
    expect(declines(out)).toEqual([
      [1, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER'],
      [2, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER'],
    ]);
    expect(h.view.trackedCheckpoints).toEqual([2]);
    expect(h.barrier(2, 2, B)).toEqual([]);
    expect(h.view.trackedCheckpoints).toEqual([]);
    expect(h.view.lastStartedCheckpointId).toBe(2);
  });

  it('a cancel marker for an unseen newer id declines it once', () => {
    const h = new TaskHarness({ inputChannels: 2, ...AT_LEAST_ONCE });
    expect(declines(h.cancelMarker(0, 4))).toEqual([[4, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER']]);
    expect(declines(h.cancelMarker(1, 4))).toEqual([]);
    expect(h.barrier(0, 4, B)).toEqual([]);
  });

  it('end of partition reduces the expected count and may complete the newest tracked id', () => {
    const h = new TaskHarness({ inputChannels: 3, ...AT_LEAST_ONCE });
    h.barrier(0, 1, B);
    h.barrier(1, 1, B);
    const out = h.endOfPartition(2);
    expect(acks(out)).toEqual([1]);
    expect(h.view.openChannels).toBe(2);
    h.barrier(0, 2, B);
    expect(acks(h.barrier(1, 2, B))).toEqual([2]);
  });

  it('a channel that delivered an id and then ended no longer counts for it', () => {
    const h = new TaskHarness({ inputChannels: 3, ...AT_LEAST_ONCE });
    h.barrier(0, 1, B);
    h.endOfPartition(0);
    expect(h.barrier(1, 1, B)).toEqual([]);
    expect(acks(h.barrier(2, 1, B))).toEqual([1]);
  });

  it('the last channel ending declines every tracked id with CHECKPOINT_DECLINED_INPUT_END_OF_STREAM', () => {
    const h = new TaskHarness({ inputChannels: 2, ...AT_LEAST_ONCE });
    h.barrier(0, 1, B);
    h.endOfPartition(0);
    const out = h.endOfPartition(1);
    expect(declines(out)).toEqual([[1, 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM']]);
    expect(h.view.barrierHandler).toBe('inputsEnded');
  });

  it(`tracks at most ${MAX_TRACKED_CHECKPOINTS} ids: the oldest is dropped (declined)`, () => {
    const h = new TaskHarness({ inputChannels: 2, ...AT_LEAST_ONCE });
    for (let id = 1; id <= MAX_TRACKED_CHECKPOINTS; id++) expect(declines(h.barrier(0, id, B))).toEqual([]);
    expect(declines(h.barrier(0, MAX_TRACKED_CHECKPOINTS + 1, B))).toEqual([[1, 'CHECKPOINT_DECLINED_SUBSUMED']]);
    expect(h.view.trackedCheckpoints).toHaveLength(MAX_TRACKED_CHECKPOINTS);
    expect(h.view.trackedCheckpoints[0]).toBe(2);
  });
});
