import { describe, expect, it } from 'vitest';
import { acks, broadcasts, channelOps, declines, ofKind, OPTIONS, TaskHarness } from './task-harness.js';

describe('aligned barrier handling (exactly-once, unaligned disabled)', () => {
  it('blocks each channel at its barrier and releases all after the last, triggering once', () => {
    const h = new TaskHarness({ inputChannels: 3 });
    expect(h.view.barrierHandler).toBe('aligned.waitingForFirstBarrier');

    expect(channelOps(h.barrier(0, 1))).toEqual(['block:0']);
    expect(h.view.barrierHandler).toBe('aligned.collectingBarriers');
    expect(channelOps(h.barrier(2, 1))).toEqual(['block:2']);
    expect(h.view.blockedChannels).toEqual([0, 2]);
    expect(h.view.lastStartedCheckpointId).toBe(-1);

    const last = h.barrier(1, 1);
    expect(broadcasts(last)).toEqual(['barrier:1']);
    expect(channelOps(last)).toEqual(['unblock:0', 'unblock:2']);
    expect(ofKind(last, 'snapshotSync').map((c) => c.checkpointId)).toEqual([1]);
    expect(acks(last)).toEqual([1]);
    expect(h.view.barrierHandler).toBe('aligned.waitingForFirstBarrier');
    expect(h.view.blockedChannels).toEqual([]);
    expect(h.view.lastStartedCheckpointId).toBe(1);
  });

  it('the barrier goes downstream before the snapshot, and the channels are released after it', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    h.barrier(0, 1);
    const kinds = h.barrier(1, 1).map((c) => c.kind);
    expect(kinds.indexOf('broadcast')).toBeLessThan(kinds.indexOf('snapshotSync'));
    expect(kinds.indexOf('snapshotSync')).toBeLessThan(kinds.indexOf('unblockChannel'));
  });

  it('a single channel triggers at once, without blocking', () => {
    const h = new TaskHarness({ inputChannels: 1 });
    const out = h.barrier(0, 1);
    expect(channelOps(out)).toEqual([]);
    expect(broadcasts(out)).toEqual(['barrier:1']);
    expect(acks(out)).toEqual([1]);
    expect(h.view.barrierHandler).toBe('aligned.waitingForFirstBarrier');
  });

  it('ignores obsolete barriers (older ids, or the current id once it completed)', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    h.barrier(0, 2);
    h.barrier(1, 2);
    const before = h.snapshot;
    expect(h.barrier(0, 1)).toEqual([]);
    expect(h.barrier(1, 2)).toEqual([]);
    expect(h.snapshot.context).toBe(before.context);
    expect(h.view.barrierHandler).toBe('aligned.waitingForFirstBarrier');
  });

  it('an obsolete barrier while aligning does not block its channel', () => {
    const h = new TaskHarness({ inputChannels: 3 });
    h.cancelMarker(0, 1); // checkpoint 1 aborted at this task
    h.barrier(0, 2);
    expect(h.barrier(1, 1)).toEqual([]);
    expect(h.view.blockedChannels).toEqual([0]);
    expect(h.view.pendingAlignment).toBe(2);
  });

  it('a newer barrier subsumes the pending alignment: decline CHECKPOINT_DECLINED_SUBSUMED, release, start aligning the newer one', () => {
    const h = new TaskHarness({ inputChannels: 3 });
    h.barrier(0, 1);
    h.barrier(1, 1);
    const out = h.barrier(2, 2);
    expect(declines(out)).toEqual([[1, 'CHECKPOINT_DECLINED_SUBSUMED']]);
    expect(broadcasts(out)).toEqual(['cancelMarker:1']);
    expect(channelOps(out)).toEqual(['unblock:0', 'unblock:1', 'block:2']);
    expect(h.view.pendingAlignment).toBe(2);
    expect(h.view.barrierHandler).toBe('aligned.collectingBarriers');
    // late barriers of 1 are obsolete now; 2 completes with the other channels
    expect(h.barrier(0, 1)).toEqual([]);
    h.barrier(0, 2);
    expect(acks(h.barrier(1, 2))).toEqual([2]);
  });

  it('a cancel marker mid-alignment: decline CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER, forward the marker, release; later barriers are obsolete', () => {
    const h = new TaskHarness({ inputChannels: 3 });
    h.barrier(0, 1);
    const out = h.cancelMarker(1, 1);
    expect(declines(out)).toEqual([[1, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER']]);
    expect(broadcasts(out)).toEqual(['cancelMarker:1']);
    expect(channelOps(out)).toEqual(['unblock:0']);
    expect(h.view.barrierHandler).toBe('aligned.waitingForFirstBarrier');
    expect(h.barrier(2, 1)).toEqual([]);
    expect(h.barrier(1, 1)).toEqual([]);
    expect(h.view.lastStartedCheckpointId).toBe(1);
  });

  it('a cancel marker for a newer id while waiting declines it once; a repeated marker is ignored', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    expect(declines(h.cancelMarker(0, 5))).toEqual([[5, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER']]);
    expect(h.cancelMarker(1, 5)).toEqual([]);
    expect(h.barrier(0, 5)).toEqual([]);
  });

  it('a cancel marker for a newer id mid-alignment subsumes the pending one, then declines the marked one', () => {
    const h = new TaskHarness({ inputChannels: 3 });
    h.barrier(0, 1);
    const out = h.cancelMarker(1, 2);
    expect(declines(out)).toEqual([
      [1, 'CHECKPOINT_DECLINED_SUBSUMED'],
      [2, 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER'],
    ]);
    expect(broadcasts(out)).toEqual(['cancelMarker:1', 'cancelMarker:2']);
    expect(h.view.barrierHandler).toBe('aligned.waitingForFirstBarrier');
  });

  it('end of partition during alignment: decline CHECKPOINT_DECLINED_INPUT_END_OF_STREAM, release, and count one channel less afterwards', () => {
    const h = new TaskHarness({ inputChannels: 3 });
    h.barrier(0, 1);
    const out = h.endOfPartition(2);
    expect(declines(out)).toEqual([[1, 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM']]);
    expect(broadcasts(out)).toEqual(['cancelMarker:1']);
    expect(channelOps(out)).toEqual(['unblock:0']);
    expect(h.view.openChannels).toBe(2);
    // checkpoint 2 needs the two open channels only
    h.barrier(0, 2);
    expect(acks(h.barrier(1, 2))).toEqual([2]);
  });

  it('end of partition while waiting only reduces the channel count', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    expect(h.endOfPartition(0)).toEqual([]);
    expect(h.view.openChannels).toBe(1);
    expect(acks(h.barrier(1, 1))).toEqual([1]);
  });

  it('when every channel ended, the task awaits its final checkpoint and is triggered like a source', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    h.endOfPartition(0);
    h.endOfPartition(1);
    expect(h.view.barrierHandler).toBe('inputsEnded');
    expect(h.view.lifecycle).toBe('finishing');
    expect(h.view.finishing).toBe('awaitingFinalCheckpoint');
    expect(acks(h.trigger(3))).toEqual([3]);
  });

  it('unaligned options are aligned when unaligned checkpoints are disabled', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    expect(channelOps(h.barrier(0, 1, OPTIONS.unaligned))).toEqual(['block:0']);
    const last = h.barrier(1, 1, OPTIONS.unaligned);
    expect(ofKind(last, 'snapshotSync')[0]?.unaligned).toBe(false);
  });

  it('acknowledges with the alignment duration and start delay', () => {
    const h = new TaskHarness({ inputChannels: 2 });
    h.barrier(0, 1, OPTIONS.aligned, 900);
    h.now += 40;
    const ack = h.barrier(1, 1, OPTIONS.aligned, 900).find((c) => c.kind === 'sendToCoordinator' && c.message.type === 'acknowledgeCheckpoint');
    expect(ack).toMatchObject({ message: { metrics: { alignmentDurationMs: 40, checkpointStartDelayMs: 140, unaligned: false, bytesPersisted: 7 }, state: { sizeBytes: 7 } } });
  });
});
