import { describe, expect, it } from 'vitest';
import { acks, broadcasts, channelOps, declines, ofKind, OPTIONS, TaskHarness } from './task-harness.js';

const UNALIGNED = { alignment: { mode: 'exactly-once', unaligned: true } } as const;

describe('unaligned checkpoints (alternating handler, unaligned options)', () => {
  it('snapshots at the first barrier and captures the other channels until their barriers arrive', () => {
    const h = new TaskHarness({ inputChannels: 3, ...UNALIGNED }, { asyncReplies: false });
    expect(h.view.barrierHandler).toBe('alternating.waitingForFirstBarrier');
    const first = h.barrier(1, 1, OPTIONS.unaligned);
    expect(channelOps(first)).toEqual(['capture:0', 'capture:2']);
    expect(broadcasts(first)).toEqual(['barrier:1']);
    expect(ofKind(first, 'snapshotSync')).toMatchObject([{ checkpointId: 1, unaligned: true }]);
    expect(h.view.barrierHandler).toBe('alternating.collectingBarriersUnaligned');
    expect(h.view.capturingChannels).toEqual([0, 2]);
    expect(h.view.blockedChannels).toEqual([]);

    expect(channelOps(h.barrier(2, 1, OPTIONS.unaligned))).toEqual(['release:2']);
    const last = h.barrier(0, 1, OPTIONS.unaligned);
    expect(channelOps(last)).toEqual(['release:0']);
    expect(broadcasts(last)).toEqual([]);
    expect(ofKind(last, 'snapshotSync')).toEqual([]);
    expect(h.view.barrierHandler).toBe('alternating.waitingForFirstBarrier');
    expect(h.view.capturingChannels).toEqual([]);
  });

  it('acknowledges only once the last barrier arrived (the captured in-flight data is complete)', () => {
    const h = new TaskHarness({ inputChannels: 2, ...UNALIGNED });
    const first = h.barrier(0, 1, OPTIONS.unaligned);
    expect(ofKind(first, 'snapshotAsync')).toEqual([]);
    expect(acks(first)).toEqual([]);
    expect(h.view.snapshotsInProgress).toEqual([{ checkpointId: 1, phase: 'capturing' }]);
    const last = h.barrier(1, 1, OPTIONS.unaligned);
    expect(ofKind(last, 'snapshotAsync').map((c) => c.checkpointId)).toEqual([1]);
    expect(acks(last)).toEqual([1]);
  });

  it('channels are not blocked: other input keeps flowing on channels that delivered the barrier', () => {
    const h = new TaskHarness({ inputChannels: 2, ...UNALIGNED });
    h.barrier(0, 1, OPTIONS.unaligned);
    // a cancel marker of an older checkpoint on the same channel is accepted (ignored), not rejected
    expect(ofKind(h.cancelMarker(0, 1), 'rejected')).toEqual([]);
  });

  it('a duplicate barrier on a channel that delivered it is rejected', () => {
    const h = new TaskHarness({ inputChannels: 3, ...UNALIGNED });
    h.barrier(0, 1, OPTIONS.unaligned);
    const before = h.snapshot;
    expect(ofKind(h.barrier(0, 1, OPTIONS.unaligned), 'rejected')).toHaveLength(1);
    expect(h.snapshot).toBe(before);
  });

  it('a newer barrier subsumes a started unaligned checkpoint: its snapshot is cancelled and it is declined', () => {
    const h = new TaskHarness({ inputChannels: 3, ...UNALIGNED }, { asyncReplies: false });
    h.barrier(0, 1, OPTIONS.unaligned);
    expect(h.view.snapshotsInProgress).toEqual([{ checkpointId: 1, phase: 'capturing' }]);
    const out = h.barrier(0, 2, OPTIONS.unaligned);
    expect(ofKind(out, 'cancelSnapshot').map((c) => c.checkpointId)).toEqual([1]);
    expect(declines(out)).toEqual([[1, 'CHECKPOINT_DECLINED_SUBSUMED']]);
    expect(broadcasts(out)).toEqual(['cancelMarker:1', 'barrier:2']);
    expect(channelOps(out)).toEqual(['release:1', 'release:2', 'capture:1', 'capture:2']);
    expect(h.view.snapshotsInProgress).toEqual([{ checkpointId: 2, phase: 'capturing' }]);
    // the answer of the cancelled snapshot is stale
    expect(h.send({ type: 'snapshot.asyncCompleted', checkpointId: 1, state: null, now: h.now })).toEqual([]);
  });

  it('a cancel marker of the started unaligned checkpoint declines it and stops capturing', () => {
    const h = new TaskHarness({ inputChannels: 3, ...UNALIGNED }, { asyncReplies: false });
    h.barrier(0, 1, OPTIONS.unaligned);
    const out = h.cancelMarker(1, 1);
    expect(declines(out)).toEqual([[1, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER']]);
    expect(channelOps(out)).toEqual(['release:1', 'release:2']);
    expect(h.view.barrierHandler).toBe('alternating.waitingForFirstBarrier');
  });

  it('end of partition during an unaligned checkpoint declines it and stops every capture, the ended channel\'s too', () => {
    const h = new TaskHarness({ inputChannels: 3, ...UNALIGNED }, { asyncReplies: false });
    h.barrier(0, 1, OPTIONS.unaligned);
    const out = h.endOfPartition(2);
    expect(declines(out)).toEqual([[1, 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM']]);
    expect(channelOps(out)).toEqual(['release:1', 'release:2']);
    expect(ofKind(out, 'cancelSnapshot').map((c) => c.checkpointId)).toEqual([1]);
    expect(h.view.openChannels).toBe(2);
  });

  it('aligned options (a savepoint) are aligned in the alternating handler', () => {
    const h = new TaskHarness({ inputChannels: 2, ...UNALIGNED });
    expect(channelOps(h.barrier(0, 1, OPTIONS.savepoint))).toEqual(['block:0']);
    expect(h.view.barrierHandler).toBe('alternating.collectingBarriers');
    const last = h.barrier(1, 1, OPTIONS.savepoint);
    expect(channelOps(last)).toEqual(['unblock:0']);
    expect(acks(last)).toEqual([1]);
    expect(ofKind(last, 'startTimer')).toEqual([]);
  });

  it('a single channel with unaligned options snapshots unaligned at once', () => {
    const h = new TaskHarness({ inputChannels: 1, ...UNALIGNED });
    const out = h.barrier(0, 1, OPTIONS.unaligned);
    expect(ofKind(out, 'snapshotSync')).toMatchObject([{ unaligned: true }]);
    expect(channelOps(out)).toEqual([]);
    expect(h.view.barrierHandler).toBe('alternating.waitingForFirstBarrier');
  });
});

describe('aligned with timeout (alternating handler, aligned options with a timeout)', () => {
  it('arms the alignment timer and switches to unaligned when it fires', () => {
    const h = new TaskHarness({ inputChannels: 3, ...UNALIGNED }, { asyncReplies: false });
    const first = h.barrier(0, 1, OPTIONS.timeout(100), h.now - 30);
    expect(channelOps(first)).toEqual(['block:0']);
    expect(ofKind(first, 'startTimer')).toEqual([{ kind: 'startTimer', timer: 'alignment:1', delayMs: 70 }]);
    expect(h.view.barrierHandler).toBe('alternating.collectingBarriers');
    h.barrier(1, 1, OPTIONS.timeout(100), h.now - 30);

    h.now += 70;
    const switched = h.send({ type: 'timer.fired', timer: 'alignment:1', now: h.now });
    expect(broadcasts(switched)).toEqual(['barrier:1']);
    expect(ofKind(switched, 'snapshotSync')).toMatchObject([{ checkpointId: 1, unaligned: true }]);
    expect(channelOps(switched)).toEqual(['capture:2', 'unblock:0', 'unblock:1']);
    expect(ofKind(switched, 'cancelTimer')).toEqual([]);
    expect(h.view.barrierHandler).toBe('alternating.collectingBarriersUnaligned');

    const last = h.barrier(2, 1, OPTIONS.timeout(100), h.now - 100);
    expect(channelOps(last)).toEqual(['release:2']);
    expect(h.view.barrierHandler).toBe('alternating.waitingForFirstBarrier');
  });

  it('switches on a late barrier arrival (timeout exceeded, timer not fired yet)', () => {
    const h = new TaskHarness({ inputChannels: 3, ...UNALIGNED }, { asyncReplies: false });
    const ts = h.now;
    h.barrier(0, 1, OPTIONS.timeout(100), ts);
    h.now = ts + 150;
    const out = h.barrier(1, 1, OPTIONS.timeout(100), ts);
    expect(ofKind(out, 'cancelTimer')).toEqual([{ kind: 'cancelTimer', timer: 'alignment:1' }]);
    expect(ofKind(out, 'snapshotSync')).toMatchObject([{ unaligned: true }]);
    expect(channelOps(out)).toEqual(['capture:2', 'unblock:0']);
    expect(h.view.capturingChannels).toEqual([2]);
    // the timer firing afterwards is stale
    expect(h.send({ type: 'timer.fired', timer: 'alignment:1', now: h.now })).toEqual([]);
  });

  it('a first barrier already older than the timeout starts unaligned at once', () => {
    const h = new TaskHarness({ inputChannels: 2, ...UNALIGNED });
    const out = h.barrier(0, 1, OPTIONS.timeout(100), h.now - 500);
    expect(ofKind(out, 'startTimer')).toEqual([]);
    expect(ofKind(out, 'snapshotSync')).toMatchObject([{ unaligned: true }]);
    expect(h.view.barrierHandler).toBe('alternating.collectingBarriersUnaligned');
  });

  it('alignment within the timeout stays aligned and cancels the timer', () => {
    const h = new TaskHarness({ inputChannels: 2, ...UNALIGNED });
    h.barrier(0, 1, OPTIONS.timeout(100));
    h.now += 10;
    const out = h.barrier(1, 1, OPTIONS.timeout(100));
    expect(ofKind(out, 'cancelTimer')).toEqual([{ kind: 'cancelTimer', timer: 'alignment:1' }]);
    expect(ofKind(out, 'snapshotSync')).toMatchObject([{ unaligned: false }]);
    expect(h.send({ type: 'timer.fired', timer: 'alignment:1', now: h.now + 100 })).toEqual([]);
    expect(h.view.barrierHandler).toBe('alternating.waitingForFirstBarrier');
  });

  it('a stale or unknown timer firing changes nothing', () => {
    const h = new TaskHarness({ inputChannels: 2, ...UNALIGNED });
    h.barrier(0, 2, OPTIONS.timeout(100));
    const before = h.snapshot;
    expect(h.send({ type: 'timer.fired', timer: 'alignment:1', now: h.now + 500 })).toEqual([]);
    expect(h.send({ type: 'timer.fired', timer: 'something', now: h.now + 500 })).toEqual([]);
    expect(h.snapshot.context).toBe(before.context);
    expect(h.view.barrierHandler).toBe('alternating.collectingBarriers');
  });

  it('an abort during a timed alignment cancels the timer', () => {
    const h = new TaskHarness({ inputChannels: 2, ...UNALIGNED });
    h.barrier(0, 1, OPTIONS.timeout(100));
    const out = h.cancelMarker(1, 1);
    expect(ofKind(out, 'cancelTimer')).toEqual([{ kind: 'cancelTimer', timer: 'alignment:1' }]);
    expect(h.view.barrierHandler).toBe('alternating.waitingForFirstBarrier');
  });

  it('a newer barrier subsuming a timed alignment re-arms the timer for the newer id', () => {
    const h = new TaskHarness({ inputChannels: 3, ...UNALIGNED });
    h.barrier(0, 1, OPTIONS.timeout(100));
    const out = h.barrier(1, 2, OPTIONS.timeout(100));
    expect(out.filter((c) => c.kind === 'cancelTimer' || c.kind === 'startTimer')).toEqual([
      { kind: 'cancelTimer', timer: 'alignment:1' },
      { kind: 'startTimer', timer: 'alignment:2', delayMs: 100 },
    ]);
    expect(declines(out)).toEqual([[1, 'CHECKPOINT_DECLINED_SUBSUMED']]);
  });

  it('a failing task drops the armed timer', () => {
    const h = new TaskHarness({ inputChannels: 2, ...UNALIGNED });
    h.barrier(0, 1, OPTIONS.timeout(100));
    const out = h.send({ type: 'task.fail', message: 'boom', now: h.now });
    expect(ofKind(out, 'cancelTimer')).toEqual([{ kind: 'cancelTimer', timer: 'alignment:1' }]);
    expect(h.view.barrierHandler).toBe('stopped');
  });
});
