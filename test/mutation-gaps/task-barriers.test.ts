/**
 * Behaviour of the task's input side the scenario tests left unpinned, found by mutation testing
 * (Stryker left mutants of `machines/task/barrier-handler.ts` and `barrier-tracker.ts` alive):
 * when an alignment times out or arms a timer, how a checkpoint completed by its only channel is
 * snapshotted, which timers are cancelled, what a switch to unaligned reports, and how the
 * at-least-once tracker follows cancel markers, repeated barriers and ended channels.
 */
import { describe, expect, it } from 'vitest';
import type { CheckpointOptions } from '../../spec/index.js';
import type { TaskCommand } from '../../machines/task/index.js';
import { broadcasts, channelOps, declines, messages, ofKind, OPTIONS, TaskHarness } from '../task/task-harness.js';

const ALTERNATING = { alignment: { mode: 'exactly-once', unaligned: true } } as const;
const AT_LEAST_ONCE = { alignment: { mode: 'at-least-once', unaligned: false } } as const;
const FORCED_ALIGNED: CheckpointOptions = { snapshot: 'checkpoint', alignment: 'forced-aligned', alignedCheckpointTimeoutMs: 100 };

/** The `[id, alignmentDurationMs, unaligned]` of each acknowledgement among some commands. */
function ackFigures(commands: readonly TaskCommand[]): Array<[number, number, boolean]> {
  return messages(commands).flatMap((m) => (m.type === 'acknowledgeCheckpoint' ? [[m.checkpointId, m.metrics.alignmentDurationMs, m.metrics.unaligned] as [number, number, boolean]] : []));
}

/** The `[id, unaligned]` of each synchronous snapshot part among some commands. */
const snapshots = (commands: readonly TaskCommand[]): Array<[number, boolean]> => ofKind(commands, 'snapshotSync').map((c) => [c.checkpointId, c.unaligned]);

describe('the first barrier of an aligned checkpoint', () => {
  it('arms no alignment timer at an aligned-only task, whatever timeout the options carry', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    const out = h.barrier(0, 1, OPTIONS.timeout(100));
    expect(channelOps(out)).toEqual(['block:0']);
    expect(ofKind(out, 'startTimer')).toEqual([]);
    expect(h.view.barrierHandler).toBe('aligned.collectingBarriers');
  });

  it('alternating, without a timeout: aligns however old the barrier is, and arms no timer', () => {
    const h = new TaskHarness({ inputChannels: 2, ...ALTERNATING });
    const out = h.barrier(0, 1, OPTIONS.aligned, h.now - 500);
    expect(channelOps(out)).toEqual(['block:0']);
    expect(ofKind(out, 'startTimer')).toEqual([]);
    expect(ofKind(out, 'snapshotSync')).toEqual([]);
    expect(h.view.barrierHandler).toBe('alternating.collectingBarriers');
  });

  it('alternating, within the timeout: aligns and arms the timer for the time left', () => {
    const h = new TaskHarness({ inputChannels: 2, ...ALTERNATING });
    const out = h.barrier(0, 1, OPTIONS.timeout(100), h.now - 30);
    expect(channelOps(out)).toEqual(['block:0']);
    expect(ofKind(out, 'startTimer')).toEqual([{ kind: 'startTimer', timer: 'alignment:1', delayMs: 70 }]);
  });

  it('alternating, exactly at the timeout: still aligned (only a longer wait times out), the timer due at once', () => {
    const h = new TaskHarness({ inputChannels: 2, ...ALTERNATING });
    const out = h.barrier(0, 1, OPTIONS.timeout(100), h.now - 100);
    expect(channelOps(out)).toEqual(['block:0']);
    expect(ofKind(out, 'startTimer')).toEqual([{ kind: 'startTimer', timer: 'alignment:1', delayMs: 0 }]);
    expect(h.view.barrierHandler).toBe('alternating.collectingBarriers');
  });

  it('alternating, forced-aligned: always aligns, past its timeout too, and arms no timer', () => {
    const h = new TaskHarness({ inputChannels: 3, ...ALTERNATING });
    const first = h.barrier(0, 1, FORCED_ALIGNED, h.now - 500);
    expect(channelOps(first)).toEqual(['block:0']);
    expect(ofKind(first, 'startTimer')).toEqual([]);
    // a further barrier long after the timeout is not late: forced alignment never switches
    expect(channelOps(h.barrier(1, 1, FORCED_ALIGNED, h.now - 500))).toEqual(['block:1']);
    const last = h.barrier(2, 1, FORCED_ALIGNED, h.now - 500);
    expect(snapshots(last)).toEqual([[1, false]]);
    expect(channelOps(last)).toEqual(['unblock:0', 'unblock:1']);
  });
});

describe('the only open channel delivers the first barrier: the checkpoint starts at once', () => {
  it('aligned-only task: the snapshot is aligned, unaligned options notwithstanding', () => {
    const h = new TaskHarness({ inputChannels: 1 });
    const out = h.barrier(0, 1, OPTIONS.unaligned);
    expect(snapshots(out)).toEqual([[1, false]]);
    expect(ackFigures(out)).toEqual([[1, 0, false]]);
  });

  it('alternating task: aligned options snapshot aligned, unaligned options unaligned', () => {
    const h = new TaskHarness({ inputChannels: 1, ...ALTERNATING });
    expect(snapshots(h.barrier(0, 1, OPTIONS.aligned))).toEqual([[1, false]]);
    expect(snapshots(h.barrier(0, 2, OPTIONS.unaligned))).toEqual([[2, true]]);
  });
});

describe('releasing an alignment without a timer', () => {
  it('an abort (cancel marker, end of partition) cancels no timer', () => {
    const h = new TaskHarness({ inputChannels: 3 });
    h.barrier(0, 1);
    const cancelled = h.cancelMarker(1, 1);
    expect(declines(cancelled)).toEqual([[1, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER']]);
    expect(channelOps(cancelled)).toEqual(['unblock:0']);
    expect(ofKind(cancelled, 'cancelTimer')).toEqual([]);
    h.barrier(0, 2);
    const ended = h.endOfPartition(1);
    expect(declines(ended)).toEqual([[2, 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM']]);
    expect(ofKind(ended, 'cancelTimer')).toEqual([]);
  });

  it('the last barrier cancels no timer', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    h.barrier(0, 1);
    const last = h.barrier(1, 1);
    expect(snapshots(last)).toEqual([[1, false]]);
    expect(ofKind(last, 'cancelTimer')).toEqual([]);
  });
});

describe('the alignment timer fires: the checkpoint switches to unaligned', () => {
  it('the fired timer is not cancelled; the snapshot captures until every barrier arrived, then reports the alignment time', () => {
    const h = new TaskHarness({ inputChannels: 3, ...ALTERNATING });
    h.barrier(0, 1, OPTIONS.timeout(100));
    h.now += 100;
    const fired = h.send({ type: 'timer.fired', timer: 'alignment:1', now: h.now });
    expect(ofKind(fired, 'cancelTimer')).toEqual([]);
    expect(channelOps(fired)).toEqual(['capture:1', 'capture:2', 'unblock:0']);
    expect(snapshots(fired)).toEqual([[1, true]]);
    expect(ofKind(fired, 'snapshotAsync')).toEqual([]);
    expect(h.view.snapshotsInProgress).toEqual([{ checkpointId: 1, phase: 'capturing' }]);
    expect(h.view.barrierHandler).toBe('alternating.collectingBarriersUnaligned');

    h.now += 50;
    // one of two channels still to deliver: not the last barrier yet
    const next = h.barrier(1, 1, OPTIONS.timeout(100), 1000);
    expect(channelOps(next)).toEqual(['release:1']);
    expect(ofKind(next, 'snapshotAsync')).toEqual([]);
    expect(h.view.capturingChannels).toEqual([2]);
    expect(h.view.snapshotsInProgress).toEqual([{ checkpointId: 1, phase: 'capturing' }]);

    const last = h.barrier(2, 1, OPTIONS.timeout(100), 1000);
    expect(channelOps(last)).toEqual(['release:2']);
    expect(ackFigures(last)).toEqual([[1, 100, true]]);
    expect(h.view.barrierHandler).toBe('alternating.waitingForFirstBarrier');
  });
});

describe('at-least-once tracking', () => {
  const B = OPTIONS.atLeastOnce;

  it('a single open channel: each barrier triggers at once, aligned, with no alignment time', () => {
    const h = new TaskHarness({ inputChannels: 1, ...AT_LEAST_ONCE });
    const out = h.barrier(0, 1, B);
    expect(broadcasts(out)).toEqual(['barrier:1']);
    expect(snapshots(out)).toEqual([[1, false]]);
    expect(ackFigures(out)).toEqual([[1, 0, false]]);
    expect(h.view.trackedCheckpoints).toEqual([]);
  });

  it('triggers with the first barrier’s timestamp once the last channel delivers, reporting the time in between as alignment', () => {
    const h = new TaskHarness({ inputChannels: 2, ...AT_LEAST_ONCE });
    h.barrier(0, 1, B, 900);
    h.now += 40;
    const last = h.barrier(1, 1, B, 950);
    expect(ofKind(last, 'snapshotSync')).toMatchObject([{ checkpointId: 1, timestamp: 900, unaligned: false }]);
    expect(ofKind(last, 'broadcast')).toMatchObject([{ event: { type: 'barrier', checkpointId: 1, timestamp: 900 } }]);
    expect(ackFigures(last)).toEqual([[1, 40, false]]);
  });

  it('a repeated barrier of the checkpoint that just triggered is ignored, not tracked again', () => {
    const h = new TaskHarness({ inputChannels: 2, ...AT_LEAST_ONCE });
    h.barrier(0, 1, B);
    h.barrier(1, 1, B);
    expect(h.barrier(0, 1, B)).toEqual([]);
    expect(h.view.trackedCheckpoints).toEqual([]);
    expect(h.view.barrierHandler).toBe('atLeastOnce.waitingForBarriers');
  });

  it('a cancel marker of an older, untracked checkpoint changes nothing: the tracked newer one still triggers', () => {
    const h = new TaskHarness({ inputChannels: 2, ...AT_LEAST_ONCE });
    h.barrier(0, 3, B);
    expect(h.cancelMarker(1, 2)).toEqual([]);
    expect(h.view.trackedCheckpoints).toEqual([3]);
    expect(snapshots(h.barrier(1, 3, B))).toEqual([[3, false]]);
  });

  it('a cancel marker after a barrier declines the checkpoint; its remaining barriers trigger nothing', () => {
    const h = new TaskHarness({ inputChannels: 3, ...AT_LEAST_ONCE });
    h.barrier(0, 1, B);
    expect(declines(h.cancelMarker(1, 1))).toEqual([[1, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER']]);
    expect(h.view.trackedCheckpoints).toEqual([1]);
    expect(h.barrier(2, 1, B)).toEqual([]);
    expect(h.view.trackedCheckpoints).toEqual([]);
  });

  it('the last barrier of a cancelled checkpoint starts nothing: a coordinator abort of it stays noted until a newer checkpoint starts', () => {
    const h = new TaskHarness({ inputChannels: 3, ...AT_LEAST_ONCE });
    expect(h.aborted(1)).toEqual([]);
    expect(h.view.abortedBeforeStart).toEqual([1]);
    h.barrier(0, 1, B);
    expect(declines(h.cancelMarker(1, 1))).toEqual([[1, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER']]);
    expect(h.barrier(2, 1, B)).toEqual([]);
    expect(h.view.abortedBeforeStart).toEqual([1]);
    h.barrier(0, 2, B);
    h.barrier(1, 2, B);
    expect(snapshots(h.barrier(2, 2, B))).toEqual([[2, false]]);
    expect(h.view.abortedBeforeStart).toEqual([]);
  });

  it('a cancelled checkpoint is no longer tracked once every channel delivered its barrier or the marker', () => {
    const h = new TaskHarness({ inputChannels: 2, ...AT_LEAST_ONCE });
    h.barrier(0, 1, B);
    h.cancelMarker(1, 1);
    expect(h.view.trackedCheckpoints).toEqual([]);
    expect(h.view.barrierHandler).toBe('atLeastOnce.waitingForBarriers');
  });

  it('a cancel marker of a new checkpoint declines it and tracks it until every channel delivered', () => {
    const h = new TaskHarness({ inputChannels: 2, ...AT_LEAST_ONCE });
    const out = h.cancelMarker(0, 5);
    expect(declines(out)).toEqual([[5, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER']]);
    expect(broadcasts(out)).toEqual(['cancelMarker:5']);
    expect(h.view.trackedCheckpoints).toEqual([5]);
    expect(h.barrier(1, 5, B)).toEqual([]);
    expect(h.view.trackedCheckpoints).toEqual([]);
  });

  it('at a single open channel, a cancel marker of a new checkpoint is declined and not tracked', () => {
    const h = new TaskHarness({ inputChannels: 1, ...AT_LEAST_ONCE });
    expect(declines(h.cancelMarker(0, 5))).toEqual([[5, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER']]);
    expect(h.view.trackedCheckpoints).toEqual([]);
    expect(h.view.barrierHandler).toBe('atLeastOnce.waitingForBarriers');
  });

  it('when the last channel ends, every tracked checkpoint is declined and nothing stays tracked', () => {
    const h = new TaskHarness({ inputChannels: 2, ...AT_LEAST_ONCE });
    h.barrier(0, 1, B);
    // channel 0's barrier no longer counts once it ended; channel 1 has not delivered
    expect(h.endOfPartition(0)).toEqual([]);
    expect(h.view.trackedCheckpoints).toEqual([1]);
    const out = h.endOfPartition(1);
    expect(declines(out)).toEqual([[1, 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM']]);
    expect(h.view.trackedCheckpoints).toEqual([]);
  });
});
